package io.meshfl.core.integration;

import java.util.Locale;

/** How many rows of a relationship's {@code to} side one row of its {@code from} side matches. */
public enum Cardinality {
    /** Each key occurs at most once on both sides; the join may be followed either way. */
    ONE_TO_ONE,
    /** Many {@code from} rows (facts) share one {@code to} row (a dimension), whose key is unique. */
    MANY_TO_ONE;

    /** The name as written in an integration file. */
    public String yamlName() {
        return name().toLowerCase(Locale.ROOT).replace('_', '-');
    }

    /** The cardinality written {@code text}, or null when there is none. */
    public static Cardinality parse(String text) {
        for (Cardinality c : values()) {
            if (c.yamlName().equals(text.strip().toLowerCase(Locale.ROOT))) return c;
        }
        return null;
    }
}

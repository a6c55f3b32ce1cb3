package io.meshfl.core.contract;

import java.util.Locale;

/** The ODCS logical types MeshFL understands for a column. */
public enum LogicalType {
    STRING, NUMBER, INTEGER, BOOLEAN, DATE, TIMESTAMP;

    /** Whether values of this type can become a feature or label cell. */
    public boolean isNumeric() {
        return this == NUMBER || this == INTEGER || this == BOOLEAN;
    }

    /** The name as written in a contract. */
    public String yamlName() {
        return name().toLowerCase(Locale.ROOT);
    }

    /** The type named {@code text} (case-insensitive), or null when there is none. */
    public static LogicalType parse(String text) {
        if (text == null) return null;
        for (LogicalType t : values()) {
            if (t.name().equalsIgnoreCase(text.strip())) return t;
        }
        return null;
    }
}

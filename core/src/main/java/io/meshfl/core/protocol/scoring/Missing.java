package io.meshfl.core.protocol.scoring;

import io.meshfl.core.ErrorCode;
import io.meshfl.core.MeshflException;

import java.util.Arrays;
import java.util.Locale;

/**
 * How a scoring treats a row of the requester's product that a domain holding a part of the model
 * does not know. Every row is listed either way; the coverage columns say which parts were present.
 */
public enum Missing {
    /** The row is listed without a score. */
    REFUSE,
    /**
     * The missing domain's part is evaluated at the mean of its features: the mean its part learned
     * from when the part keeps one (vertical models), else the mean of that domain's scoring rows.
     */
    IMPUTE_MEAN,
    /** The row is scored by another model that needs no part of the missing domain. */
    FALLBACK_MODEL;

    /** The name a request or a job spells it with. */
    public String label() {
        return name().toLowerCase(Locale.ROOT).replace('_', '-');
    }

    /** Parses {@code value} of the field {@code field}; an unknown mode is an error naming both. */
    public static Missing parse(String value, String field) {
        for (Missing m : values()) if (m.label().equals(value)) return m;
        throw new MeshflException(ErrorCode.JOB_INVALID, field + ": unknown mode '" + value + "' (expected one of "
                + Arrays.stream(values()).map(Missing::label).toList() + ")");
    }
}

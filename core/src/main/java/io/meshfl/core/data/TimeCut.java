package io.meshfl.core.data;

import java.time.LocalDate;
import java.time.LocalDateTime;
import java.time.format.DateTimeParseException;

/**
 * An out-of-time cut: values later than {@code after} fall after it. Dates and timestamps compare
 * as ISO values (a date is its day's start), numbers as numbers; a cut and a value of different
 * kinds do not compare.
 */
public record TimeCut(String after, Double number, LocalDateTime instant) {

    /** The cut {@code after}: a number, an ISO date ({@code 2024-06-30}) or timestamp ({@code 2024-06-30 12:00:00}). */
    public static TimeCut parse(String after) {
        String t = after.strip();
        Double n = number(t);
        if (n != null) return new TimeCut(t, n, null);
        LocalDateTime i = instant(t);
        if (i != null) return new TimeCut(t, null, i);
        throw new IllegalArgumentException("'" + after + "' is neither a number nor an ISO date or timestamp (2024-06-30, 2024-06-30 12:00:00)");
    }

    /** Whether {@code value} (as a product's reader gives it) is later than the cut; {@code what} names it in an error. */
    public boolean isAfter(String value, String what) {
        if (value == null || value.isBlank()) throw new IllegalArgumentException(what + " is blank");
        String v = value.strip();
        if (number != null) {
            Double x = number(v);
            if (x == null) throw new IllegalArgumentException(what + " is not a number, the cut " + after + " is");
            return x > number;
        }
        LocalDateTime x = instant(v);
        if (x == null) throw new IllegalArgumentException(what + " is not a date or timestamp, the cut " + after + " is");
        return x.isAfter(instant);
    }

    private static Double number(String t) {
        try {
            return Double.parseDouble(t);
        } catch (NumberFormatException e) {
            return null;
        }
    }

    private static LocalDateTime instant(String t) {
        try {
            if (t.length() == 10) return LocalDate.parse(t).atStartOfDay();
            return LocalDateTime.parse(t.replace(' ', 'T'));
        } catch (DateTimeParseException e) {
            return null;
        }
    }
}

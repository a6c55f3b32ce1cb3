package io.meshfl.core.data;

import io.meshfl.core.contract.LogicalType;

import java.math.BigDecimal;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.time.OffsetDateTime;
import java.time.format.DateTimeParseException;
import java.util.Locale;

/**
 * Converting and checking cells against their declared logical type, and saying in words what is
 * wrong with a cell without repeating it: an error about a cell may cross the domain boundary,
 * its value may not.
 */
public final class CellValues {

    private CellValues() {
    }

    /** The cell as a double: NaN when empty or NaN, booleans as 0/1; NumberFormatException when it is not of the type. */
    public static double toDouble(Object o, LogicalType type) {
        if (o == null) return Double.NaN;
        switch (type) {
            case NUMBER:
                if (o instanceof Number n) return n.doubleValue();
                if (o instanceof String s) return parseNumber(s);
                throw new NumberFormatException();
            case INTEGER: {
                if (o instanceof Integer || o instanceof Long || o instanceof Short || o instanceof Byte) {
                    return ((Number) o).doubleValue();
                }
                double v;
                if (o instanceof BigDecimal b) {
                    v = b.doubleValue();
                } else if (o instanceof Number n) {
                    v = n.doubleValue();
                } else if (o instanceof String s) {
                    String t = s.strip();
                    if (t.isEmpty()) return Double.NaN;
                    try {
                        return Long.parseLong(t);
                    } catch (NumberFormatException e) {
                        v = parseNumber(t);
                    }
                } else {
                    throw new NumberFormatException();
                }
                if (!Double.isNaN(v) && !Double.isInfinite(v) && v != Math.rint(v)) throw new NumberFormatException();
                return v;
            }
            case BOOLEAN:
                if (o instanceof Boolean b) return b ? 1.0 : 0.0;
                if (o instanceof Number n) {
                    double v = n.doubleValue();
                    if (v == 0.0 || v == 1.0) return v;
                    throw new NumberFormatException();
                }
                if (o instanceof String s) return parseBoolean(s);
                throw new NumberFormatException();
            default:
                throw new NumberFormatException();
        }
    }

    private static double parseNumber(String s) {
        String t = s.strip();
        if (t.isEmpty() || t.equalsIgnoreCase("nan")) return Double.NaN;
        char last = t.charAt(t.length() - 1);
        // Java accepts "1d", "2f" and hex floats; a CSV number with those is a typo, not a value.
        if (last == 'd' || last == 'D' || last == 'f' || last == 'F' || t.indexOf('x') >= 0 || t.indexOf('X') >= 0) {
            throw new NumberFormatException(t);
        }
        return Double.parseDouble(t);
    }

    private static double parseBoolean(String s) {
        String t = s.strip().toLowerCase(Locale.ROOT);
        return switch (t) {
            case "" -> Double.NaN;
            case "true", "t", "yes", "y", "1" -> 1.0;
            case "false", "f", "no", "n", "0" -> 0.0;
            default -> throw new NumberFormatException(t);
        };
    }

    /** Whether a non-empty cell is of the declared type. */
    static boolean isOfType(Object o, LogicalType t) {
        if (t.isNumeric()) {
            try {
                toDouble(o, t);
                return true;
            } catch (NumberFormatException e) {
                return false;
            }
        }
        if (t == LogicalType.DATE && o instanceof String s) {
            try {
                LocalDate.parse(s.strip());
                return true;
            } catch (DateTimeParseException e) {
                return false;
            }
        }
        if (t == LogicalType.TIMESTAMP && o instanceof String s) return isTimestamp(s.strip());
        return true;
    }

    private static boolean isTimestamp(String s) {
        String t = s.replace(' ', 'T');
        try {
            LocalDateTime.parse(t);
            return true;
        } catch (DateTimeParseException e) {
            // fall through to the zoned and date-only forms
        }
        try {
            OffsetDateTime.parse(t);
            return true;
        } catch (DateTimeParseException e) {
            // fall through
        }
        try {
            LocalDate.parse(s);
            return true;
        } catch (DateTimeParseException e) {
            return false;
        }
    }

    /**
     * What is wrong with cell {@code o}, which is not of type {@code t}, in words that never
     * repeat the value: "a text value in a numeric column (not a number)", "a fractional number
     * (not an integer)", ...
     */
    public static String problem(Object o, LogicalType t) {
        boolean text = o instanceof String;
        boolean numeric = o instanceof Number || (o instanceof String s && isNumber(s));
        return switch (t) {
            case INTEGER, NUMBER -> numeric ? "a fractional number (not an integer)"
                    : text ? "a text value in a numeric column (not " + article(t) + ")" : ofType(o, t);
            case BOOLEAN -> numeric ? "a number other than 0 and 1 (not a boolean)"
                    : text ? "a text value that is none of true/false, t/f, yes/no, y/n, 1/0 (not a boolean)" : ofType(o, t);
            case DATE, TIMESTAMP -> text ? "a text value that is not " + article(t) : ofType(o, t);
            case STRING -> ofType(o, t);
        };
    }

    // The class of a JDBC or Parquet cell is the engine's type, not data.
    private static String ofType(Object o, LogicalType t) {
        return "a value of type " + o.getClass().getSimpleName() + " (not " + article(t) + ")";
    }

    private static boolean isNumber(String s) {
        try {
            return !Double.isNaN(parseNumber(s));
        } catch (NumberFormatException e) {
            return false;
        }
    }

    static String article(LogicalType t) {
        return switch (t) {
            case INTEGER -> "an integer";
            case NUMBER -> "a number";
            case BOOLEAN -> "a boolean";
            case DATE -> "a date (yyyy-mm-dd)";
            case TIMESTAMP -> "a timestamp";
            case STRING -> "a string";
        };
    }

    /** An entity key as text, with integral floating-point keys written without ".0". */
    public static String keyString(Object o) {
        if (o instanceof String s) return s.strip();
        if (o instanceof Double v && v == Math.rint(v) && !Double.isInfinite(v) && Math.abs(v) < 1e15) {
            return Long.toString(v.longValue());
        }
        if (o instanceof Float v && v == Math.rint(v) && !Float.isInfinite(v) && Math.abs(v) < 1e7) {
            return Long.toString(v.longValue());
        }
        if (o instanceof BigDecimal b) return b.stripTrailingZeros().toPlainString();
        return o.toString();
    }
}

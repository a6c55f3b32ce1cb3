package io.meshfl.core.data;

import io.meshfl.core.ErrorCode;
import io.meshfl.core.MeshflException;
import io.meshfl.core.contract.DataContract;
import io.meshfl.core.contract.Imputation;
import io.meshfl.core.contract.LogicalType;
import io.meshfl.core.contract.NameHints;
import io.meshfl.core.contract.Property;
import io.meshfl.core.contract.Server;

import java.math.BigDecimal;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.ResultSetMetaData;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.time.OffsetDateTime;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;
import java.util.Set;

/**
 * Reads a data product into a {@link Dataset}, checking the rows against the contract's schema.
 * CSV and Parquet files are read through an in-memory DuckDB, JDBC tables through their own
 * driver. Errors name the data file, the column, the line (CSV) or row and the bad value.
 */
public final class ProductReader {

    private ProductReader() {
    }

    /** Reads the features and the label that the contract's policy declares. */
    public static Dataset read(DataContract c) {
        return read(c, c.featureColumns(), c.policy().label());
    }

    /**
     * Reads the given feature columns and label ({@code labelColumn} null for none). Features must
     * be allowed by the policy; the label must be the policy's label or an allowed feature column.
     * Entity keys go into {@link Dataset#keys()} when the policy names an entity key.
     */
    public static Dataset read(DataContract c, List<String> featureColumns, String labelColumn) {
        List<String> features = featureColumns == null ? c.featureColumns() : List.copyOf(featureColumns);
        checkRequest(c, features, labelColumn);
        String keyCol = c.policy().entityKey();

        List<Property> cols = new ArrayList<>();
        if (keyCol != null) cols.add(c.property(keyCol).orElseThrow());
        for (String f : features) cols.add(c.property(f).orElseThrow());
        if (labelColumn != null) cols.add(c.property(labelColumn).orElseThrow());

        int d = features.size();
        int featureBase = keyCol == null ? 0 : 1;
        Imputation imputation = c.policy().imputation();
        try (Source src = Source.open(c)) {
            // DuckDB converts and checks cells in bulk far faster than handing every cell to Java as a
            // string; the per-cell Java path runs only for JDBC sources or to locate a bad cell.
            boolean fast = false;
            long counted;
            if (src.inDuckDb()) {
                long[] check = src.check(cols, keyCol == null ? 0 : 1, false);
                counted = check[0];
                fast = Arrays.stream(check, 1, check.length).allMatch(n -> n == 0);
            } else {
                counted = src.count();
            }
            if (counted == 0) throw empty(c, src);
            if (counted * Math.max(d, 1) > Integer.MAX_VALUE - 8) {
                throw new MeshflException(ErrorCode.DATA_BAD_VALUE, src.name() + " has " + counted + " rows x " + d
                        + " features, more than one node's dense array can hold (product " + c.id() + ")");
            }
            int cap = (int) counted;
            double[] x = new double[cap * d];
            double[] y = labelColumn == null ? null : new double[cap];
            String[] keys = keyCol == null ? null : new String[cap];
            long[] missing = new long[d];
            double[] sum = new double[d];
            boolean[] required = new boolean[d];
            LogicalType[] types = new LogicalType[d];
            for (int j = 0; j < d; j++) {
                Property p = cols.get(featureBase + j);
                types[j] = p.logicalType();
                required[j] = p.required();
            }
            LogicalType labelType = labelColumn == null ? null : c.property(labelColumn).orElseThrow().logicalType();

            int row = 0;
            try (ResultSet rs = fast ? src.selectValues(cols, keyCol == null ? 0 : 1) : src.select(cols)) {
                while (rs.next()) {
                    if (row == cap) {
                        // The source grew after it was counted; keep reading rather than fail.
                        cap = Math.max(cap + 1, cap + (cap >> 1));
                        x = Arrays.copyOf(x, cap * d);
                        if (y != null) y = Arrays.copyOf(y, cap);
                        if (keys != null) keys = Arrays.copyOf(keys, cap);
                    }
                    if (keyCol != null) {
                        Object o = rs.getObject(1);
                        String k = o == null ? null : keyString(o);
                        if (k == null || k.isBlank()) throw badValue(c, src, row, keyCol, "the entity key is empty");
                        keys[row] = k;
                    }
                    int off = row * d;
                    for (int j = 0; j < d; j++) {
                        double v;
                        if (fast) {
                            v = rs.getDouble(featureBase + 1 + j);
                            if (rs.wasNull()) v = Double.NaN;
                        } else {
                            v = cell(c, src, row, features.get(j), types[j], rs.getObject(featureBase + 1 + j));
                        }
                        if (Double.isNaN(v)) {
                            if (required[j]) {
                                throw badValue(c, src, row, features.get(j), "empty or NaN cell in a column declared required");
                            }
                            switch (imputation.strategy()) {
                                case NONE -> throw badValue(c, src, row, features.get(j),
                                        "empty or NaN cell and meshfl.imputation is none (use mean or constant to fill it)");
                                case CONSTANT -> v = imputation.value();
                                case MEAN -> missing[j]++;
                            }
                        } else if (Double.isInfinite(v)) {
                            throw badValue(c, src, row, features.get(j), "infinite value");
                        } else {
                            sum[j] += v;
                        }
                        x[off + j] = v;
                    }
                    if (y != null) {
                        double v;
                        if (fast) {
                            v = rs.getDouble(cols.size());
                            if (rs.wasNull()) v = Double.NaN;
                        } else {
                            v = cell(c, src, row, labelColumn, labelType, rs.getObject(cols.size()));
                        }
                        if (Double.isNaN(v)) throw badValue(c, src, row, labelColumn, "empty or NaN label");
                        if (Double.isInfinite(v)) throw badValue(c, src, row, labelColumn, "infinite label");
                        y[row] = v;
                    }
                    row++;
                }
            } catch (SQLException e) {
                throw new MeshflException(ErrorCode.DATA_BAD_VALUE, "cannot read " + src.name() + " (product " + c.id()
                        + ", contract " + c.sourceName() + "): " + e.getMessage(), e);
            }
            if (row == 0) throw empty(c, src);
            if (row != cap) {
                x = Arrays.copyOf(x, row * d);
                if (y != null) y = Arrays.copyOf(y, row);
                if (keys != null) keys = Arrays.copyOf(keys, row);
            }
            if (imputation.strategy() == Imputation.Strategy.MEAN) {
                fillMeans(c, src, features, x, row, missing, sum);
            }
            if (keys != null && c.property(keyCol).orElseThrow().primaryKey()) {
                checkUniqueKeys(c, src, keyCol, keys);
            }
            return new Dataset(features, x, y, keys, row);
        }
    }

    /**
     * Reads every declared column once and checks its values against the declared logical types
     * and required flags, without keeping the data; returns the row count.
     */
    /**
     * The values of one declared column as text, in row order (null for an empty cell): the join
     * keys that data-integration checks compare. Unlike {@link #read} this does not require the
     * column to be unique, because finding out whether it is, is what the checks are for.
     */
    public static String[] readKeys(DataContract c, String column) {
        Property p = c.property(column).orElseThrow(() -> new MeshflException(ErrorCode.DATA_MISSING_COLUMN, "product " + c.id()
                + " declares no column '" + column + "' (contract " + c.sourceName() + ")"));
        try (Source src = Source.open(c)) {
            List<String> out = new ArrayList<>();
            try (ResultSet rs = src.select(List.of(p))) {
                while (rs.next()) {
                    Object o = rs.getObject(1);
                    String v = o == null ? null : o.toString();
                    out.add(v == null || v.isBlank() ? null : v);
                }
            } catch (SQLException e) {
                throw new MeshflException(ErrorCode.DATA_BAD_VALUE, "cannot read column '" + column + "' of product " + c.id() + ": "
                        + e.getMessage(), e);
            }
            if (out.isEmpty()) throw empty(c, src);
            return out.toArray(new String[0]);
        }
    }

    /** The number of rows of a product, counted by the engine without reading them into Java. */
    public static long count(DataContract c) {
        try (Source src = Source.open(c)) {
            return src.count();
        }
    }

    public static long validate(DataContract c) {
        List<Property> cols = c.properties();
        try (Source src = Source.open(c)) {
            if (src.inDuckDb()) {
                long[] check = src.check(cols, 0, true);
                if (check[0] == 0) throw empty(c, src);
                if (Arrays.stream(check, 1, check.length).allMatch(n -> n == 0)) return check[0];
            }
            long row = 0;
            try (ResultSet rs = src.select(cols)) {
                while (rs.next()) {
                    for (int j = 0; j < cols.size(); j++) {
                        Property p = cols.get(j);
                        Object o = rs.getObject(j + 1);
                        boolean empty = o == null || (o instanceof String s && s.isBlank());
                        if (empty) {
                            if (p.required() || p.primaryKey()) {
                                throw badValue(c, src, row, p.name(), "empty cell in a column declared "
                                        + (p.primaryKey() ? "primary key" : "required"));
                            }
                            continue;
                        }
                        checkType(c, src, row, p, o);
                    }
                    row++;
                }
            } catch (SQLException e) {
                throw new MeshflException(ErrorCode.DATA_BAD_VALUE, "cannot read " + src.name() + " (product " + c.id()
                        + ", contract " + c.sourceName() + "): " + e.getMessage(), e);
            }
            if (row == 0) throw empty(c, src);
            return row;
        }
    }

    private static void checkRequest(DataContract c, List<String> features, String labelColumn) {
        Set<String> allowed = new HashSet<>(c.featureColumns());
        Set<String> seen = new HashSet<>();
        for (String f : features) {
            if (c.property(f).isEmpty()) {
                throw new MeshflException(ErrorCode.DATA_MISSING_COLUMN, "column '" + f + "' is not declared in contract "
                        + c.sourceName() + " (product " + c.id() + ")" + NameHints.hint(f, c.columns()));
            }
            if (!allowed.contains(f)) {
                throw new MeshflException(ErrorCode.POLICY_VIOLATION, "column '" + f + "' of product " + c.id()
                        + " is not allowed as a feature by contract " + c.sourceName() + " (allowed: " + c.featureColumns() + ")");
            }
            if (!seen.add(f)) {
                throw new MeshflException(ErrorCode.JOB_INVALID, "feature '" + f + "' of product " + c.id() + " is requested twice");
            }
        }
        if (labelColumn == null) return;
        String declared = c.policy().label();
        if (!labelColumn.equals(declared) && !allowed.contains(labelColumn)) {
            String why = declared == null ? "declares no label (meshfl.label)" : "declares the label '" + declared + "'";
            throw new MeshflException(ErrorCode.DATA_NO_LABEL, "product " + c.id() + " " + why + " in contract "
                    + c.sourceName() + "; cannot read '" + labelColumn + "' as a label");
        }
        if (seen.contains(labelColumn)) {
            throw new MeshflException(ErrorCode.JOB_INVALID, "column '" + labelColumn + "' of product " + c.id()
                    + " is requested as both feature and label");
        }
    }

    private static void fillMeans(DataContract c, Source src, List<String> features, double[] x, int rows,
                                  long[] missing, double[] sum) {
        int d = features.size();
        for (int j = 0; j < d; j++) {
            if (missing[j] == 0) continue;
            long present = rows - missing[j];
            if (present == 0) {
                throw new MeshflException(ErrorCode.DATA_BAD_VALUE, src.name() + ", column '" + features.get(j)
                        + "': every cell is empty or NaN, so there is no mean to impute (product " + c.id()
                        + ", contract " + c.sourceName() + ")");
            }
            double mean = sum[j] / present;
            for (int i = j; i < x.length; i += d) {
                if (Double.isNaN(x[i])) x[i] = mean;
            }
        }
    }

    private static void checkUniqueKeys(DataContract c, Source src, String keyCol, String[] keys) {
        String[] sorted = keys.clone();
        Arrays.sort(sorted);
        for (int i = 1; i < sorted.length; i++) {
            if (!sorted[i].equals(sorted[i - 1])) continue;
            String dup = sorted[i];
            int first = -1;
            for (int r = 0; r < keys.length; r++) {
                if (!keys[r].equals(dup)) continue;
                if (first < 0) {
                    first = r;
                } else {
                    throw badValue(c, src, r, keyCol, "duplicate value '" + dup + "' of primary key column (first at "
                            + src.where(first) + ")");
                }
            }
        }
    }

    // ---- cell conversion ----

    /** The cell as a double: NaN when empty or NaN, booleans as 0/1. */
    private static double cell(DataContract c, Source src, int row, String col, LogicalType type, Object o) {
        try {
            return toDouble(o, type);
        } catch (NumberFormatException e) {
            throw new MeshflException(ErrorCode.DATA_WRONG_TYPE, src.where(row) + ", column '" + col + "': value '" + o
                    + "' is not " + article(type) + " (product " + c.id() + ", contract " + c.sourceName() + ")");
        }
    }

    static double toDouble(Object o, LogicalType type) {
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

    private static void checkType(DataContract c, Source src, long row, Property p, Object o) {
        LogicalType t = p.logicalType();
        boolean ok = true;
        if (t.isNumeric()) {
            try {
                toDouble(o, t);
            } catch (NumberFormatException e) {
                ok = false;
            }
        } else if (t == LogicalType.DATE && o instanceof String s) {
            try {
                LocalDate.parse(s.strip());
            } catch (DateTimeParseException e) {
                ok = false;
            }
        } else if (t == LogicalType.TIMESTAMP && o instanceof String s) {
            ok = isTimestamp(s.strip());
        }
        if (!ok) {
            throw new MeshflException(ErrorCode.DATA_WRONG_TYPE, src.where(row) + ", column '" + p.name() + "': value '" + o
                    + "' is not " + article(t) + " (product " + c.id() + ", contract " + c.sourceName() + ")");
        }
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

    private static String article(LogicalType t) {
        return switch (t) {
            case INTEGER -> "an integer";
            case NUMBER -> "a number";
            case BOOLEAN -> "a boolean";
            case DATE -> "a date (yyyy-mm-dd)";
            case TIMESTAMP -> "a timestamp";
            case STRING -> "a string";
        };
    }

    static String keyString(Object o) {
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

    private static MeshflException badValue(DataContract c, Source src, long row, String col, String what) {
        return new MeshflException(ErrorCode.DATA_BAD_VALUE, src.where(row) + ", column '" + col + "': " + what
                + " (product " + c.id() + ", contract " + c.sourceName() + ")");
    }

    private static MeshflException empty(DataContract c, Source src) {
        return new MeshflException(ErrorCode.DATA_EMPTY, src.name() + " has no data rows (product " + c.id()
                + ", contract " + c.sourceName() + ")");
    }

    /** One open data source: a DuckDB view of a file, or a JDBC table. */
    private static final class Source implements AutoCloseable {
        final DataContract contract;
        final Server server;
        final Connection conn;
        final String from;
        final String quote;
        final Map<String, String> actualNames = new HashMap<>();
        Statement statement;
        char csvQuote = '"';

        private Source(DataContract contract, Connection conn, String from, String quote) {
            this.contract = contract;
            this.server = contract.server();
            this.conn = conn;
            this.from = from;
            this.quote = quote;
        }

        static Source open(DataContract c) {
            Server s = c.server();
            Source src;
            try {
                if (s.type() == Server.Type.JDBC) {
                    Connection conn = s.user() == null
                            ? DriverManager.getConnection(s.url())
                            : DriverManager.getConnection(s.url(), s.user(), s.password());
                    String q = conn.getMetaData().getIdentifierQuoteString();
                    src = new Source(c, conn, s.table(), q == null || q.isBlank() ? "\"" : q.strip());
                } else {
                    Path file = s.path();
                    if (!Files.isRegularFile(file)) {
                        throw new MeshflException(ErrorCode.DATA_MISSING_FILE, "data file " + file + " of product " + c.id()
                                + " (servers[0].path in contract " + c.sourceName() + ") does not exist");
                    }
                    Properties props = new Properties();
                    // Stream results so a large file is never materialised twice (in DuckDB and in our arrays).
                    props.setProperty("jdbc_stream_results", "true");
                    Connection conn = DriverManager.getConnection("jdbc:duckdb:", props);
                    String lit = "'" + file.toString().replace("'", "''") + "'";
                    char csvQuote = '"';
                    String from;
                    if (s.type() == Server.Type.CSV) {
                        String plain = "read_csv(" + lit + ", header=true, all_varchar=true)";
                        String[] sniffed = sniff(conn, plain.replace("read_csv(", "sniff_csv("));
                        from = sniffed == null ? plain : sniffed[0];
                        if (sniffed != null) csvQuote = sniffed[1].length() == 1 ? sniffed[1].charAt(0) : 0;
                    } else {
                        from = "read_parquet(" + lit + ")";
                    }
                    src = new Source(c, conn, from, "\"");
                    src.csvQuote = csvQuote;
                }
            } catch (SQLException e) {
                throw new MeshflException(ErrorCode.DATA_MISSING_FILE, "cannot open " + s.describe() + " of product " + c.id()
                        + " (contract " + c.sourceName() + "): " + e.getMessage(), e);
            }
            try {
                src.mapColumns();
            } catch (RuntimeException e) {
                src.close();
                throw e;
            }
            return src;
        }

        /**
         * Sniffs the CSV dialect once and returns DuckDB's own fully specified read_csv call and
         * the quote character; every later query then skips the costly per-query sniffing.
         * Returns null if sniffing fails, in which case the auto-detecting call is used as is.
         */
        private static String[] sniff(Connection conn, String sniffCall) {
            try (Statement st = conn.createStatement(); ResultSet rs = st.executeQuery("SELECT Prompt, Quote FROM " + sniffCall)) {
                if (!rs.next()) return null;
                String prompt = rs.getString(1).strip();
                if (prompt.endsWith(";")) prompt = prompt.substring(0, prompt.length() - 1).strip();
                if (!prompt.regionMatches(true, 0, "FROM ", 0, 5)) return null;
                String quote = rs.getString(2);
                return new String[]{prompt.substring(5).strip(), quote == null ? "" : quote};
            } catch (SQLException e) {
                return null;
            }
        }

        /** Matches every declared column to a column of the source, exactly or else case-insensitively. */
        private void mapColumns() {
            List<String> found = new ArrayList<>();
            try (Statement st = conn.createStatement(); ResultSet rs = st.executeQuery("SELECT * FROM " + from + " WHERE 1=0")) {
                ResultSetMetaData md = rs.getMetaData();
                for (int i = 1; i <= md.getColumnCount(); i++) found.add(md.getColumnLabel(i));
            } catch (SQLException e) {
                throw new MeshflException(ErrorCode.DATA_MISSING_FILE, "cannot read " + name() + " of product "
                        + contract.id() + " (contract " + contract.sourceName() + "): " + e.getMessage(), e);
            }
            Map<String, String> lower = new LinkedHashMap<>();
            for (String f : found) lower.putIfAbsent(f.toLowerCase(Locale.ROOT), f);
            List<String> missing = new ArrayList<>();
            for (String col : contract.columns()) {
                String actual = found.contains(col) ? col : lower.get(col.toLowerCase(Locale.ROOT));
                if (actual == null) missing.add(col);
                else actualNames.put(col, actual);
            }
            if (missing.isEmpty()) return;
            StringBuilder msg = new StringBuilder();
            msg.append(missing.size() == 1 ? "column '" + missing.get(0) + "'" : "columns '" + String.join("', '", missing) + "'");
            msg.append(missing.size() == 1 ? " is" : " are").append(" declared in contract ").append(contract.sourceName())
                    .append(" (product ").append(contract.id()).append(") but missing from ").append(name());
            String hint = NameHints.hint(missing.get(0), found);
            msg.append(hint).append("; columns found: ").append(abbreviate(found));
            throw new MeshflException(ErrorCode.DATA_MISSING_COLUMN, msg.toString());
        }

        long count() {
            try (Statement st = conn.createStatement(); ResultSet rs = st.executeQuery("SELECT count(*) FROM " + from)) {
                rs.next();
                return rs.getLong(1);
            } catch (SQLException e) {
                throw new MeshflException(ErrorCode.DATA_BAD_VALUE, "cannot read " + name() + " (product " + contract.id()
                        + ", contract " + contract.sourceName() + "): " + e.getMessage(), e);
            }
        }

        boolean inDuckDb() {
            return server.type() != Server.Type.JDBC;
        }

        /**
         * One scan that returns the row count followed, per column from {@code first} on, by the
         * number of non-empty cells that do not convert to the declared type (and, with
         * {@code withRequired}, by the number of empty cells of required and primary-key columns).
         */
        long[] check(List<Property> cols, int first, boolean withRequired) {
            StringBuilder sql = new StringBuilder("SELECT count(*)");
            int n = 0;
            for (int i = first; i < cols.size(); i++) {
                Property p = cols.get(i);
                String q = quoted(p.name());
                String text = "TRY_CAST(" + q + " AS VARCHAR)";
                String bad = switch (p.logicalType()) {
                    case NUMBER -> valueExpr(q, LogicalType.NUMBER) + " IS NULL";
                    case INTEGER -> valueExpr(q, LogicalType.INTEGER) + " IS NULL OR (isfinite(" + valueExpr(q, LogicalType.INTEGER)
                            + ") AND " + valueExpr(q, LogicalType.INTEGER) + " <> round(" + valueExpr(q, LogicalType.INTEGER) + "))";
                    case BOOLEAN -> valueExpr(q, LogicalType.BOOLEAN) + " IS NULL";
                    case DATE -> "TRY_CAST(" + q + " AS DATE) IS NULL";
                    case TIMESTAMP -> "TRY_CAST(" + q + " AS TIMESTAMP) IS NULL";
                    case STRING -> "false";
                };
                sql.append(", count(*) FILTER (WHERE ").append(q).append(" IS NOT NULL AND trim(").append(text)
                        .append(") <> '' AND (").append(bad).append("))");
                n++;
                if (withRequired && (p.required() || p.primaryKey())) {
                    sql.append(", count(*) FILTER (WHERE ").append(q).append(" IS NULL OR trim(").append(text).append(") = '')");
                    n++;
                }
            }
            sql.append(" FROM ").append(from);
            try (Statement st = conn.createStatement(); ResultSet rs = st.executeQuery(sql.toString())) {
                rs.next();
                long[] out = new long[n + 1];
                for (int i = 0; i <= n; i++) out[i] = rs.getLong(i + 1);
                return out;
            } catch (SQLException e) {
                throw new MeshflException(ErrorCode.DATA_BAD_VALUE, "cannot read " + name() + " (product " + contract.id()
                        + ", contract " + contract.sourceName() + "): " + e.getMessage(), e);
            }
        }

        /** The first {@code raw} columns as stored, the rest converted to DOUBLE by DuckDB (NULL when empty). */
        ResultSet selectValues(List<Property> cols, int raw) {
            List<String> exprs = new ArrayList<>();
            for (int i = 0; i < cols.size(); i++) {
                String q = quoted(cols.get(i).name());
                exprs.add(i < raw ? q : valueExpr(q, cols.get(i).logicalType()));
            }
            return query(exprs);
        }

        // Mirrors toDouble: the fast path must accept exactly the booleans the per-cell path accepts.
        private static String valueExpr(String q, LogicalType t) {
            if (t == LogicalType.BOOLEAN) {
                return "(CASE lower(trim(TRY_CAST(" + q + " AS VARCHAR))) WHEN 'true' THEN 1.0 WHEN 't' THEN 1.0"
                        + " WHEN 'yes' THEN 1.0 WHEN 'y' THEN 1.0 WHEN '1' THEN 1.0 WHEN 'false' THEN 0.0 WHEN 'f' THEN 0.0"
                        + " WHEN 'no' THEN 0.0 WHEN 'n' THEN 0.0 WHEN '0' THEN 0.0 ELSE NULL END)::DOUBLE";
            }
            return "TRY_CAST(" + q + " AS DOUBLE)";
        }

        private String quoted(String declared) {
            String n = actualNames.get(declared);
            return quote + n.replace(quote, quote + quote) + quote;
        }

        ResultSet select(List<Property> cols) {
            List<String> exprs = new ArrayList<>();
            for (Property p : cols) exprs.add(quoted(p.name()));
            return query(exprs);
        }

        private ResultSet query(List<String> exprs) {
            StringBuilder sql = new StringBuilder("SELECT ");
            sql.append(exprs.isEmpty() ? "1" : String.join(", ", exprs)).append(" FROM ").append(from);
            try {
                if (statement != null) statement.close();
                statement = conn.createStatement();
                statement.setFetchSize(4096);
                return statement.executeQuery(sql.toString());
            } catch (SQLException e) {
                throw new MeshflException(ErrorCode.DATA_BAD_VALUE, "cannot read " + name() + " (product " + contract.id()
                        + ", contract " + contract.sourceName() + "): " + e.getMessage(), e);
            }
        }

        String name() {
            return server.describe();
        }

        /** Where data row {@code row} (0-based) is, for messages. */
        String where(long row) {
            return switch (server.type()) {
                case CSV -> server.path() + " line " + CsvLines.lineOfDataRow(server.path(), row, csvQuote);
                case PARQUET -> server.path() + " row " + (row + 1);
                case JDBC -> server.describe() + " row " + (row + 1);
            };
        }

        @Override
        public void close() {
            try {
                if (statement != null) statement.close();
            } catch (SQLException e) {
                // closing a read-only statement cannot lose data
            }
            try {
                conn.close();
            } catch (SQLException e) {
                // nothing was written through this connection
            }
        }

        private static String abbreviate(List<String> names) {
            if (names.size() <= 12) return String.join(", ", names);
            return String.join(", ", names.subList(0, 12)) + ", ... (" + names.size() + " in all)";
        }
    }
}

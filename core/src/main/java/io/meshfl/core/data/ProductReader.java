package io.meshfl.core.data;

import io.meshfl.core.ErrorCode;
import io.meshfl.core.MeshflException;
import io.meshfl.core.contract.DataContract;
import io.meshfl.core.contract.Imputation;
import io.meshfl.core.contract.LogicalType;
import io.meshfl.core.contract.NameHints;
import io.meshfl.core.contract.Property;

import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * Reads a data product into a {@link Dataset}, checking the rows against the contract's schema.
 * CSV and Parquet files are read through an in-memory DuckDB, JDBC tables through their own
 * driver ({@link SourceConnection}).
 * <p>
 * Errors may cross the domain boundary, so their message names the product, the column and the
 * line (CSV, header = line 1) or row (Parquet, JDBC) and says what is wrong in words; the bad
 * value, the file path or URL and the engine's message are in
 * {@link MeshflException#localDetail()} for the node's log ({@link ReadErrors}).
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
        return read(c, featureColumns, labelColumn, null, true);
    }

    /**
     * The given rows of the product, in the given order (a row may repeat), without entity keys: the
     * rows an alignment chose, read in one pass that keeps only them, so a node holds its aligned rows
     * and never the whole product. Every row is still read and checked as {@link #read} checks it, and
     * mean imputation fills with the whole product's means; only a primary key's uniqueness is left to
     * the alignment, which refuses duplicate keys itself. {@code rows} null: every row, still without keys.
     */
    public static Dataset readRows(DataContract c, List<String> featureColumns, String labelColumn, int[] rows) {
        return read(c, featureColumns, labelColumn, rows == null ? null : rows.clone(), false);
    }

    /** The rows {@code only} in that order (every row when null), with the entity keys when {@code withKeys}. */
    private static Dataset read(DataContract c, List<String> featureColumns, String labelColumn, int[] only, boolean withKeys) {
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
        try (SourceConnection src = SourceConnection.open(c)) {
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
            if (counted == 0) throw ReadErrors.empty(src);
            boolean kept = only != null;
            if ((kept ? only.length : counted) * (long) Math.max(d, 1) > Integer.MAX_VALUE - 8) {
                throw ReadErrors.product(ErrorCode.DATA_BAD_VALUE, c, "it has " + counted + " rows x " + d
                        + " features, more than one node's dense array can hold", null);
            }
            // the requested rows sorted by file row, each with its place in the result: (file row << 32) | place
            long[] wanted = kept ? new long[only.length] : null;
            if (kept) {
                for (int i = 0; i < only.length; i++) {
                    if (only[i] < 0) throw new IllegalArgumentException("row " + only[i]);
                    wanted[i] = ((long) only[i] << 32) | i;
                }
                Arrays.sort(wanted);
            }
            int next = 0;
            int cap = kept ? only.length : (int) counted;
            double[] x = new double[cap * d];
            double[] y = labelColumn == null ? null : new double[cap];
            String[] keys = keyCol == null || !withKeys ? null : new String[cap];
            double[] cells = kept ? new double[d] : null;
            double label = 0;
            long[] missing = new long[d];
            // exact sums, for mean imputation only: the product's means do not depend on the order rows are added in (another
            // engine adds them by partition)
            boolean means = imputation.strategy() == Imputation.Strategy.MEAN;
            ExactSum[] sum = ExactSum.of(d);
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
                    if (!kept && row == cap) {
                        // The source grew after it was counted; keep reading rather than fail.
                        cap = Math.max(cap + 1, cap + (cap >> 1));
                        x = Arrays.copyOf(x, cap * d);
                        if (y != null) y = Arrays.copyOf(y, cap);
                        if (keys != null) keys = Arrays.copyOf(keys, cap);
                    }
                    if (keyCol != null) {
                        Object o = rs.getObject(1);
                        String k = o == null ? null : CellValues.keyString(o);
                        if (k == null || k.isBlank()) throw badValue(src, row, keyCol, "the entity key is empty");
                        if (keys != null) keys[row] = k;
                    }
                    int off = row * d;
                    for (int j = 0; j < d; j++) {
                        double v;
                        if (fast) {
                            v = rs.getDouble(featureBase + 1 + j);
                            if (rs.wasNull()) v = Double.NaN;
                        } else {
                            v = cell(src, row, features.get(j), types[j], rs.getObject(featureBase + 1 + j));
                        }
                        if (Double.isNaN(v)) {
                            if (required[j]) {
                                throw badValue(src, row, features.get(j), "empty or NaN cell in a column declared required");
                            }
                            switch (imputation.strategy()) {
                                case NONE -> throw badValue(src, row, features.get(j),
                                        "empty or NaN cell and meshfl.imputation is none (use mean or constant to fill it)");
                                case CONSTANT -> v = imputation.value();
                                case MEAN -> missing[j]++;
                            }
                        } else if (Double.isInfinite(v)) {
                            throw badValue(src, row, features.get(j), "infinite value");
                        } else {
                            if (means) sum[j].add(v);
                        }
                        if (kept) cells[j] = v;
                        else x[off + j] = v;
                    }
                    if (y != null) {
                        double v;
                        if (fast) {
                            v = rs.getDouble(cols.size());
                            if (rs.wasNull()) v = Double.NaN;
                        } else {
                            v = cell(src, row, labelColumn, labelType, rs.getObject(cols.size()));
                        }
                        if (Double.isNaN(v)) throw badValue(src, row, labelColumn, "an empty or NaN label");
                        if (Double.isInfinite(v)) throw badValue(src, row, labelColumn, "an infinite label");
                        if (kept) label = v;
                        else y[row] = v;
                    }
                    while (kept && next < wanted.length && (int) (wanted[next] >>> 32) == row) {
                        int place = (int) wanted[next++];
                        System.arraycopy(cells, 0, x, place * d, d);
                        if (y != null) y[place] = label;
                    }
                    row++;
                }
            } catch (SQLException e) {
                throw ReadErrors.engine(ErrorCode.DATA_BAD_VALUE, src, "read", e);
            }
            if (row == 0) throw ReadErrors.empty(src);
            if (kept && next < wanted.length) {
                throw CellErrors.fewerRows(c, row, wanted[wanted.length - 1] >>> 32);
            }
            if (!kept && row != cap) {
                x = Arrays.copyOf(x, row * d);
                if (y != null) y = Arrays.copyOf(y, row);
                if (keys != null) keys = Arrays.copyOf(keys, row);
            }
            if (imputation.strategy() == Imputation.Strategy.MEAN) {
                fillMeans(c, features, x, row, missing, sum);
            }
            if (keys != null && c.property(keyCol).orElseThrow().primaryKey()) {
                KeyReader.checkUnique(src, keyCol, keys);
            }
            return new Dataset(features, x, y, keys, kept ? only.length : row);
        }
    }

    /**
     * The values of one declared column as text, in row order (null for an empty cell): the join
     * keys that data-integration checks compare. Unlike {@link #read} this does not require the
     * column to be unique, because finding out whether it is, is what the checks are for.
     */
    public static String[] readKeys(DataContract c, String column) {
        return KeyReader.readKeys(c, column);
    }

    /**
     * Why a product's data cannot be read now (its file missing or unreadable), in words without its
     * path; null when it can. A cheap check for readiness probes: JDBC sources are not connected to.
     */
    public static String unreadable(DataContract c) {
        var server = c.server();
        if (!server.isFiles()) return null;
        var found = server.files();
        if (!found.unmatched().isEmpty()) return "its data file is missing";
        for (java.nio.file.Path p : found.files()) if (!java.nio.file.Files.isReadable(p)) return "its data file is not readable";
        return null;
    }

    /** The rows of each file of a product, in reading order (one entry for a single file or a table). */
    public static List<Long> rowsPerFile(DataContract c) {
        try (SourceConnection src = SourceConnection.open(c)) {
            return src.rowsPerFile();
        }
    }

    /** The number of rows of a product, counted by the engine without reading them into Java. */
    public static long count(DataContract c) {
        try (SourceConnection src = SourceConnection.open(c)) {
            return src.count();
        }
    }

    /**
     * Reads every declared column once and checks its values against the declared logical types
     * and required flags, without keeping the data; returns the row count.
     */
    public static long validate(DataContract c) {
        List<Property> cols = c.properties();
        try (SourceConnection src = SourceConnection.open(c)) {
            if (src.inDuckDb()) {
                long[] check = src.check(cols, 0, true);
                if (check[0] == 0) throw ReadErrors.empty(src);
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
                                throw badValue(src, row, p.name(), "empty cell in a column declared "
                                        + (p.primaryKey() ? "primary key" : "required"));
                            }
                            continue;
                        }
                        if (!CellValues.isOfType(o, p.logicalType())) throw ReadErrors.wrongType(src, row, p.name(), p.logicalType(), o);
                    }
                    row++;
                }
            } catch (SQLException e) {
                throw ReadErrors.engine(ErrorCode.DATA_BAD_VALUE, src, "read", e);
            }
            if (row == 0) throw ReadErrors.empty(src);
            return row;
        }
    }

    private static void checkRequest(DataContract c, List<String> features, String labelColumn) {
        Set<String> allowed = new HashSet<>(c.featureColumns());
        Set<String> seen = new HashSet<>();
        for (String f : features) {
            if (c.property(f).isEmpty()) {
                throw new MeshflException(ErrorCode.DATA_MISSING_COLUMN, "column '" + f + "' is not declared in the contract of product "
                        + c.id() + NameHints.hint(f, c.columns()));
            }
            if (!allowed.contains(f)) {
                throw new MeshflException(ErrorCode.POLICY_VIOLATION, "column '" + f + "' of product " + c.id()
                        + " is not allowed as a feature by its contract (meshfl.features; allowed: " + c.featureColumns() + ")");
            }
            if (!seen.add(f)) {
                throw new MeshflException(ErrorCode.JOB_INVALID, "feature '" + f + "' of product " + c.id() + " is requested twice");
            }
        }
        if (labelColumn == null) return;
        String declared = c.policy().label();
        if (!labelColumn.equals(declared) && !allowed.contains(labelColumn)) {
            String why = declared == null ? "declares no label (meshfl.label)" : "declares the label '" + declared + "'";
            throw new MeshflException(ErrorCode.DATA_NO_LABEL, "product " + c.id() + " " + why + " in its contract; cannot read '"
                    + labelColumn + "' as a label");
        }
        if (seen.contains(labelColumn)) {
            throw new MeshflException(ErrorCode.JOB_INVALID, "column '" + labelColumn + "' of product " + c.id()
                    + " is requested as both feature and label");
        }
    }

    private static void fillMeans(DataContract c, List<String> features, double[] x, int rows, long[] missing, ExactSum[] sum) {
        int d = features.size();
        for (int j = 0; j < d; j++) {
            if (missing[j] == 0) continue;
            long present = rows - missing[j];
            if (present == 0) {
                throw CellErrors.noMean(c, features.get(j));
            }
            double mean = sum[j].value() / present;
            for (int i = j; i < x.length; i += d) {
                if (Double.isNaN(x[i])) x[i] = mean;
            }
        }
    }

    /** The cell as a double: NaN when empty or NaN, booleans as 0/1. */
    private static double cell(SourceConnection src, int row, String col, LogicalType type, Object o) {
        try {
            return CellValues.toDouble(o, type);
        } catch (NumberFormatException e) {
            throw ReadErrors.wrongType(src, row, col, type, o);
        }
    }

    private static MeshflException badValue(SourceConnection src, long row, String col, String what) {
        return ReadErrors.cell(ErrorCode.DATA_BAD_VALUE, src, row, col, what, null);
    }
}

package io.meshfl.core.data;

import io.meshfl.core.ErrorCode;
import io.meshfl.core.MeshflException;
import io.meshfl.core.contract.DataContract;
import io.meshfl.core.contract.LogicalType;
import io.meshfl.core.contract.NameHints;
import io.meshfl.core.contract.Property;
import io.meshfl.core.contract.Server;

import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.ResultSetMetaData;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;

/**
 * One open data source of a product: a DuckDB view of a CSV or Parquet file, or a JDBC table,
 * with the contract's declared columns matched to the source's own. It knows where a data row
 * is ({@link #where}: line or row number, said without the path) and where the source is
 * ({@link #name}: path or URL, for the node's log only).
 */
final class SourceConnection implements AutoCloseable {
    final DataContract contract;
    private final Server server;
    private final Connection conn;
    private final String from;
    private final String quote;
    private final Map<String, String> actualNames = new HashMap<>();
    private Statement statement;
    private char csvQuote = '"';
    private List<Path> files = List.of();
    private long[] fileRows;

    private SourceConnection(DataContract contract, Connection conn, String from, String quote) {
        this.contract = contract;
        this.server = contract.server();
        this.conn = conn;
        this.from = from;
        this.quote = quote;
    }

    static SourceConnection open(DataContract c) {
        Server s = c.server();
        SourceConnection src;
        if (s.type() == Server.Type.KAFKA) {
            // a stream has no end to read to: it is joined window by window into a joined-data product, which is read instead
            throw ReadErrors.product(ErrorCode.DATA_STREAM, c, "it is a streaming product (a Kafka topic); train on the joined-data "
                    + "product its stream join writes (meshfl stream join), not on the stream itself", null);
        }
        try {
            if (s.type() == Server.Type.JDBC) {
                Connection conn = s.user() == null
                        ? DriverManager.getConnection(s.url())
                        : DriverManager.getConnection(s.url(), s.user(), s.password());
                String q = conn.getMetaData().getIdentifierQuoteString();
                src = new SourceConnection(c, conn, s.table(), q == null || q.isBlank() ? "\"" : q.strip());
            } else {
                Server.Files found = s.files();
                if (!found.unmatched().isEmpty()) {
                    throw ReadErrors.product(ErrorCode.DATA_MISSING_FILE, c, (s.paths().size() == 1 ? "its data file (servers[0].path of its contract) does not exist" : "its data files (servers[0].paths of its contract) do not all exist")
                            + " on the node of domain " + c.domain(), "no data file at " + found.unmatched() + " (servers[0] of " + c.sourceName() + ")");
                }
                List<Path> files = found.files();
                Properties props = new Properties();
                // Stream results so a large file is never materialised twice (in DuckDB and in our arrays).
                props.setProperty("jdbc_stream_results", "true");
                Connection conn = DriverManager.getConnection("jdbc:duckdb:", props);
                String lit = literal(files);
                char csvQuote = '"';
                String from;
                if (s.type() == Server.Type.CSV) {
                    String plain = "read_csv(" + lit + ", header=true, all_varchar=true" + (files.size() > 1 ? ", union_by_name=true)" : ")");
                    // one file: DuckDB's sniffed, fully specified call; several: matched by column name, each checked below
                    String[] sniffed = files.size() > 1 ? null : CsvDialect.sniff(conn, plain.replace("read_csv(", "sniff_csv("));
                    from = sniffed == null ? plain : sniffed[0];
                    if (sniffed != null) csvQuote = sniffed[1].length() == 1 ? sniffed[1].charAt(0) : 0;
                } else {
                    from = "read_parquet(" + lit + (files.size() > 1 ? ", union_by_name=true)" : ")");
                }
                src = new SourceConnection(c, conn, from, "\"");
                src.csvQuote = csvQuote;
                src.files = files;
            }
        } catch (SQLException e) {
            throw ReadErrors.engine(ErrorCode.DATA_MISSING_FILE, c, kind(s), s.describe(), "open", e);
        }
        try {
            src.mapColumns();
        } catch (RuntimeException e) {
            src.close();
            throw e;
        }
        return src;
    }

    /** A DuckDB literal of one file path, or of a list of them. */
    private static String literal(List<Path> files) {
        List<String> quoted = files.stream().map(f -> "'" + f.toString().replace("'", "''") + "'").toList();
        return quoted.size() == 1 ? quoted.get(0) : "[" + String.join(", ", quoted) + "]";
    }

    /** The files of a product kept in several, each read on its own: every one must hold every declared column. */
    private void checkEachFile() {
        for (int k = 0; k < files.size(); k++) {
            String one = server.type() == Server.Type.CSV ? "read_csv(" + literal(List.of(files.get(k))) + ", header=true, all_varchar=true)"
                    : "read_parquet(" + literal(List.of(files.get(k))) + ")";
            List<String> found = new ArrayList<>();
            try (Statement st = conn.createStatement(); ResultSet rs = st.executeQuery("SELECT * FROM " + one + " WHERE 1=0")) {
                ResultSetMetaData md = rs.getMetaData();
                for (int i = 1; i <= md.getColumnCount(); i++) found.add(md.getColumnLabel(i).toLowerCase(Locale.ROOT));
            } catch (SQLException e) {
                throw ReadErrors.engine(ErrorCode.DATA_MISSING_FILE, this, "read the columns of", e);
            }
            List<String> missing = contract.columns().stream().filter(col -> !found.contains(col.toLowerCase(Locale.ROOT))).toList();
            if (!missing.isEmpty()) {
                String cols = missing.size() == 1 ? "column '" + missing.get(0) + "' is" : "columns '" + String.join("', '", missing) + "' are";
                throw new MeshflException(ErrorCode.DATA_MISSING_COLUMN, cols + " declared in the contract of product " + contract.id()
                        + " but missing from file " + (k + 1) + " of its " + files.size() + " (the node's log names it)")
                        .withLocalDetail(cols + " declared in contract " + contract.sourceName() + " but missing from " + files.get(k));
            }
        }
    }

    /** Rows of each file of a product kept in several, in reading order (counted once, for positions in messages). */
    private long[] fileRows() {
        if (fileRows == null) {
            long[] out = new long[files.size()];
            for (int k = 0; k < files.size(); k++) {
                String one = server.type() == Server.Type.CSV ? "read_csv(" + literal(List.of(files.get(k))) + ", header=true, all_varchar=true)"
                        : "read_parquet(" + literal(List.of(files.get(k))) + ")";
                try (Statement st = conn.createStatement(); ResultSet rs = st.executeQuery("SELECT count(*) FROM " + one)) {
                    rs.next();
                    out[k] = rs.getLong(1);
                } catch (SQLException e) {
                    throw ReadErrors.engine(ErrorCode.DATA_MISSING_FILE, this, "count the rows of", e);
                }
            }
            fileRows = out;
        }
        return fileRows;
    }

    /** Matches every declared column to a column of the source, exactly or else case-insensitively. */
    private void mapColumns() {
        if (files.size() > 1) checkEachFile();
        List<String> found = new ArrayList<>();
        try (Statement st = conn.createStatement(); ResultSet rs = st.executeQuery("SELECT * FROM " + from + " WHERE 1=0")) {
            ResultSetMetaData md = rs.getMetaData();
            for (int i = 1; i <= md.getColumnCount(); i++) found.add(md.getColumnLabel(i));
        } catch (SQLException e) {
            throw ReadErrors.engine(ErrorCode.DATA_MISSING_FILE, this, "read the columns of", e);
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
        String cols = missing.size() == 1 ? "column '" + missing.get(0) + "' is" : "columns '" + String.join("', '", missing) + "' are";
        // The names found stay local: in a file without a header row they are the first row's cells.
        throw new MeshflException(ErrorCode.DATA_MISSING_COLUMN, cols + " declared in the contract of product " + contract.id()
                + " but missing from its " + kind() + " (" + found.size() + " columns found; the node's log names them)")
                .withLocalDetail(cols + " declared in contract " + contract.sourceName() + " (product " + contract.id()
                        + ") but missing from " + name() + NameHints.hint(missing.get(0), found) + "; columns found: " + abbreviate(found));
    }

    long count() {
        try (Statement st = conn.createStatement(); ResultSet rs = st.executeQuery("SELECT count(*) FROM " + from)) {
            rs.next();
            return rs.getLong(1);
        } catch (SQLException e) {
            throw ReadErrors.engine(ErrorCode.DATA_BAD_VALUE, this, "count the rows of", e);
        }
    }

    boolean inDuckDb() {
        return server.isFiles();
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
            throw ReadErrors.engine(ErrorCode.DATA_BAD_VALUE, this, "read", e);
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

    // Mirrors CellValues.toDouble: the fast path must accept exactly the booleans the per-cell path accepts.
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
            throw ReadErrors.engine(ErrorCode.DATA_BAD_VALUE, this, "read", e);
        }
    }

    /** The file path or JDBC table and URL (never the password): for the node's log only. */
    String name() {
        return server.describe();
    }

    /** What kind of source this is, in words that may cross the wire. */
    String kind() {
        return kind(server);
    }

    private static String kind(Server s) {
        return switch (s.type()) {
            case CSV -> "CSV file";
            case PARQUET -> "Parquet file";
            case JDBC -> "JDBC table";
            case KAFKA -> "Kafka topic";
        };
    }

    /**
     * Where data row {@code row} (0-based) is, without saying which file: the physical line of a
     * CSV file (the header is line 1), the 1-based row of a Parquet file or JDBC table.
     */
    String where(long row) {
        if (files.size() > 1) {
            long[] counts = fileRows();
            long local = row;
            for (int k = 0; k < counts.length; k++) {
                if (local < counts[k]) {
                    String at = server.type() == Server.Type.CSV ? "line " + CsvLines.lineOfDataRow(files.get(k), local, csvQuote) : "row " + (local + 1);
                    return at + " of file " + (k + 1) + " of " + counts.length;
                }
                local -= counts[k];
            }
        }
        return switch (server.type()) {
            case CSV -> "line " + CsvLines.lineOfDataRow(files.get(0), row, csvQuote);
            case PARQUET, JDBC -> "row " + (row + 1);
            case KAFKA -> "event " + (row + 1);
        };
    }

    /** The rows of each of the product's files, in reading order (one entry for a single file or a table). */
    List<Long> rowsPerFile() {
        if (files.size() <= 1) return List.of(count());
        return java.util.Arrays.stream(fileRows()).boxed().toList();
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

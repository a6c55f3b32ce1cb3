package io.meshfl.stream.ingest;

import io.meshfl.core.data.CsvLines;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;

/**
 * Reads one part's rows in file order as text cells of the contract's columns, through DuckDB
 * (CSV with a header, every cell read as text; Parquet with its own types, a timestamp given as
 * epoch milliseconds). A column of the contract that the part lacks is null in every row; a
 * column of the part that the contract does not name is reported by {@link #unread}.
 */
final class PartReader implements AutoCloseable {

    /** What is done with each row: its 0-based index in the part and its cells (null where absent). */
    interface RowSink {
        void accept(long row, String[] cells) throws Exception;
    }

    private final Parts.Part part;
    private final Connection conn;
    private final String from;
    private final List<String> select = new ArrayList<>();
    private final List<String> missing = new ArrayList<>();
    private final List<String> unread = new ArrayList<>();

    PartReader(Parts.Part part, List<String> columns) {
        this.part = part;
        String lit = "'" + part.file().toAbsolutePath().toString().replace("'", "''") + "'";
        this.from = part.kind() == Parts.Kind.CSV ? "read_csv(" + lit + ", header=true, all_varchar=true)" : "read_parquet(" + lit + ")";
        try {
            Properties props = new Properties();
            // rows stream from the file; a large part is never held in memory
            props.setProperty("jdbc_stream_results", "true");
            this.conn = DriverManager.getConnection("jdbc:duckdb:", props);
            Map<String, String> types = new LinkedHashMap<>();
            try (Statement s = conn.createStatement(); ResultSet rs = s.executeQuery("DESCRIBE SELECT * FROM " + from)) {
                while (rs.next()) types.put(rs.getString(1), rs.getString(2));
            }
            Map<String, String> byLower = new LinkedHashMap<>();
            for (String n : types.keySet()) byLower.putIfAbsent(n.toLowerCase(Locale.ROOT), n);
            List<String> used = new ArrayList<>();
            for (String c : columns) {
                String actual = types.containsKey(c) ? c : byLower.get(c.toLowerCase(Locale.ROOT));
                if (actual == null) {
                    missing.add(c);
                    select.add("NULL");
                    continue;
                }
                used.add(actual);
                String q = "\"" + actual.replace("\"", "\"\"") + "\"";
                String type = types.get(actual).toUpperCase(Locale.ROOT);
                select.add(type.startsWith("TIMESTAMP") ? "CAST(epoch_ms(" + q + ") AS VARCHAR)" : "CAST(" + q + " AS VARCHAR)");
            }
            for (String n : types.keySet()) if (!used.contains(n)) unread.add(n);
        } catch (SQLException e) {
            throw new IllegalArgumentException("part " + part.name() + " cannot be read as " + part.kind().name().toLowerCase(Locale.ROOT)
                    + ": " + firstLine(e.getMessage()), e);
        }
    }

    /** The contract's columns this part does not have. */
    List<String> missing() {
        return missing;
    }

    /** The part's columns the contract does not name: not read. */
    List<String> unread() {
        return unread;
    }

    /** Passes every row from {@code fromRow} on, in file order; returns the number of rows passed. */
    long read(long fromRow, RowSink sink) throws Exception {
        long row = fromRow;
        try (Statement s = conn.createStatement();
             ResultSet rs = s.executeQuery("SELECT " + String.join(", ", select) + " FROM " + from + (fromRow > 0 ? " OFFSET " + fromRow : ""))) {
            int n = select.size();
            while (rs.next()) {
                String[] cells = new String[n];
                for (int i = 0; i < n; i++) cells[i] = rs.getString(i + 1);
                sink.accept(row++, cells);
            }
        } catch (SQLException e) {
            throw new IllegalArgumentException("part " + part.name() + " cannot be read after " + where(row) + ": " + firstLine(e.getMessage()), e);
        }
        return row - fromRow;
    }

    /** Where a row is, for the domain's own log: a CSV part's line, a Parquet part's row. */
    String where(long row) {
        return part.kind() == Parts.Kind.CSV ? "line " + CsvLines.lineOfDataRow(part.file(), row, '"') : "row " + (row + 1);
    }

    private static String firstLine(String m) {
        if (m == null) return "no reason given";
        int nl = m.indexOf('\n');
        return nl < 0 ? m : m.substring(0, nl);
    }

    @Override
    public void close() {
        try {
            conn.close();
        } catch (SQLException e) {
            // nothing was written through this connection
        }
    }
}

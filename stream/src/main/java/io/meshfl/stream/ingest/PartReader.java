package io.meshfl.stream.ingest;

import io.meshfl.core.data.CsvDialect;
import io.meshfl.core.data.CsvLines;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Reads one part's rows in file order as text cells of the contract's columns, through DuckDB
 * (CSV with a header, every cell read as text; Parquet with its own types, a timestamp given as
 * epoch milliseconds). A column of the contract that the part lacks is null in every row; a
 * column of the part that the contract does not name is reported by {@link #unread}.
 */
final class PartReader {

    /** What is done with each row: its 0-based index in the part and its cells (null where absent). */
    interface RowSink {
        void accept(long row, String[] cells) throws Exception;
    }

    private final Parts.Part part;
    private final Connection conn;
    /** The CSV part's quote character (0: none), for telling a row's line. */
    private char quote = '"';
    private final String from;
    private final List<String> select = new ArrayList<>();
    private final List<String> missing = new ArrayList<>();
    private final List<String> unread = new ArrayList<>();

    /** Reads {@code part} through {@code conn}, the ingester's one DuckDB connection (results streamed, not held). */
    PartReader(Connection conn, Parts.Part part, List<String> columns) {
        this.part = part;
        this.conn = conn;
        String lit = "'" + part.file().toAbsolutePath().toString().replace("'", "''") + "'";
        String auto = "read_csv(" + lit + ", header=true, all_varchar=true)";
        String[] sniffed = part.kind() == Parts.Kind.CSV ? CsvDialect.sniff(conn, auto.replace("read_csv(", "sniff_csv(")) : null;
        this.from = part.kind() == Parts.Kind.PARQUET ? "read_parquet(" + lit + ")" : sniffed != null ? sniffed[0] : auto;
        if (sniffed != null) this.quote = sniffed[1].length() == 1 ? sniffed[1].charAt(0) : 0;
        try {
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
        return part.kind() == Parts.Kind.CSV ? "line " + CsvLines.lineOfDataRow(part.file(), row, quote) : "row " + (row + 1);
    }

    private static String firstLine(String m) {
        if (m == null) return "no reason given";
        int nl = m.indexOf('\n');
        return nl < 0 ? m : m.substring(0, nl);
    }

}

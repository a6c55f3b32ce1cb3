package io.meshfl.core.data;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;

/**
 * A CSV file's dialect as DuckDB sniffs it, once: its own fully specified read_csv call and the
 * quote character, so that every later query of the file skips the costly per-query sniffing.
 */
public final class CsvDialect {

    private CsvDialect() {
    }

    /**
     * DuckDB's fully specified read_csv call ({@code [0]}) and the quote character ({@code [1]}, empty for none) for a
     * {@code sniff_csv(...)} call; null if sniffing fails, in which case the auto-detecting call is used as is.
     */
    public static String[] sniff(Connection conn, String sniffCall) {
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
}

package io.meshfl.engine.spark;

import io.meshfl.core.ErrorCode;
import io.meshfl.core.MeshflException;
import org.apache.spark.sql.DataFrameReader;
import org.apache.spark.sql.SparkSession;

import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;

/**
 * How Spark must read a CSV file so that its rows are the rows the node's own reader (DuckDB) reads:
 * the file's dialect as DuckDB sniffs it (delimiter, quote, escape) and DuckDB's count of its rows,
 * which Spark's count must equal. A quoted value spanning lines splits a row for a line-by-line
 * reader; such a file is read whole (Spark's multiLine, one task for the file), and the node's log
 * says so; a file the two still count differently is refused, as its row numbers would not name the
 * same rows on both engines.
 */
record CsvAgreement(String delimiter, String quote, String escape, long rows) {

    /** DuckDB's reading of file {@code index} (1-based, of {@code files}) of product {@code product}. */
    static CsvAgreement sniff(Path file, String product, int index, int files) {
        String lit = "'" + file.toString().replace("'", "''") + "'";
        try (Connection c = DriverManager.getConnection("jdbc:duckdb:"); Statement st = c.createStatement()) {
            String delimiter = ",", quote = "\"", escape = "\"";
            try (ResultSet rs = st.executeQuery("SELECT Delimiter, Quote, Escape FROM sniff_csv(" + lit + ", header=true)")) {
                if (rs.next()) {
                    delimiter = orElse(rs.getString(1), ",");
                    quote = orElse(rs.getString(2), "");
                    escape = orElse(rs.getString(3), "");
                }
            }
            try (ResultSet rs = st.executeQuery("SELECT count(*) FROM read_csv(" + lit + ", header=true, all_varchar=true)")) {
                rs.next();
                return new CsvAgreement(delimiter, quote, escape, rs.getLong(1));
            }
        } catch (SQLException e) {
            throw new MeshflException(ErrorCode.DATA_BAD_VALUE, "product " + product + ": file " + index + " of " + files
                    + " cannot be read as CSV by the node's reader (the node's log names it)");
        }
    }

    /** DuckDB names a dialect's missing character "(empty)". */
    private static String orElse(String s, String empty) {
        return s == null ? empty : s.equals("(empty)") ? "" : s;
    }

    /** A reader of the file with this dialect; {@code whole}: Spark's multiLine (quoted values may span lines). */
    DataFrameReader reader(SparkSession spark, boolean whole) {
        // no quote character is Spark's "\u0000"; an escape equal to the quote is RFC 4180's doubled quote
        return spark.read().option("header", "true").option("inferSchema", "false").option("sep", delimiter)
                .option("quote", quote.isEmpty() ? "\u0000" : quote).option("escape", escape.isEmpty() ? "\u0000" : escape)
                .option("multiLine", Boolean.toString(whole)).option("mode", "PERMISSIVE");
    }
}

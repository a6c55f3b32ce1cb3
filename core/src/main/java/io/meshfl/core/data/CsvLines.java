package io.meshfl.core.data;

import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Maps a CSV data row back to its line in the file. DuckDB returns rows in file order but not
 * their line numbers; row i is line i + 2 unless the file has blank lines (DuckDB skips them) or
 * line breaks inside quoted cells, so on the error path the file is scanned to find the exact line.
 */
public final class CsvLines {

    private CsvLines() {
    }

    /**
     * The 1-based line on which data row {@code row} (0-based, header excluded) starts, or
     * {@code row + 2} if the file cannot be scanned; {@code quote} 0 means the file has no quoting.
     */
    public static long lineOfDataRow(Path file, long row, char quote) {
        long target = row + 1; // record 0 is the header
        try (InputStream in = new BufferedInputStream(Files.newInputStream(file), 1 << 16)) {
            long line = 1;
            long record = 0;
            boolean inQuote = false;
            boolean lineStart = true;
            boolean prevCr = false;
            int b;
            while ((b = in.read()) != -1) {
                boolean newline = b == '\n' || b == '\r';
                if (b == '\n' && prevCr) {
                    prevCr = false;
                    continue;
                }
                prevCr = b == '\r';
                if (lineStart && !inQuote && !newline) {
                    if (record == target) return line;
                    record++;
                    lineStart = false;
                }
                if (newline) {
                    line++;
                    if (!inQuote) lineStart = true;
                } else if (quote != 0 && b == quote) {
                    inQuote = !inQuote;
                }
            }
        } catch (IOException e) {
            return row + 2;
        }
        return row + 2;
    }
}

package io.meshfl.core.data;

import io.meshfl.core.ErrorCode;
import io.meshfl.core.MeshflException;
import io.meshfl.core.contract.DataContract;
import io.meshfl.core.contract.LogicalType;

import java.sql.SQLException;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The errors of reading a product. These are raised on the domain's node and travel to the
 * coordinator and the job's submitter, so the message names only the product, the column, the
 * line (CSV) or row and what is wrong, in words. The cell value, the file path or JDBC URL, the
 * contract file and the engine's own message (which quotes rows and paths) go to the
 * exception's local detail, for the node's log.
 */
final class ReadErrors {

    /** DuckDB's CSV errors start with the physical line they stopped at; the rest of them quotes the line. */
    private static final Pattern ENGINE_LINE = Pattern.compile("CSV Error on Line: (\\d+)");

    private ReadErrors() {
    }

    /**
     * A cell at fault: data row {@code row} (0-based), column {@code column}; {@code what} says
     * what is wrong without the value, {@code detail} (may be null) adds what only the node may see.
     */
    static MeshflException cell(ErrorCode code, SourceConnection src, long row, String column, String what, String detail) {
        String where = src.where(row);
        DataContract c = src.contract;
        String message = "product " + c.id() + ", column '" + column + "', " + where + ": " + what;
        String local = src.name() + " " + where + ", column '" + column + "': " + what
                + (detail == null ? "" : "; " + detail) + " (contract " + c.sourceName() + ")";
        return new MeshflException(code, message).withLocalDetail(local);
    }

    /** A cell that does not convert to its column's declared type; the value is named in the local detail only. */
    static MeshflException wrongType(SourceConnection src, long row, String column, LogicalType type, Object value) {
        return cell(ErrorCode.DATA_WRONG_TYPE, src, row, column, CellValues.problem(value, type),
                "value '" + value + "' is not " + CellValues.article(type));
    }

    /** A failure about the product as a whole (no single cell at fault). */
    static MeshflException product(ErrorCode code, DataContract c, String what, String detail) {
        return new MeshflException(code, "product " + c.id() + ": " + what).withLocalDetail(
                "product " + c.id() + ": " + (detail == null ? what : detail) + " (contract " + c.sourceName() + ")");
    }

    static MeshflException empty(SourceConnection src) {
        return product(ErrorCode.DATA_EMPTY, src.contract, "its " + src.kind() + " has no data rows",
                src.name() + " has no data rows");
    }

    /**
     * The engine (DuckDB, or the JDBC driver) failed while {@code doing} something with the
     * source. Its message quotes paths and, for a malformed CSV line, the whole line, so only its
     * line number (when it gives one) and SQL state cross; the message itself stays local.
     */
    static MeshflException engine(ErrorCode code, DataContract c, String kind, String name, String doing, SQLException e) {
        String text = e.getMessage() == null ? "" : e.getMessage();
        StringBuilder msg = new StringBuilder("product ").append(c.id()).append(": cannot ").append(doing).append(" its ").append(kind);
        Matcher m = ENGINE_LINE.matcher(text);
        if (m.find()) msg.append(" at line ").append(m.group(1)).append(", which does not parse as a row of the file's columns");
        msg.append(" (engine error");
        if (e.getSQLState() != null && e.getSQLState().matches("[0-9A-Z]{5}")) msg.append(", SQL state ").append(e.getSQLState());
        msg.append("; the node's log has the engine's message)");
        return new MeshflException(code, msg.toString(), e).withLocalDetail("cannot " + doing + " " + name + " (product " + c.id()
                + ", contract " + c.sourceName() + "): " + text);
    }

    static MeshflException engine(ErrorCode code, SourceConnection src, String doing, SQLException e) {
        return engine(code, src.contract, src.kind(), src.name(), doing, e);
    }
}

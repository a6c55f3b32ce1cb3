package io.meshfl.core;

/**
 * Every failure MeshFL reports to a user: a code from the {@link ErrorCode} catalog and a message
 * that names what is at fault (file, field, column, line, node or round).
 * <p>
 * The message is what may cross a domain boundary: an error raised on a domain's node names
 * product, column and line there, never a cell value, row content or a file path. What the
 * domain's own operator needs besides (the value, the path, the engine's message) is the
 * optional {@link #localDetail() local detail}, which stays in the node's log.
 */
public class MeshflException extends RuntimeException {
    private final ErrorCode code;
    private volatile String localDetail;

    public MeshflException(ErrorCode code, String message) {
        super(message);
        this.code = code;
    }

    public MeshflException(ErrorCode code, String message, Throwable cause) {
        super(message, cause);
        this.code = code;
    }

    public ErrorCode code() {
        return code;
    }

    /**
     * Attaches text for the local log only (it may hold values and paths); returns this exception,
     * so that {@code throw new MeshflException(...).withLocalDetail(...)} reads as one statement.
     */
    public MeshflException withLocalDetail(String detail) {
        this.localDetail = detail;
        return this;
    }

    /** The detail for the local log only, or null when there is none; never part of {@link #getMessage()}. */
    public String localDetail() {
        return localDetail;
    }

    @Override
    public String toString() {
        return "MeshFL-" + code.number() + " " + code + ": " + getMessage();
    }
}

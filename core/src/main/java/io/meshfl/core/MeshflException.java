package io.meshfl.core;

/** Every failure MeshFL reports to a user: a code from the {@link ErrorCode} catalog and a message that names the file, field, column, node or round at fault. */
public class MeshflException extends RuntimeException {
    private final ErrorCode code;

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

    @Override
    public String toString() {
        return "MeshFL-" + code.number() + " " + code + ": " + getMessage();
    }
}

package io.meshfl.web;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.meshfl.core.ErrorCode;
import io.meshfl.core.MeshflException;

/**
 * An error as an RFC 9457 problem detail ({@code application/problem+json}): the HTTP status, a
 * title, MeshFL's error code and the message that may cross to the caller (never a cell value or a
 * file path: those stay in a local detail that is not sent).
 */
public record Problem(int status, String title, String code, String detail) {

    public static final String MEDIA_TYPE = "application/problem+json";

    /** The problem an error of MeshFL becomes. */
    public static Problem of(MeshflException e) {
        return new Problem(status(e.code()), title(e.code()), "MeshFL-" + e.code().number() + " " + e.code().name(), e.getMessage());
    }

    public static Problem notFound(String what) {
        return of(new MeshflException(ErrorCode.CATALOG_NOT_FOUND, what));
    }

    public static Problem badRequest(String what) {
        return new Problem(400, "Bad request", "MeshFL-" + ErrorCode.JOB_INVALID.number() + " " + ErrorCode.JOB_INVALID.name(), what);
    }

    public static Problem forbidden(String what) {
        return of(new MeshflException(ErrorCode.POLICY_VIOLATION, what));
    }

    ObjectNode json() {
        ObjectNode n = Json.MAPPER.createObjectNode();
        n.put("type", "https://meshfl.io/problems/" + code.substring(code.indexOf(' ') + 1).toLowerCase(java.util.Locale.ROOT).replace('_', '-'));
        n.put("title", title);
        n.put("status", status);
        n.put("detail", detail);
        n.put("code", code);
        return n;
    }

    private static int status(ErrorCode c) {
        return switch (c) {
            case CATALOG_NOT_FOUND, UNKNOWN_PRODUCT, UNKNOWN_JOB -> 404;
            case JOB_INVALID, CONTRACT_INVALID -> 400;
            case PLAN_REFUSED, POLICY_VIOLATION, CRYPTO_FAILURE -> 403;
            default -> 500;
        };
    }

    private static String title(ErrorCode c) {
        return switch (status(c)) {
            case 404 -> "Not found";
            case 400 -> "Bad request";
            case 403 -> "Forbidden";
            default -> "Server error";
        };
    }
}

package io.meshfl.core;

/**
 * The error catalog: one code per failure kind, grouped in ranges per component so that an
 * error seen in a log or crossing the wire says where it came from.
 */
public enum ErrorCode {
    CONTRACT_INVALID(100), CONTRACT_FILE_MISSING(101),
    DATA_MISSING_FILE(200), DATA_MISSING_COLUMN(201), DATA_WRONG_TYPE(202), DATA_BAD_VALUE(203),
    DATA_NO_LABEL(204), DATA_EMPTY(205), DATA_STREAM(206),
    CATALOG_FAILURE(300), CATALOG_NOT_FOUND(301),
    JOB_INVALID(400), PLAN_REFUSED(401), UNKNOWN_PRODUCT(402),
    PROTOCOL_FAILURE(500), BAD_UPDATE(501), TOO_FEW_NODES(502), ROUND_TIMEOUT(503), OUT_OF_ORDER(504),
    NODE_FAILURE(600), POLICY_VIOLATION(601), NODE_LOST(602), UNKNOWN_JOB(603),
    COORDINATOR_FAILURE(700), RUN_CANCELLED(701),
    CRYPTO_FAILURE(800),
    INTERNAL(900);

    private final int number;

    ErrorCode(int number) {
        this.number = number;
    }

    public int number() {
        return number;
    }

    public static ErrorCode ofNumber(int number) {
        for (ErrorCode c : values()) {
            if (c.number == number) return c;
        }
        return INTERNAL;
    }
}

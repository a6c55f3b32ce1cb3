package io.meshfl.core.catalog;

import java.time.Instant;

/**
 * A submitted job: its name, the job spec as written by the user, and its current status:
 * SUBMITTED, then PLANNED (plan, ticket and grants admitted) or REFUSED (with the reason in the
 * coordinator's answer), then the status of its run (RUNNING, SUCCEEDED, FAILED, CANCELLED,
 * INTERRUPTED).
 */
public record JobRecord(String id, String name, String specYaml, Instant submittedAt, String status) {
    public static final String SUBMITTED = "SUBMITTED";
    public static final String REFUSED = "REFUSED";
    public static final String PLANNED = "PLANNED";
}

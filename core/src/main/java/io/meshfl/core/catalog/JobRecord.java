package io.meshfl.core.catalog;

import java.time.Instant;

/**
 * A submitted job: its name, the job spec as written by the user, and its current status:
 * SUBMITTED, REFUSED (its plan, ticket or grants were refused before any run), or the status of
 * its latest run (RUNNING, SUCCEEDED, FAILED).
 */
public record JobRecord(String id, String name, String specYaml, Instant submittedAt, String status) {
    public static final String SUBMITTED = "SUBMITTED";
    public static final String REFUSED = "REFUSED";
}

package io.meshfl.core.catalog;

import java.time.Instant;

/** A submitted job: its name, the job spec as written by the user, and its current status. */
public record JobRecord(String id, String name, String specYaml, Instant submittedAt, String status) {
    public static final String SUBMITTED = "SUBMITTED";
}

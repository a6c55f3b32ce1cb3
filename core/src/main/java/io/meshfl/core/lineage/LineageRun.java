package io.meshfl.core.lineage;

import java.nio.charset.StandardCharsets;
import java.util.Objects;
import java.util.UUID;

/**
 * One MeshFL run as lineage sees it: what kind of work it is, the catalog's run id, and the job it
 * ran under. {@code key} makes the OpenLineage run id, so every event of the same run (START from
 * one place, COMPLETE from another, or from a coordinator that took the run up after a restart)
 * carries the same id.
 */
public record LineageRun(Kind kind, String key, String jobName, String jobId, String strategy, String submitter) {

    /** The kinds of work MeshFL reports, each its OpenLineage job type. */
    public enum Kind {
        /** A training run: products in, a model out. */
        TRAINING,
        /** A scoring run: products and a model in, predictions out. */
        PREDICTION,
        /** A model version promoted to production. */
        PROMOTION
    }

    public LineageRun {
        Objects.requireNonNull(kind, "kind");
        Objects.requireNonNull(key, "key");
        Objects.requireNonNull(jobName, "jobName");
    }

    /** A training or scoring run of the catalog. */
    public static LineageRun of(Kind kind, String runId, String jobName, String jobId, String strategy, String submitter) {
        return new LineageRun(kind, runId, jobName, jobId, strategy, submitter);
    }

    /**
     * The OpenLineage run id: a name-based UUID of the run's key, since the catalog's run ids are
     * not UUIDs and OpenLineage requires one.
     */
    public UUID runUuid() {
        return UUID.nameUUIDFromBytes(("meshfl " + kind + " " + key).getBytes(StandardCharsets.UTF_8));
    }
}

package io.meshfl.core.protocol;

import io.meshfl.core.data.Dataset;

import java.util.List;
import java.util.Map;

/**
 * What a node offers the node side of a protocol: its identity, policy-checked access to its own
 * data products, and per-job state kept between steps. Implemented by the node host, which is
 * where each domain's policies are enforced.
 */
public interface NodeContext {

    String nodeId();

    String domain();

    /**
     * Reads the named columns of one of this node's own products. Refused with
     * {@code POLICY_VIOLATION} if the product is not this node's, or a column is not allowed
     * as a feature, or the label is not the product's declared label.
     */
    Dataset load(String productId, List<String> features, String label);

    /**
     * Rows {@code rows} of an own product, in that order (every row when null), under the same policy as {@link #load},
     * without entity keys where the node can leave them out: what an alignment chose, so a node holding a large product
     * keeps only its aligned rows.
     */
    default Dataset loadRows(String productId, List<String> features, String label, int[] rows) {
        Dataset all = load(productId, features, label);
        return rows == null ? all : all.select(rows);
    }

    /**
     * A group member's sparse view of the common order: row {@code rows[i]} of an own product at position i, a row of zeros
     * where {@code rows[i]} is -1 (an entity another member holds); reads only the rows it names, under the same policy as
     * {@link #load}.
     */
    default Dataset loadSparse(String productId, List<String> features, String label, int[] rows) {
        int[] own = java.util.Arrays.stream(rows).filter(r -> r >= 0).toArray();
        return loadRows(productId, features, label, own).spread(rows);
    }

    /**
     * Rows {@code rows} of an own product, in that order, under the same policy as {@link #load}, kept where the node's
     * engine keeps the rows it trains on (this JVM by default), which then runs their per-row arithmetic.
     */
    default io.meshfl.core.data.AlignedRows alignedRows(String productId, List<String> features, String label, int[] rows) {
        return io.meshfl.core.data.AlignedRows.of(loadRows(productId, features, label, rows));
    }

    /** Mutable state for one job, created on first use and dropped by {@link #endJob}, which closes what in it is {@link AutoCloseable}. */
    Map<String, Object> jobState(String jobId);

    void endJob(String jobId);

    /** Keeps this node's part of a trained model (vertical models stay split across their parties). */
    void saveModelPart(String modelId, byte[] part);

    /** This node's part of a model, or throws {@code CATALOG_NOT_FOUND}. */
    byte[] modelPart(String modelId);

    /**
     * The declared label of an own product as a dataset with no features, or null if the product
     * declares a different label or none (scoring data may come without labels).
     */
    default Dataset loadLabel(String productId, String label) {
        return null;
    }

    /**
     * The folder where this node keeps what it must hold of a run across a restart of its own
     * (the parts it checkpointed), created owner-only; null when the node keeps no state folder.
     * The node removes it when the run ends.
     */
    default java.nio.file.Path runFolder(String runId) {
        return null;
    }

    /** Where this node writes results that stay in its domain (predictions). */
    default java.nio.file.Path outputDir() {
        return java.nio.file.Path.of(System.getProperty("java.io.tmpdir"), "meshfl-" + domain());
    }

    /**
     * The rows of an own product for training where its rows are joined in one place (materialized
     * or factorized on the coordinator): the allowed feature columns, the declared label if asked,
     * and the entity keys. Refused with {@code POLICY_VIOLATION} unless the product's contract lets
     * raw rows leave the domain ({@code meshfl.rawRowsMayLeave}), whatever the coordinator asked.
     */
    default Dataset export(String productId, List<String> features, String label) {
        throw new io.meshfl.core.MeshflException(io.meshfl.core.ErrorCode.POLICY_VIOLATION, "node of " + domain() + " exports no rows");
    }

    /**
     * The values of one declared column of an own product as text, in row order, for private
     * alignment inside the node (they leave only hashed and blinded): a join key a mesh integration
     * declares. Refused with {@code POLICY_VIOLATION} if the product is not this node's or
     * {@code DATA_MISSING_COLUMN} if the column is not declared.
     */
    default String[] joinKeys(String productId, String column) {
        throw new io.meshfl.core.MeshflException(io.meshfl.core.ErrorCode.POLICY_VIOLATION, "node of " + domain() + " aligns no join keys");
    }

    /** The values of one declared column of an own product as text (a join key), under the same policy as {@link #export}. */
    default String[] exportKeys(String productId, String column) {
        throw new io.meshfl.core.MeshflException(io.meshfl.core.ErrorCode.POLICY_VIOLATION, "node of " + domain() + " exports no rows");
    }

    /**
     * The external trainer {@code name} this node runs for job {@code jobId}, started on first use
     * and stopped when the job ends; each call to it is bounded by {@code timeout}. Fails with
     * {@code NODE_FAILURE} when the node configures no such trainer or it cannot be started.
     */
    default io.meshfl.core.protocol.external.ExternalTrainer trainer(String name, String jobId, java.time.Duration timeout) {
        throw new io.meshfl.core.MeshflException(io.meshfl.core.ErrorCode.NODE_FAILURE, "node of " + domain() + " runs no trainer '" + name
                + "' (a node runs one when started with --trainer " + name + "=COMMAND)");
    }

    /**
     * Charges {@code epsilon} of a run against this node's own ledger for one of its products, or
     * refuses with {@code POLICY_VIOLATION} when the product's contract budget has not that much
     * left. A run without differential privacy spends {@code Double.POSITIVE_INFINITY}. Charging
     * the same run twice keeps the larger figure; every run is charged on its own, however many
     * runs a job has. Hosts without a ledger accept everything.
     */
    default void chargePrivacy(String productId, String runId, double epsilon) {
    }
}

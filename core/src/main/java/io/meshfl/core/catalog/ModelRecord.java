package io.meshfl.core.catalog;

import java.time.Instant;
import java.util.Arrays;
import java.util.Objects;

/**
 * A trained model: its flat parameter vector (little-endian doubles, see
 * {@link Catalog#decodeParams(byte[])}), the run that produced it and its provenance JSON.
 */
public record ModelRecord(String id, String runId, String modelType, int numParams, byte[] params,
                          String provenanceJson, Instant createdAt) {

    /** The parameters decoded to doubles. */
    public double[] parameters() {
        return Catalog.decodeParams(params);
    }

    // Records compare arrays by identity; a model read back twice must still be equal.
    @Override
    public boolean equals(Object o) {
        return o instanceof ModelRecord m && Objects.equals(id, m.id) && Objects.equals(runId, m.runId)
                && Objects.equals(modelType, m.modelType) && numParams == m.numParams && Arrays.equals(params, m.params)
                && Objects.equals(provenanceJson, m.provenanceJson) && Objects.equals(createdAt, m.createdAt);
    }

    @Override
    public int hashCode() {
        return Objects.hash(id, runId, modelType, numParams, Arrays.hashCode(params), provenanceJson, createdAt);
    }

    @Override
    public String toString() {
        return "ModelRecord[id=" + id + ", runId=" + runId + ", modelType=" + modelType + ", numParams=" + numParams
                + ", createdAt=" + createdAt + "]";
    }
}

package io.meshfl.core.monitoring;

import io.meshfl.core.ErrorCode;
import io.meshfl.core.MeshflException;
import io.meshfl.core.data.Dataset;
import io.meshfl.core.protocol.NodeContext;
import org.junit.jupiter.api.Test;

import java.util.HashMap;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class DriftRecordsTest {

    /** A node that keeps model parts in memory and refuses an unknown one as a node does. */
    private static NodeContext node() {
        Map<String, byte[]> parts = new HashMap<>();
        return new NodeContext() {
            public String nodeId() { return "n"; }
            public String domain() { return "shop"; }
            public Dataset load(String productId, List<String> features, String label) { throw new UnsupportedOperationException(); }
            public Map<String, Object> jobState(String jobId) { return new HashMap<>(); }
            public void endJob(String jobId) { }
            public void saveModelPart(String modelId, byte[] part) { parts.put(modelId, part); }
            public byte[] modelPart(String modelId) {
                byte[] p = parts.get(modelId);
                if (p == null) throw new MeshflException(ErrorCode.CATALOG_NOT_FOUND, "no part " + modelId);
                return p;
            }
        };
    }

    private static Dataset column(String name, double... v) {
        return new Dataset(List.of(name), v, null, new String[v.length], v.length);
    }

    @Test
    void aPartWithoutAProfileSaysSoAndAKeptProfileAnswersOnlyIndices() {
        NodeContext ctx = node();
        assertEquals(Map.of("drift_no_profile:shop", 1.0), DriftRecords.features(ctx, "m", column("b0", 1, 2, 3)));
        DriftRecords.saveProfiles(ctx, "m", DriftRecords.profiles(column("b0", 1, 2, 3, 4, 5, 6, 7, 8, 9, 10)));
        Map<String, Double> same = DriftRecords.features(ctx, "m", column("b0", 10, 9, 8, 7, 6, 5, 4, 3, 2, 1));
        assertEquals(Map.of("drift_psi:shop:b0", 0.0), same);
        assertEquals(3.79699735213155, DriftRecords.features(ctx, "m", column("b0", 1, 1, 2, 2, 3, 3, 4, 4, 5, 5)).get("drift_psi:shop:b0"), 1e-9);
    }

    @Test
    void theFirstBatchOfScoresIsTheBaselineOfTheLaterOnes() {
        NodeContext ctx = node();
        double[] first = {0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 0.95, Double.NaN};
        assertEquals(Map.of("drift_baseline", 1.0), DriftRecords.score(ctx, "m", first, 1));
        assertEquals(0.0, DriftRecords.score(ctx, "m", first, 1).get("drift_psi:score"), 1e-12, "the same scores again");
        double[] high = {0.9, 0.9, 0.95, 0.95, 0.97, 0.97, 0.99, 0.99, 0.99, 0.99};
        assertTrue(DriftRecords.score(ctx, "m", high, 1).get("drift_psi:score") > 0.2);
        assertTrue(DriftRecords.score(ctx, "m", new double[]{Double.NaN}, 1).isEmpty(), "a batch without a score changes nothing");
    }
}

package io.meshfl.core.plan;

import io.meshfl.core.ErrorCode;
import io.meshfl.core.MeshflException;
import io.meshfl.core.model.ModelSpec;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class JobLoaderTest {

    private static final String GOOD = """
            name: j
            products: [a.p, b.p]
            label: y
            model: {type: mlp, hidden: [8, 4]}
            aggregator: {name: fedprox, proximalMu: 0.1, minNodes: 2}
            local: {epochs: 2, batchSize: 16, optimizer: adam, lr: 0.01}
            rounds: 5
            evaluation: {holdout: 0.25}
            seed: 3
            """;

    @Test
    void readsEveryField() {
        JobSpec j = JobLoader.parse(GOOD, "job.yaml");
        assertEquals(ModelSpec.Type.MLP, j.model().type());
        assertEquals(java.util.List.of(8, 4), j.model().hidden());
        assertEquals("fedprox", j.aggregator().name());
        assertEquals(0.1, j.aggregator().proximalMu());
        assertEquals(2, j.local().epochs());
        assertEquals("adam", j.local().optimizer());
        assertEquals(0.25, j.evaluation().holdout());
        assertEquals(3, j.seed());
        assertTrue(j.features().isEmpty());
    }

    @Test
    void malformedYamlNamesFileAndLine() {
        var e = assertThrows(MeshflException.class, () -> JobLoader.parse("name: j\nproducts: [a, b\nlabel: y\n", "bad.yaml"));
        assertEquals(ErrorCode.JOB_INVALID, e.code());
        assertTrue(e.getMessage().contains("bad.yaml") && e.getMessage().contains("line"), e.getMessage());
    }

    @Test
    void unknownFieldIsRejectedWithItsPath() {
        var e = assertThrows(MeshflException.class, () -> JobLoader.parse(GOOD.replace("lr: 0.01", "lr: 0.01, learningRate: 2"), "j.yaml"));
        assertTrue(e.getMessage().contains("local.learningRate"), e.getMessage());
    }

    @Test
    void wrongTypeIsRejectedWithItsField() {
        var e = assertThrows(MeshflException.class, () -> JobLoader.parse(GOOD.replace("rounds: 5", "rounds: many"), "j.yaml"));
        assertTrue(e.getMessage().contains("'rounds'") && e.getMessage().contains("integer"), e.getMessage());
    }

    @Test
    void unknownAggregatorListsTheKnownOnes() {
        var e = assertThrows(MeshflException.class, () -> JobLoader.parse(GOOD.replace("fedprox", "fedmagic"), "j.yaml"));
        assertTrue(e.getMessage().contains("aggregator.name") && e.getMessage().contains("fedavg"), e.getMessage());
    }

    @Test
    void missingLabelIsRequired() {
        var e = assertThrows(MeshflException.class, () -> JobLoader.parse(GOOD.replace("label: y\n", ""), "j.yaml"));
        assertTrue(e.getMessage().contains("'label'") && e.getMessage().contains("required"), e.getMessage());
    }
}

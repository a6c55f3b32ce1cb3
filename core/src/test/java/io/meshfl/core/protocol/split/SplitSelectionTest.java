package io.meshfl.core.protocol.split;

import io.meshfl.core.model.ModelSpec;
import io.meshfl.core.plan.JobSpec;
import io.meshfl.core.protocol.Selection;
import io.meshfl.core.protocol.horizontal.RunObserver;
import io.meshfl.core.protocol.horizontal.RunOutcome;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** A split-network job that selects stores the networks of its best held-out epoch and stops after its patience. */
class SplitSelectionTest {

    private static final long SEED = 23;

    @TempDir
    Path dir;

    private static JobSpec.SplitSettings settings(int epochs) {
        // a wide network at a large step on few rows: the held-out loss turns up after a few epochs
        return new JobSpec.SplitSettings(List.of(16), 4, List.of(16), "relu", epochs, 16, 0.05, "adam", "bank", List.of("cat"), 2, 0, 0, 0, 97);
    }

    private static RunOutcome train(SplitWorld w, JobSpec.SplitSettings s, Selection.Spec selection, String runId) {
        JobSpec job = new JobSpec("split-test", List.of("bank.p", "shop.p", "telco.p"), SplitWorld.LABEL, List.of(),
                ModelSpec.of(ModelSpec.Type.SPLITNN), "split", null, null, s.epochs(), new JobSpec.EvaluationSpec(List.of(), 0.3, selection),
                60.0, SEED, false, "job.yaml", null, s, null, null, null, null, null, java.util.Set.of("evaluation.holdout"), Map.of());
        return new SplitRunner(job, w.plan(s), w.channels, RunObserver.NONE).run("job-" + runId, runId);
    }

    @Test
    void theStoredNetworksAreTheBestHeldOutEpochsAndTheRunStopsAfterItsPatience() {
        SplitWorld w = new SplitWorld(160, 9, false, dir.resolve("select"));
        RunOutcome r = train(w, settings(40), new Selection.Spec("log_loss", 3), "run-s");
        int selected = r.metrics().get("selected_round").intValue();
        List<Double> losses = r.rounds().stream().map(e -> e.metrics().get("log_loss")).toList();
        assertTrue(selected < r.rounds().size(), losses.toString());
        assertEquals(losses.stream().mapToDouble(Double::doubleValue).min().orElseThrow(), losses.get(selected - 1), losses.toString());
        assertEquals(selected + 3, r.rounds().size(), "stopped three epochs after the best: " + losses);
        assertEquals(losses.get(selected - 1), r.metrics().get("log_loss"));

        // the same job run for exactly the selected epochs, without selection, trains the networks that were stored
        SplitWorld again = new SplitWorld(160, 9, false, dir.resolve("again"));
        RunOutcome plain = train(again, settings(selected), null, "run-p");
        assertArrayEquals(plain.params(), r.params(), "the top network is the selected epoch's");
        for (int k = 0; k < w.nodes.size(); k++) {
            assertArrayEquals(again.nodes.get(k).part("run-p").params(), w.nodes.get(k).part("run-s").params(),
                    w.nodes.get(k).domain() + "'s bottom network is the selected epoch's");
        }
    }
}

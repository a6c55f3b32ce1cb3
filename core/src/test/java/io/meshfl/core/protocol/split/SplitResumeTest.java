package io.meshfl.core.protocol.split;

import io.meshfl.core.plan.JobSpec;
import io.meshfl.core.protocol.CheckpointFollower;
import io.meshfl.core.protocol.RunCheckpoint;
import io.meshfl.core.protocol.horizontal.RoundSummary;
import io.meshfl.core.protocol.horizontal.RunOutcome;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * A split-network run goes on from the epoch every party persisted: parties restarted with nothing
 * but their run folders, and a coordinator with nothing but the checkpoint (top network and its
 * optimizer), train exactly the epochs and the model of the undisturbed run.
 */
class SplitResumeTest {

    private static final long SEED = 42;

    @TempDir
    Path dir;

    private SplitWorld world(String runs) {
        SplitWorld w = new SplitWorld(300, 7, false, dir.resolve("out-" + runs));
        for (SplitWorld.DataNode n : w.nodes) n.runs = dir.resolve(runs).resolve(n.domain());
        return w;
    }

    @ParameterizedTest(name = "labels: {0}, optimizer {1}")
    @CsvSource({"coordinator, adam", "bank, sgd"})
    void partiesAndTopRestartedFromTheCheckpointTrainTheUndisturbedRunsRemainingEpochsExactly(String labels, String optimizer) {
        JobSpec.SplitSettings s = SplitWorld.settings(labels, optimizer, "relu", 0, 0);
        assertEquals(4, s.epochs());
        CheckpointFollower undisturbed = new CheckpointFollower(2, dir.resolve("first"), dir.resolve("crash"));
        SplitWorld first = world("first");
        RunOutcome whole = first.train(s, SEED, undisturbed, "run");
        assertEquals(4, undisturbed.checkpoints.size(), "every epoch is committed with every party's part");
        RunCheckpoint at2 = undisturbed.checkpoints.get(1);

        CheckpointFollower resumed = new CheckpointFollower();
        SplitWorld restarted = world("crash");
        RunOutcome after = new SplitRunner(SplitWorld.job(s, SEED), restarted.plan(s), restarted.channels, resumed)
                .resume(at2, undisturbed.rounds.subList(0, 2)).run("job-run", "run");

        assertEquals(List.of(3, 4), resumed.rounds.stream().map(RoundSummary::round).toList(), "it goes on after epoch 2");
        for (int i = 0; i < 2; i++) {
            assertEquals(undisturbed.rounds.get(i + 2).metrics().get("loss"), resumed.rounds.get(i).metrics().get("loss"), "loss of epoch " + (i + 3));
            assertEquals(undisturbed.rounds.get(i + 2).metrics().get("auc"), resumed.rounds.get(i).metrics().get("auc"), "auc of epoch " + (i + 3));
        }
        assertArrayEquals(whole.params(), after.params(), "the top network");
        for (int k = 0; k < first.nodes.size(); k++) {
            assertArrayEquals(first.nodes.get(k).part("run").params(), restarted.nodes.get(k).part("run").params(),
                    "the bottom network of " + first.nodes.get(k).domain());
        }
        assertEquals(4, after.rounds().size());
        assertEquals(2.0, after.metrics().get("resumed_from_round"));
    }

}

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

    /** The shop's rows (with its categorical column) split between two regional nodes, which train as one party. */
    private record Grouped(List<SplitWorld.DataNode> nodes, java.util.Map<String, io.meshfl.core.protocol.NodeChannel> channels,
                           io.meshfl.core.plan.Plan plan) {
    }

    private Grouped grouped(String runs, JobSpec.SplitSettings s) {
        SplitWorld w = world(runs);
        io.meshfl.core.data.Dataset shop = w.shop.products.get("shop.p");
        List<SplitWorld.DataNode> nodes = new java.util.ArrayList<>(List.of(w.bank));
        for (int half = 0; half < 2; half++) {
            List<Integer> rows = new java.util.ArrayList<>();
            for (int i = 0; i < shop.rows(); i++) if (Integer.parseInt(shop.keys()[i].substring(3)) % 2 == half) rows.add(i);
            SplitWorld.DataNode n = new SplitWorld.DataNode(half == 0 ? "shop-a" : "shop-b", dir.resolve("out-" + runs).resolve("shop-" + half));
            n.products.put(n.domain() + ".p", shop.select(rows.stream().mapToInt(Integer::intValue).toArray()));
            n.runs = dir.resolve(runs).resolve(n.domain());
            nodes.add(n);
        }
        nodes.add(w.telco);
        java.util.Map<String, io.meshfl.core.protocol.NodeChannel> channels = new java.util.LinkedHashMap<>();
        for (SplitWorld.DataNode n : nodes) channels.put(n.domain(), n);
        io.meshfl.core.plan.Plan base = w.plan(s);
        List<io.meshfl.core.plan.Plan.Participant> ps = List.of(base.participants().get(0),
                new io.meshfl.core.plan.Plan.Participant("shop-a.p", "shop-a", "1", 0, "host", w.features.get("shop"), "shop"),
                new io.meshfl.core.plan.Plan.Participant("shop-b.p", "shop-b", "1", 0, "host", w.features.get("shop"), "shop"),
                base.participants().get(2));
        return new Grouped(nodes, channels, new io.meshfl.core.plan.Plan("split", base.aggregator(), ps, List.of(),
                base.features(), base.label(), base.model(), 0, s.epochs(), List.of(), List.of()));
    }

    @org.junit.jupiter.api.Test
    void aGroupRunResumesWithItsMembersAgreeingOnTheSameEncodingAgain() {
        JobSpec.SplitSettings s = SplitWorld.settings("bank", "adam", "relu", 0, 0);
        CheckpointFollower undisturbed = new CheckpointFollower(2, dir.resolve("first-g"), dir.resolve("crash-g"));
        Grouped first = grouped("first-g", s);
        RunOutcome whole = new SplitRunner(SplitWorld.job(s, SEED), first.plan(), first.channels(), undisturbed).run("job-run", "run");

        CheckpointFollower resumed = new CheckpointFollower();
        Grouped restarted = grouped("crash-g", s);
        RunOutcome after = new SplitRunner(SplitWorld.job(s, SEED), restarted.plan(), restarted.channels(), resumed)
                .resume(undisturbed.checkpoints.get(1), undisturbed.rounds.subList(0, 2)).run("job-run", "run");
        for (int i = 0; i < 2; i++) {
            assertEquals(undisturbed.rounds.get(i + 2).metrics().get("loss"), resumed.rounds.get(i).metrics().get("loss"), "loss of epoch " + (i + 3));
        }
        assertArrayEquals(whole.params(), after.params(), "the top network");
        for (int k = 0; k < first.nodes().size(); k++) {
            assertArrayEquals(first.nodes().get(k).part("run").params(), restarted.nodes().get(k).part("run").params(),
                    "the bottom network of " + first.nodes().get(k).domain());
        }
        // the members share the party's one bottom network and encoding, categories included
        assertArrayEquals(first.nodes().get(1).part("run").params(), first.nodes().get(2).part("run").params());
        assertEquals(first.nodes().get(1).part("run").encoding().vocab().get(0).length, 4, "the union of the members' categories");
    }
}

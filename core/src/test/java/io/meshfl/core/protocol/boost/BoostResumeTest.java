package io.meshfl.core.protocol.boost;

import io.meshfl.core.plan.JobSpec;
import io.meshfl.core.protocol.CheckpointFollower;
import io.meshfl.core.protocol.horizontal.RoundSummary;
import io.meshfl.core.protocol.horizontal.RunOutcome;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import io.meshfl.core.plan.Plan;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * A SecureBoost run goes on from the tree every party persisted: parties restarted with nothing
 * but their run folders (the guest under a new Paillier key) build exactly the trees and the model
 * of the undisturbed run.
 */
class BoostResumeTest {

    @TempDir
    Path dir;

    private BoostProtocolTest.World world(String runs) {
        BoostProtocolTest.World w = new BoostProtocolTest.World(400, 3, false, dir.resolve("out-" + runs));
        for (BoostProtocolTest.DataParty p : List.of(w.bank, w.shop, w.telco)) p.runs = dir.resolve(runs).resolve(p.domain());
        return w;
    }

    @Test
    void partiesRestartedFromTheirPersistedPartsBuildTheUndisturbedRunsRemainingTreesExactly() {
        JobSpec.BoostSettings s = new JobSpec.BoostSettings(4, 3, 0.3, 16, 1e-3, 1.0, 0.0, 1024, 1 << 16);
        JobSpec job = BoostProtocolTest.job(s);
        CheckpointFollower undisturbed = new CheckpointFollower(2, dir.resolve("first"), dir.resolve("crash"));
        BoostProtocolTest.World first = world("first");
        new BoostRunner(job, first.plan(), first.channels(), undisturbed).run("job", "run");
        assertEquals(4, undisturbed.checkpoints.size(), "every tree is committed with every party's part");

        CheckpointFollower resumed = new CheckpointFollower();
        BoostProtocolTest.World restarted = world("crash");
        RunOutcome after = new BoostRunner(job, restarted.plan(), restarted.channels(), resumed)
                .resume(undisturbed.checkpoints.get(1), undisturbed.rounds.subList(0, 2)).run("job", "run");

        assertEquals(List.of(3, 4), resumed.rounds.stream().map(RoundSummary::round).toList(), "it goes on after tree 2");
        for (int i = 0; i < 2; i++) {
            assertEquals(undisturbed.rounds.get(i + 2).metrics().get("auc"), resumed.rounds.get(i).metrics().get("auc"), "auc after tree " + (i + 3));
            assertEquals(undisturbed.rounds.get(i + 2).metrics().get("log_loss"), resumed.rounds.get(i).metrics().get("log_loss"),
                    "log loss after tree " + (i + 3));
        }
        for (var pair : List.of(List.of(first.bank, restarted.bank), List.of(first.shop, restarted.shop), List.of(first.telco, restarted.telco))) {
            assertEquals(new String(pair.get(0).modelPart("run"), StandardCharsets.UTF_8), new String(pair.get(1).modelPart("run"), StandardCharsets.UTF_8),
                    "the model part of " + pair.get(0).domain());
        }
        assertEquals(4, after.rounds().size());
        assertEquals(2.0, after.metrics().get("resumed_from_round"));
    }

    @Test
    void aMulticlassRunResumesWithEveryClasssScoresAndGrowsTheUndisturbedTrees() {
        var model = BoostObjectivesTest.spec(io.meshfl.core.model.ModelSpec.Task.MULTICLASS, 3);
        JobSpec job = BoostObjectivesTest.job(model);
        CheckpointFollower undisturbed = new CheckpointFollower(2, dir.resolve("first-m"), dir.resolve("crash-m"));
        BoostProtocolTest.World first = world("first-m");
        BoostObjectivesTest.relabel(first, (v, rnd) -> v < -0.3 ? 0.0 : v < 1.0 ? 1.0 : 2.0);
        new BoostRunner(job, BoostObjectivesTest.plan(first, model), first.channels(), undisturbed).run("job", "run");

        CheckpointFollower resumed = new CheckpointFollower();
        BoostProtocolTest.World restarted = world("crash-m");
        BoostObjectivesTest.relabel(restarted, (v, rnd) -> v < -0.3 ? 0.0 : v < 1.0 ? 1.0 : 2.0);
        new BoostRunner(job, BoostObjectivesTest.plan(restarted, model), restarted.channels(), resumed)
                .resume(undisturbed.checkpoints.get(1), undisturbed.rounds.subList(0, 2)).run("job", "run");
        for (int i = 0; i < 2; i++) {
            assertEquals(undisturbed.rounds.get(i + 2).metrics().get("loss"), resumed.rounds.get(i).metrics().get("loss"), "loss after round " + (i + 3));
        }
        assertEquals(new String(first.bank.modelPart("run"), StandardCharsets.UTF_8), new String(restarted.bank.modelPart("run"), StandardCharsets.UTF_8),
                "the guest's trees, three a round");
    }

    /** The telco's rows split between a northern and a southern node, by entity. */
    private static BoostProtocolTest.DataParty[] regions(BoostProtocolTest.DataParty telco, Path runs) {
        BoostProtocolTest.DataParty[] out = new BoostProtocolTest.DataParty[2];
        for (int half = 0; half < 2; half++) {
            List<Integer> rows = new java.util.ArrayList<>();
            for (int r = 0; r < telco.keys.length; r++) {
                String k = telco.keys[r];
                int e = k.startsWith("id-") ? Integer.parseInt(k.substring(3)) : 0;
                if (e % 2 == half) rows.add(r);
            }
            double[][] v = new double[rows.size()][];
            String[] keys = new String[rows.size()];
            for (int i = 0; i < rows.size(); i++) {
                v[i] = telco.values[rows.get(i)];
                keys[i] = telco.keys[rows.get(i)];
            }
            String domain = half == 0 ? "telco-north" : "telco-south";
            out[half] = new BoostProtocolTest.DataParty(domain, telco.cols, v, null, keys, telco.dir);
            out[half].runs = runs.resolve(domain);
        }
        return out;
    }

    @Test
    void aGroupRunResumesWithTheMembersAgreeingOnTheSameBinsAgain() {
        JobSpec.BoostSettings s = new JobSpec.BoostSettings(4, 3, 0.3, 16, 1e-3, 1.0, 0.0, 1024, 1 << 16);
        JobSpec job = BoostProtocolTest.job(s);
        java.util.function.Function<String, Object[]> world = runs -> {
            BoostProtocolTest.World w = world(runs);
            BoostProtocolTest.DataParty[] r = regions(w.telco, dir.resolve(runs));
            Map<String, io.meshfl.core.protocol.NodeChannel> ch = new java.util.LinkedHashMap<>();
            for (BoostProtocolTest.DataParty p : List.of(w.bank, w.shop, r[0], r[1])) ch.put(p.domain(), p);
            Plan base = w.plan();
            List<Plan.Participant> ps = List.of(base.participants().get(0), base.participants().get(1),
                    new Plan.Participant("telco-north.p", "telco-north", "1", w.n, "host", w.telco.cols, "telco"),
                    new Plan.Participant("telco-south.p", "telco-south", "1", w.n, "host", w.telco.cols, "telco"));
            Plan plan = new Plan("secureboost", "none", ps, List.of(), List.of(), "y", base.model(), 0, 0, List.of(), List.of());
            return new Object[]{plan, ch, List.of(w.bank, w.shop, r[0], r[1])};
        };
        CheckpointFollower undisturbed = new CheckpointFollower(2, dir.resolve("first-g"), dir.resolve("crash-g"));
        Object[] first = world.apply("first-g");
        @SuppressWarnings("unchecked") var firstChannels = (Map<String, io.meshfl.core.protocol.NodeChannel>) first[1];
        new BoostRunner(job, (Plan) first[0], firstChannels, undisturbed).run("job", "run");
        // the joined telco's undisturbed run: the group's trees are its trees
        CheckpointFollower joined = new CheckpointFollower();
        BoostProtocolTest.World plain = new BoostProtocolTest.World(400, 3, false, dir.resolve("out-plain"));
        new BoostRunner(job, plain.plan(), plain.channels(), joined).run("job", "run");
        assertEquals(joined.rounds.get(3).metrics().get("auc"), undisturbed.rounds.get(3).metrics().get("auc"), "the group grows the joined party's trees");

        CheckpointFollower resumed = new CheckpointFollower();
        Object[] restarted = world.apply("crash-g");
        @SuppressWarnings("unchecked") var restartedChannels = (Map<String, io.meshfl.core.protocol.NodeChannel>) restarted[1];
        new BoostRunner(job, (Plan) restarted[0], restartedChannels, resumed)
                .resume(undisturbed.checkpoints.get(1), undisturbed.rounds.subList(0, 2)).run("job", "run");
        assertEquals(List.of(3, 4), resumed.rounds.stream().map(RoundSummary::round).toList());
        for (int i = 0; i < 2; i++) {
            assertEquals(undisturbed.rounds.get(i + 2).metrics().get("log_loss"), resumed.rounds.get(i).metrics().get("log_loss"),
                    "log loss after tree " + (i + 3));
        }
        @SuppressWarnings("unchecked") var a = (List<BoostProtocolTest.DataParty>) first[2];
        @SuppressWarnings("unchecked") var b = (List<BoostProtocolTest.DataParty>) restarted[2];
        for (int i = 0; i < a.size(); i++) {
            assertEquals(new String(a.get(i).modelPart("run"), StandardCharsets.UTF_8), new String(b.get(i).modelPart("run"), StandardCharsets.UTF_8),
                    "the model part of " + a.get(i).domain());
        }
    }
}

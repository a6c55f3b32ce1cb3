package io.meshfl.core.protocol.split;

import io.meshfl.core.MeshflException;
import io.meshfl.core.model.ModelSpec;
import io.meshfl.core.protocol.Message;
import io.meshfl.core.model.TensorSpec;
import io.meshfl.core.model.nn.Activation;
import io.meshfl.core.model.nn.Network;
import io.meshfl.core.plan.JobSpec;
import io.meshfl.core.plan.Plan;
import io.meshfl.core.protocol.external.ExternalTrainer;
import io.meshfl.core.protocol.horizontal.RunObserver;
import io.meshfl.core.protocol.horizontal.RunOutcome;
import io.meshfl.core.protocol.scoring.Missing;
import io.meshfl.core.protocol.scoring.ScoringRequest;
import io.meshfl.core.protocol.vertical.VerticalScorer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Split networks whose bottoms and top an external trainer runs, beside each node: with trainers
 * that run MeshFL's own layers the run equals MeshFL's own split network, metric for metric, and so
 * do the predictions of the stored networks scored through the trainers; the top runs on the label
 * holder, which never shares its labels; a trainer that declares other
 * tensors or answers malformed blocks is refused before anything of it leaves the node.
 */
class ExternalSplitTest {

    private static final long SEED = 17;
    private static final List<Integer> HIDDEN = List.of(6);
    private static final List<Integer> TOP_HIDDEN = List.of(5);

    @TempDir
    Path dir;

    private static JobSpec.SplitSettings settings() {
        return new JobSpec.SplitSettings(HIDDEN, 3, TOP_HIDDEN, "relu", 4, 64, 0.03, "adam", "bank", List.of(), 2, 0, 0, 0, 97);
    }

    /** The job's declaration: each party's bottom as PARTY/l0.weight ..., the top as top/l0.weight ... */
    private static ModelSpec model(SplitWorld w) {
        List<TensorSpec> all = new ArrayList<>();
        for (SplitWorld.DataNode d : w.nodes) {
            Network bottom = Network.mlp(w.features.get(d.domain()).size(), HIDDEN, 3, Activation.RELU, true);
            for (ExternalTrainer.Tensor t : JvmSplitTrainer.declared(bottom)) all.add(spec(d.domain() + "/" + t.name(), t.shape()));
        }
        Network top = Network.mlp(3 * w.nodes.size(), TOP_HIDDEN, 1, Activation.RELU, false);
        for (ExternalTrainer.Tensor t : JvmSplitTrainer.declared(top)) all.add(spec("top/" + t.name(), t.shape()));
        return ModelSpec.external("jvm-split", all, ModelSpec.Task.BINARY, 2);
    }

    private static TensorSpec spec(String name, long[] shape) {
        return new TensorSpec(name, java.util.Arrays.stream(shape).mapToInt(v -> (int) v).boxed().toList());
    }

    private static JobSpec job(JobSpec.SplitSettings s, ModelSpec model) {
        return new JobSpec("split-test", List.of("bank.p", "shop.p", "telco.p"), SplitWorld.LABEL, List.of(), model,
                "split", null, null, s.epochs(), null, 60.0, SEED, false, "job.yaml", null, s, null, null, null, null, null,
                java.util.Set.of(), java.util.Map.of());
    }

    private static Plan plan(SplitWorld w, ModelSpec model) {
        Plan p = w.plan(settings());
        return new Plan(p.strategy(), p.aggregator(), p.participants(), List.of(), p.features(), p.label(), model, 0, settings().epochs(),
                List.of(), List.of());
    }

    private static RunOutcome train(SplitWorld w, ModelSpec model, String runId) {
        return new SplitRunner(job(settings(), model), plan(w, model), w.channels, RunObserver.NONE).run("job-" + runId, runId);
    }

    private static void trainers(SplitWorld w, String bankMode, String otherMode) {
        for (SplitWorld.DataNode d : w.nodes) d.trainer = new JvmSplitTrainer(HIDDEN, TOP_HIDDEN, d == w.bank ? bankMode : otherMode);
    }

    @Test
    void trainersRunningMeshflsOwnLayersTrainAndScoreAsMeshflsOwnSplitNetworkWithTheTopOnTheLabelHolder() throws IOException {
        SplitWorld own = new SplitWorld(300, 3, false, dir.resolve("own"));
        RunOutcome mine = own.train(settings(), SEED, RunObserver.NONE, "own");
        SplitWorld ext = new SplitWorld(300, 3, false, dir.resolve("ext"));
        trainers(ext, "", "");
        RunOutcome theirs = train(ext, model(ext), "ext");
        for (String m : List.of("auc", "loss")) {
            assertEquals(mine.metrics().get(m), theirs.metrics().get(m), 1e-12, m + ": " + mine.metrics() + " vs " + theirs.metrics());
        }
        assertEquals(0, theirs.params().length, "no top network is kept on the coordinator");
        // the label holder's trainer got the label and ran the top; the others got no label and ran only a bottom
        JvmSplitTrainer bank = (JvmSplitTrainer) ext.bank.trainer, shop = (JvmSplitTrainer) ext.shop.trainer;
        assertTrue(bank.calls.contains("setup top") && !shop.calls.contains("setup top"), bank.calls + " / " + shop.calls);
        assertTrue(ext.replies(SplitSteps.LABELS).isEmpty(), "no party was asked for its labels");
        // every party keeps its networks as the trainer held them, checked against the declaration
        ExternalSplitPart part = ExternalSplitPart.parse(ext.bank.modelPart("ext"), "ext");
        assertEquals(TensorSpec.total(part.topTensors()), part.top().length);
        assertNull(ExternalSplitPart.parse(ext.shop.modelPart("ext"), "ext").top(), "only the label holder keeps the top");

        // scoring: every party's trainer forwards its kept bottom, the label holder's runs the kept top; the same predictions as
        // MeshFL's own network scored by the coordinator
        List<VerticalScorer.Part> parts = ext.nodes.stream().map(d -> new VerticalScorer.Part(d.domain(), d.domain() + ".p", true)).toList();
        List<String> parties = ext.nodes.stream().map(SplitWorld.DataNode::domain).toList();
        var ours = SplitScorer.score(own.channels, "score-own", "own", settings(), parties, mine.params(), parts, "shop", SplitWorld.LABEL,
                Duration.ofSeconds(30), line -> { });
        var viaTrainers = SplitScorer.scoreExternal(ext.channels, "score-ext", "ext", settings(), io.meshfl.core.model.nn.Head.BINARY, parties,
                "bank", parts, "shop", SplitWorld.LABEL, Duration.ofSeconds(30), line -> { });
        Map<String, Double> a = SplitScorerTest.readPredictions(Path.of(ours.predictions()));
        Map<String, Double> b = SplitScorerTest.readPredictions(Path.of(viaTrainers.predictions()));
        assertEquals(a.keySet(), b.keySet());
        assertTrue(a.size() >= 300, "scored the common entities: " + a.size());
        for (String k : a.keySet()) assertEquals(a.get(k), b.get(k), 1e-12, k);

        // every row of shop's product, each other party lining its rows (and its row at its means) up in shop's secret order: the
        // trainers' bottoms take the same rows as MeshFL's own
        ScoringRequest every = new ScoringRequest(true, Missing.IMPUTE_MEAN, "ext-split", "1", "", "csv");
        var oursAll = SplitScorer.score(own.channels, "score-own-all", "own", settings(), io.meshfl.core.model.nn.Head.BINARY, parties,
                mine.params(), parts, "shop", SplitWorld.LABEL, Duration.ofSeconds(30), line -> { }, every);
        var theirsAll = SplitScorer.scoreExternal(ext.channels, "score-ext-all", "ext", settings(), io.meshfl.core.model.nn.Head.BINARY, parties,
                "bank", parts, "shop", SplitWorld.LABEL, Duration.ofSeconds(30), line -> { }, every);
        Map<String, Double> all = tagged(Path.of(oursAll.predictions()));
        Map<String, Double> allExt = tagged(Path.of(theirsAll.predictions()));
        assertEquals(ext.shop.products.get("shop.p").rows(), all.size(), "every row of shop's product");
        assertTrue(all.size() > a.size(), all.size() + " rows, " + a.size() + " shared");
        assertEquals(all.keySet(), allExt.keySet());
        for (String k : all.keySet()) assertEquals(all.get(k), allExt.get(k), 1e-12, k);
        for (String k : a.keySet()) assertEquals(a.get(k), all.get(k), 1e-12, "a row every party knows scores as before: " + k);

        // online serving, as the coordinator's session runs it: every party's trainer forwards every row of its product once, the
        // label holder's runs the top over each call's cut layers; each of shop's keys as scoring every row gave it
        Map<String, Double> served = serve(ext, parties, allExt.keySet().toArray(new String[0]));
        for (String k : allExt.keySet()) {
            assertEquals(allExt.get(k), served.get(k), Math.abs(allExt.get(k)) * 6e-6, "served " + k + " (the file keeps 6 significant digits)");
        }
    }

    /** A serving session of model "ext" over the parties' products driven step by step: the predictions of {@code keys}. */
    private static Map<String, Double> serve(SplitWorld w, List<String> parties, String[] keys) {
        String session = "serve-ext";
        io.meshfl.core.serving.ServingRequester r = new io.meshfl.core.serving.ServingRequester(io.meshfl.core.serving.ServingRequester.Kind.TOP,
                ModelSpec.Type.EXTERNAL, 1, Missing.IMPUTE_MEAN, null);
        java.util.function.BiFunction<String, Message, Message> call = (d, m) -> w.channels.get(d).call(m, Duration.ofSeconds(30)).orThrow();
        java.util.function.BiFunction<String, String, Message> step = (d, name) -> Message.request(session, session,
                io.meshfl.core.serving.ServeSteps.SPLIT, name, 0, d);
        Map<String, byte[]> pks = new java.util.LinkedHashMap<>();
        for (String d : parties) {
            pks.put(d, call.apply(d, step.apply(d, io.meshfl.core.serving.ServeSteps.PREPARE).withConfig(Map.of("model_id", "ext", "product",
                    d + ".p"))).blob("seal_pk"));
        }
        r.sealedKeys(session, pks).forEach((d, k) -> call.apply(d, step.apply(d, io.meshfl.core.serving.ServeSteps.KEY)
                .withConfig(Map.of("requester", "shop")).withBlobs(Map.of("peer:shop", r.publicKey(), "key", k))));
        byte[] blinded = r.blind(keys);
        List<double[]> cuts = new ArrayList<>();
        Map<String, byte[]> answer = new java.util.HashMap<>();
        for (String d : parties) {
            Message m = call.apply(d, step.apply(d, io.meshfl.core.serving.ServeSteps.LOOKUP).withConfig(Map.of("call", "c1"))
                    .withBlobs(Map.of("keys", blinded)));
            cuts.add(m.tensor(io.meshfl.core.serving.ServeSteps.ACT));
            answer.put(d, m.blob("flags"));
        }
        double[] z = call.apply("bank", step.apply("bank", io.meshfl.core.serving.ServeSteps.FINISH).withConfig(Map.of("call", "c1", "rows",
                Integer.toString(keys.length))).withTensors(Map.of(io.meshfl.core.serving.ServeSteps.CUTS, SplitServing.sideBySide(cuts, 3,
                keys.length)))).tensor(io.meshfl.core.serving.ServeSteps.LOGITS);
        answer.put(io.meshfl.core.serving.ServingRequester.PREDICTIONS_BLOB, io.meshfl.core.serving.Served.doubles(
                io.meshfl.core.model.nn.Head.BINARY.predict(z)));
        double[] p = r.combine("c1", keys.length, answer).predictions();
        Map<String, Double> out = new java.util.HashMap<>();
        for (int i = 0; i < keys.length; i++) out.put(keys[i], p[i]);
        for (String d : parties) call.apply(d, step.apply(d, io.meshfl.core.serving.ServeSteps.CLOSE));
        return out;
    }

    /** A predictions file with tag and coverage columns: its scores by entity. */
    private static Map<String, Double> tagged(Path csv) throws IOException {
        List<String> lines = java.nio.file.Files.readAllLines(csv);
        assertTrue(lines.get(0).startsWith("entity_key,prediction,model,model_version,parts_present,part_"), lines.get(0));
        Map<String, Double> out = new java.util.HashMap<>();
        for (String l : lines.subList(1, lines.size())) out.put(l.split(",")[0], Double.parseDouble(l.split(",")[1]));
        return out;
    }

    /**
     * A run that stopped after epoch 2 goes on with every party's node and trainer started afresh:
     * each trainer is set up again, gets its networks and optimizer state back from its node's part,
     * and the run trains exactly the undisturbed run's remaining epochs and networks.
     */
    @Test
    void freshTrainersResumeFromTheirNodesPartsAndTrainTheUndisturbedRunsRemainingEpochsExactly() {
        io.meshfl.core.protocol.CheckpointFollower undisturbed = new io.meshfl.core.protocol.CheckpointFollower(2, dir.resolve("first"),
                dir.resolve("crash"));
        SplitWorld first = new SplitWorld(300, 7, false, dir.resolve("out-first"));
        for (SplitWorld.DataNode n : first.nodes) n.runs = dir.resolve("first").resolve(n.domain());
        trainers(first, "", "");
        JobSpec.SplitSettings s = settings();
        RunOutcome whole = new SplitRunner(job(s, model(first)), plan(first, model(first)), first.channels, undisturbed).run("job-run", "run");
        assertEquals(4, undisturbed.checkpoints.size());

        io.meshfl.core.protocol.CheckpointFollower resumed = new io.meshfl.core.protocol.CheckpointFollower();
        SplitWorld restarted = new SplitWorld(300, 7, false, dir.resolve("out-crash"));
        for (SplitWorld.DataNode n : restarted.nodes) n.runs = dir.resolve("crash").resolve(n.domain());
        trainers(restarted, "", "");
        RunOutcome after = new SplitRunner(job(s, model(restarted)), plan(restarted, model(restarted)), restarted.channels, resumed)
                .resume(undisturbed.checkpoints.get(1), undisturbed.rounds.subList(0, 2)).run("job-run", "run");
        assertEquals(List.of(3, 4), resumed.rounds.stream().map(io.meshfl.core.protocol.horizontal.RoundSummary::round).toList());
        for (int i = 0; i < 2; i++) {
            assertEquals(undisturbed.rounds.get(i + 2).metrics().get("loss"), resumed.rounds.get(i).metrics().get("loss"), "loss of epoch " + (i + 3));
        }
        for (int k = 0; k < first.nodes.size(); k++) {
            ExternalSplitPart a = ExternalSplitPart.parse(first.nodes.get(k).modelPart("run"), "run");
            ExternalSplitPart b = ExternalSplitPart.parse(restarted.nodes.get(k).modelPart("run"), "run");
            org.junit.jupiter.api.Assertions.assertArrayEquals(a.bottom(), b.bottom(), "the bottom of " + a.domain());
            if (a.top() != null) org.junit.jupiter.api.Assertions.assertArrayEquals(a.top(), b.top(), "the top");
        }
        assertEquals(2.0, after.metrics().get("resumed_from_round"));
        assertEquals(whole.metrics().get("auc"), after.metrics().get("auc"));
    }

    @Test
    void aTrainerDeclaringATensorTheJobDoesNotIsRefusedBeforeTraining() {
        SplitWorld w = new SplitWorld(120, 3, false, dir.resolve("extra"));
        trainers(w, "", "declare-extra");
        MeshflException e = assertThrows(MeshflException.class, () -> train(w, model(w), "extra"));
        assertTrue(e.getMessage().contains("jvm-split") && e.getMessage().contains("memorized.rows"), e.getMessage());
        assertTrue(w.replies(SplitSteps.BATCH).isEmpty(), "no batch was forwarded");
    }

    @Test
    void aTrainerAnsweringNonFiniteOrShortActivationsIsRefusedAtItsNode() {
        for (String mode : List.of("nan", "short")) {
            SplitWorld w = new SplitWorld(120, 3, false, dir.resolve(mode));
            trainers(w, "", mode);
            MeshflException e = assertThrows(MeshflException.class, () -> train(w, model(w), mode));
            assertTrue(e.getMessage().contains("the trainer jvm-split") && e.getMessage().contains("cut layer"), mode + ": " + e.getMessage());
        }
    }
}

package io.meshfl.core.protocol.split;

import io.meshfl.core.ErrorCode;
import io.meshfl.core.MeshflException;
import io.meshfl.core.model.nn.SplitReference;
import io.meshfl.core.plan.JobSpec;
import io.meshfl.core.protocol.Message;
import io.meshfl.core.protocol.horizontal.RoundSummary;
import io.meshfl.core.protocol.horizontal.RunObserver;
import io.meshfl.core.protocol.horizontal.RunOutcome;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Split training over three in-memory domains, against the centralized {@link SplitReference}. */
class SplitRunnerTest {

    private static final long SEED = 42;

    @TempDir
    Path dir;

    private static double maxDiff(double[] a, double[] b) {
        assertEquals(a.length, b.length, "parameter vector lengths");
        double m = 0;
        for (int i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
        return m;
    }

    private void assertMatchesReference(JobSpec.SplitSettings s) {
        SplitWorld w = new SplitWorld(400, 7, false, dir);
        SplitWorld.Log log = new SplitWorld.Log();
        RunOutcome out = w.train(s, SEED, log, "run");
        SplitReference.Result ref = w.reference(s, SEED);

        assertTrue(maxDiff(out.params(), ref.topParams()) < 1e-9, "top parameters differ by " + maxDiff(out.params(), ref.topParams()));
        for (int k = 0; k < w.nodes.size(); k++) {
            double[] got = w.nodes.get(k).part("run").params();
            double d = maxDiff(got, ref.bottomParams().get(k));
            assertTrue(d < 1e-9, w.nodes.get(k).domain() + " bottom parameters differ by " + d);
        }
        assertEquals(ref.trainAuc(), out.metrics().get("auc"), 1e-9);
        assertEquals(s.epochs(), log.rounds.size());
        for (int e = 0; e < s.epochs(); e++) {
            assertEquals(ref.epochLoss()[e], log.rounds.get(e).metrics().get("loss"), 1e-9, "loss of epoch " + (e + 1));
        }
        for (String key : List.of("loss", "auc", "log_loss", "samples_per_second", "activation_noise_sd")) {
            assertTrue(out.metrics().containsKey(key), "missing metric " + key);
        }
        assertTrue(out.metrics().get("auc") > 0.7, "the model learned little: auc " + out.metrics().get("auc"));
    }

    /** A run of {@code w} holding out a quarter of the aligned rows. */
    private static RunOutcome heldOut(SplitWorld w, JobSpec.SplitSettings s) {
        JobSpec job = new JobSpec("split-test", List.of("bank.p", "shop.p", "telco.p"), SplitWorld.LABEL, List.of(),
                io.meshfl.core.model.ModelSpec.of(io.meshfl.core.model.ModelSpec.Type.SPLITNN), "split", null, null, s.epochs(),
                new JobSpec.EvaluationSpec(List.of(), 0.25), 60.0, SEED, false, "job.yaml", null, s, null, null, null, null, null,
                java.util.Set.of("evaluation.holdout"), java.util.Map.of());
        return new SplitRunner(job, w.plan(s), w.channels, new SplitWorld.Log()).run("job-h", "run-h");
    }

    @Test
    void heldOutRowsNeverTrainEitherNetworkAndAreScoredApart() {
        for (String labels : List.of("coordinator", "bank")) {
            JobSpec.SplitSettings s = SplitWorld.settings(labels, "adam", "relu", 0, 0);
            SplitWorld a = new SplitWorld(300, 7, false, dir.resolve("held-" + labels));
            RunOutcome first = heldOut(a, s);
            assertEquals(75.0, first.metrics().get("holdout_rows"), labels);
            assertTrue(first.metrics().containsKey("train_auc") && !first.metrics().get("auc").equals(first.metrics().get("train_auc")));

            // the same world with the labels of the held-out entities flipped: the parties order the 300 common entities
            // by key and put the seeded quarter of positions last, so those are the entities whose labels change
            SplitWorld b = new SplitWorld(300, 7, false, dir.resolve("flip-" + labels));
            List<Integer> byKey = new java.util.ArrayList<>();
            for (int i = 0; i < 300; i++) byKey.add(i);
            byKey.sort((x, y) -> ("id-" + x).compareTo("id-" + y));
            java.util.Set<String> held = new java.util.HashSet<>();
            for (int i : io.meshfl.core.data.Split.of(300, 0.25, SEED).holdout()) held.add("id-" + byKey.get(i));
            io.meshfl.core.data.Dataset bank = b.bank.products.get("bank.p");
            double[] y = bank.y().clone();
            for (int r = 0; r < bank.rows(); r++) if (held.contains(bank.keys()[r])) y[r] = 1 - y[r];
            b.bank.products.put("bank.p", new io.meshfl.core.data.Dataset(bank.features(), bank.x(), y, bank.keys(), bank.rows()));
            RunOutcome flipped = heldOut(b, s);

            org.junit.jupiter.api.Assertions.assertArrayEquals(first.params(), flipped.params(), labels + ": top network");
            for (int k = 0; k < a.nodes.size(); k++) {
                org.junit.jupiter.api.Assertions.assertArrayEquals(a.nodes.get(k).part("run-h").params(), b.nodes.get(k).part("run-h").params(),
                        labels + ": bottom network of " + a.nodes.get(k).domain());
            }
            assertEquals(first.metrics().get("train_auc"), flipped.metrics().get("train_auc"), labels);
            assertEquals(1 - first.metrics().get("auc"), flipped.metrics().get("auc"), 1e-12, labels + ": flipped labels, mirrored AUC");
        }
    }

    @Test
    void twoRunsWithTheSameSeedTrainTheSameNetworkBitForBit() {
        JobSpec.SplitSettings s = SplitWorld.settings("bank", "adam", "relu", 0, 0);
        SplitWorld a = new SplitWorld(300, 7, false, dir.resolve("a"));
        SplitWorld b = new SplitWorld(300, 7, false, dir.resolve("b"));
        RunOutcome x = a.train(s, SEED, new SplitWorld.Log(), "run");
        RunOutcome y = b.train(s, SEED, new SplitWorld.Log(), "run");
        org.junit.jupiter.api.Assertions.assertArrayEquals(x.params(), y.params(), "top network");
        for (int k = 0; k < a.nodes.size(); k++) {
            org.junit.jupiter.api.Assertions.assertArrayEquals(a.nodes.get(k).part("run").params(), b.nodes.get(k).part("run").params(),
                    "bottom network of " + a.nodes.get(k).domain());
        }
        assertEquals(x.metrics().get("loss"), y.metrics().get("loss"));
    }

    @Test
    void sharedLabelsRunEqualsTheCentralizedReference() {
        assertMatchesReference(SplitWorld.settings("coordinator", "adam", "relu", 0, 0));
    }

    @Test
    void labelOwnerRunEqualsTheCentralizedReference() {
        assertMatchesReference(SplitWorld.settings("bank", "sgd", "tanh", 0, 0));
    }

    /** Whether any reply of any node carried a labels tensor or the aligned label vector itself. */
    private static boolean anyReplyCarriesLabels(SplitWorld w, double[] labels) {
        for (SplitWorld.DataNode n : w.nodes) {
            synchronized (n.replies) {
                for (Message m : n.replies) {
                    for (var t : m.tensors().entrySet()) {
                        if (t.getKey().toLowerCase().contains("label") || Arrays.equals(t.getValue(), labels)) return true;
                    }
                }
            }
        }
        return false;
    }

    @Test
    void labelOwnerModeNeverGivesTheCoordinatorALabel() {
        SplitWorld owner = new SplitWorld(300, 3, false, dir);
        owner.train(SplitWorld.settings("bank", "adam", "relu", 0, 0), SEED, RunObserver.NONE, "r1");
        double[] ownerLabels = owner.centralized(SplitWorld.settings("bank", "adam", "relu", 0, 0)).labels();
        assertFalse(anyReplyCarriesLabels(owner, ownerLabels), "a reply carried labels in label-owner mode");

        SplitWorld shared = new SplitWorld(300, 3, false, dir);
        shared.train(SplitWorld.settings("coordinator", "adam", "relu", 0, 0), SEED, RunObserver.NONE, "r2");
        double[] sharedLabels = shared.centralized(SplitWorld.settings("coordinator", "adam", "relu", 0, 0)).labels();
        assertTrue(anyReplyCarriesLabels(shared, sharedLabels), "the check would not notice labels: none seen in shared mode either");
    }

    /** Share of rows whose label the coordinator would guess right from the sign of the loss gradient it receives. */
    private double labelsReadFromGradientSigns(double epsilon) {
        SplitWorld w = new SplitWorld(400, 3, false, dir);
        JobSpec.SplitSettings base = SplitWorld.settings("bank", "adam", "relu", 0, 0);
        JobSpec.SplitSettings s = new JobSpec.SplitSettings(base.bottomHidden(), base.cutWidth(), base.topHidden(), base.activation(),
                2, base.batchSize(), base.lr(), base.optimizer(), base.labels(), base.categorical(), base.embeddingDim(), 0, 0, epsilon,
                base.psiBatch());
        int[] at = new int[2];
        List<int[]> positions = new java.util.ArrayList<>();
        List<double[]> grads = new java.util.ArrayList<>();
        w.channels.put("bank", new SplitWorld.Tap(w.bank, req -> {
            if (req.step().equals(SplitSteps.LOSS)) {
                at[0] = Integer.parseInt(req.cfg("epoch"));
                at[1] = Integer.parseInt(req.cfg("batch"));
            }
            return req;
        }, r -> {
            if (r.step().equals(SplitSteps.LOSS)) {
                positions.add(at.clone());
                grads.add(r.tensor(SplitSteps.DLOGITS));
            }
            return r;
        }));
        w.train(s, SEED, RunObserver.NONE, "run");
        double[] y = w.centralized(s).labels();
        int right = 0, seen = 0;
        for (int b = 0; b < grads.size(); b++) {
            int[] rows = SplitReference.batches(y.length, s.batchSize(), SEED, positions.get(b)[0])[positions.get(b)[1]];
            double[] d = grads.get(b);
            for (int i = 0; i < d.length; i++, seen++) right += (d[i] < 0 ? 1.0 : 0.0) == y[rows[i]] ? 1 : 0;
        }
        assertTrue(seen > 0, "no loss gradient was seen");
        return (double) right / seen;
    }

    @Test
    void labelEpsilonHidesTheLabelsInTheLossGradientSigns() {
        assertEquals(1.0, labelsReadFromGradientSigns(0), 1e-12, "without label DP the signs give every label");
        double eps1 = labelsReadFromGradientSigns(1.0);
        double expected = Math.exp(1) / (1 + Math.exp(1));
        assertEquals(expected, eps1, 0.06, "randomized response at epsilon 1 keeps about e/(1+e) of the labels");
    }

    @Test
    void randomizedResponseFlipsAtTheRateEpsilonSets() {
        double[] y = new double[100_000];
        double[] z = SplitNode.randomizedResponse(y, Math.log(3), new java.util.Random(1));
        double flipped = java.util.Arrays.stream(z).sum() / z.length;
        assertEquals(0.25, flipped, 0.01);
    }

    @Test
    void labelHolderKeepingItsLabelsRefusesToSendThem() {
        SplitWorld w2 = new SplitWorld(100, 3, false, dir);
        AtomicInteger labelAsks = new AtomicInteger();
        w2.channels.put("bank", new SplitWorld.Tap(w2.bank, req -> {
            if (req.protocol().equals(SplitSteps.PROTOCOL) && req.step().equals(SplitSteps.BATCH) && labelAsks.getAndIncrement() == 0) {
                Message ask = Message.request(req.jobId(), req.runId(), SplitSteps.PROTOCOL, SplitSteps.LABELS, 0, "bank");
                Message r = w2.bank.call(ask, null);
                assertTrue(r.failed() && r.error().code() == ErrorCode.POLICY_VIOLATION, "bank sent its labels: " + r);
            }
            return req;
        }, r -> r));
        w2.train(SplitWorld.settings("bank", "adam", "relu", 0, 0), SEED, RunObserver.NONE, "r");
        assertTrue(labelAsks.get() > 0);
    }

    @Test
    void noisyActivationsAreBoundedPerRowBeforeTheNoise() {
        JobSpec.SplitSettings base = SplitWorld.settings("coordinator", "adam", "relu", 1e-9, 0);
        SplitWorld w = new SplitWorld(300, 5, false, dir);
        double[] maxNorm = new double[1];
        w.channels.put("shop", new SplitWorld.Tap(w.shop, req -> req, r -> {
            if (r.step().equals(SplitSteps.BATCH) && r.tensors().containsKey(SplitSteps.ACT)) {
                double[] a = r.tensor(SplitSteps.ACT);
                int width = base.cutWidth();
                for (int i = 0; i < a.length / width; i++) {
                    double sq = 0;
                    for (int j = 0; j < width; j++) sq += a[i * width + j] * a[i * width + j];
                    maxNorm[0] = Math.max(maxNorm[0], Math.sqrt(sq));
                }
            }
            return r;
        }));
        RunOutcome out = w.train(base, SEED, RunObserver.NONE, "run");
        assertTrue(maxNorm[0] > 0.5 && maxNorm[0] <= 1 + 1e-6, "largest row norm sent " + maxNorm[0]);
        assertTrue(out.metrics().get("auc") > 0.7, "auc " + out.metrics().get("auc"));
    }

    @Test
    void activationNoiseChangesTheModelAndIsReported() {
        JobSpec.SplitSettings noisy = SplitWorld.settings("coordinator", "adam", "relu", 0.5, 0);
        SplitWorld w = new SplitWorld(300, 5, false, dir);
        RunOutcome out = w.train(noisy, SEED, RunObserver.NONE, "run");
        SplitReference.Result clean = w.reference(noisy, SEED);
        assertTrue(maxDiff(out.params(), clean.topParams()) > 1e-6, "noise left the top network unchanged");
        assertEquals(0.5, out.metrics().get("activation_noise_sd"));
        double snr = out.metrics().get("activation_snr");
        assertTrue(snr > 0 && Double.isFinite(snr), "snr " + snr);
        assertFalse(out.metrics().containsKey("clipped_fraction"));
        assertTrue(w.shop.part("run").activationNoise() == 0.5, "the saved part forgot the noise level");
    }

    @Test
    void gradientClippingBoundsEachRowAndIsReported() {
        double[] g = {3, 4, 0.3, 0.4};
        assertEquals(1, SplitParties.clip(g, 2, 2, 1.0));
        assertEquals(1.0, Math.hypot(g[0], g[1]), 1e-12);
        assertEquals(0.3, g[2]);
        JobSpec.SplitSettings clipped = SplitWorld.settings("coordinator", "adam", "relu", 0, 1e-4);
        SplitWorld w = new SplitWorld(300, 5, false, dir);
        RunOutcome out = w.train(clipped, SEED, RunObserver.NONE, "run");
        double f = out.metrics().get("clipped_fraction");
        assertTrue(f > 0 && f <= 1, "clipped fraction " + f);
        assertTrue(maxDiff(w.bank.part("run").params(), w.reference(clipped, SEED).bottomParams().get(0)) > 1e-9,
                "clipping left bank's bottom network unchanged");
    }

    @Test
    void activationsOfTheWrongShapeAreRefusedNamingTheDomain() {
        SplitWorld w = new SplitWorld(200, 5, false, dir);
        w.channels.put("shop", new SplitWorld.Tap(w.shop, r -> r, reply -> {
            if (!reply.step().equals(SplitSteps.BATCH) || reply.failed()) return reply;
            double[] a = reply.tensor(SplitSteps.ACT);
            return reply.withTensors(Map.of(SplitSteps.ACT, Arrays.copyOf(a, a.length - 1)));
        }));
        var e = assertThrows(MeshflException.class, () -> w.train(SplitWorld.settings("coordinator", "adam", "relu", 0, 0), SEED,
                RunObserver.NONE, "run"));
        assertEquals(ErrorCode.PROTOCOL_FAILURE, e.code());
        assertTrue(e.getMessage().contains("shop") && e.getMessage().contains("64 x 3"), e.getMessage());
    }

    @Test
    void nonFiniteActivationsAreRefused() {
        SplitWorld w = new SplitWorld(200, 5, false, dir);
        w.channels.put("telco", new SplitWorld.Tap(w.telco, r -> r, reply -> {
            if (!reply.step().equals(SplitSteps.BATCH) || reply.failed()) return reply;
            double[] a = reply.tensor(SplitSteps.ACT).clone();
            a[4] = Double.NaN;
            return reply.withTensors(Map.of(SplitSteps.ACT, a));
        }));
        var e = assertThrows(MeshflException.class, () -> w.train(SplitWorld.settings("bank", "adam", "relu", 0, 0), SEED,
                RunObserver.NONE, "run"));
        assertTrue(e.getMessage().contains("telco") && e.getMessage().contains("not finite"), e.getMessage());
    }

    @Test
    void partyWithOnlyConstantColumnsIsWarnedAndTrainingCompletes() {
        SplitWorld w = new SplitWorld(300, 9, true, dir);
        SplitWorld.Log log = new SplitWorld.Log();
        RunOutcome out = w.train(SplitWorld.settings("coordinator", "adam", "relu", 0, 0), SEED, log, "run");
        assertTrue(log.lines.stream().anyMatch(l -> l.startsWith("WARNING") && l.contains("telco") && l.contains("constant")), log.lines.toString());
        assertTrue(log.lines.stream().noneMatch(l -> l.startsWith("WARNING") && (l.contains("bank") || l.contains("shop"))));
        assertEquals(4, out.rounds().size());
        assertTrue(Double.isFinite(out.metrics().get("loss")) && out.metrics().get("auc") > 0.6, out.metrics().toString());
        assertTrue(w.telco.part("run") != null);
    }

    @Test
    void labelHolderDroppingOutMidTrainingFailsTheRunNamingIt() {
        SplitWorld w = new SplitWorld(300, 5, false, dir);
        AtomicInteger batches = new AtomicInteger();
        w.channels.put("bank", new SplitWorld.Tap(w.bank, req -> {
            if (req.step().equals(SplitSteps.LOSS) && batches.incrementAndGet() == 3) {
                throw new MeshflException(ErrorCode.NODE_LOST, "node bank-1 stopped answering");
            }
            return req;
        }, r -> r));
        SplitWorld.Log log = new SplitWorld.Log();
        var e = assertThrows(MeshflException.class, () -> w.train(SplitWorld.settings("bank", "adam", "relu", 0, 0), SEED, log, "run"));
        assertEquals(ErrorCode.NODE_LOST, e.code());
        assertTrue(e.getMessage().contains("on bank") && e.getMessage().contains("loss"), e.getMessage());
        assertTrue(log.rounds.isEmpty());
        assertTrue(w.shop.modelPart("run") == null, "a part was saved from a failed run");
    }

    @Test
    void partyFailingInAParallelBatchFailsTheRunNamingIt() {
        SplitWorld w = new SplitWorld(300, 5, false, dir);
        AtomicInteger calls = new AtomicInteger();
        w.channels.put("shop", new SplitWorld.Tap(w.shop, req -> {
            if (req.step().equals(SplitSteps.BATCH) && calls.incrementAndGet() == 5) {
                throw new MeshflException(ErrorCode.NODE_LOST, "connection reset");
            }
            return req;
        }, r -> r));
        var e = assertThrows(MeshflException.class, () -> w.train(SplitWorld.settings("coordinator", "adam", "relu", 0, 0), SEED,
                RunObserver.NONE, "run"));
        assertTrue(e.getMessage().contains("batch on shop"), e.getMessage());
    }

    @Test
    void everyEpochIsSummarizedToTheObserver() {
        SplitWorld w = new SplitWorld(200, 5, false, dir);
        SplitWorld.Log log = new SplitWorld.Log();
        RunOutcome out = w.train(SplitWorld.settings("bank", "adam", "relu", 0.1, 0.5), SEED, log, "run");
        assertEquals(4, log.rounds.size());
        RoundSummary last = log.rounds.get(3);
        assertEquals(4, last.round());
        assertEquals(3, last.nodesOk());
        assertEquals(out.metrics(), last.metrics());
        for (String key : List.of("loss", "auc", "log_loss", "samples_per_second", "activation_noise_sd", "activation_snr", "clipped_fraction")) {
            assertTrue(last.metrics().containsKey(key), "missing " + key + " in " + last.metrics());
        }
        assertTrue(log.lines.stream().anyMatch(l -> l.startsWith("split epoch 4/4")), log.lines.toString());
        assertTrue(out.payloadBytes() > 0);
    }
    @Test
    void missingNumericValueIsRefusedAtSetupNamingTheColumn() {
        SplitWorld w = new SplitWorld(200, 5, false, dir);
        var d = w.bank.products.get("bank.p");
        double[] x = d.x().clone();
        for (int i = 0; i < d.rows(); i++) if (d.keys()[i].equals("id-17")) x[i * d.cols() + 1] = Double.NaN;
        w.bank.products.put("bank.p", new io.meshfl.core.data.Dataset(d.features(), x, d.y(), d.keys(), d.rows()));
        var e = assertThrows(MeshflException.class, () -> w.train(SplitWorld.settings("coordinator", "adam", "relu", 0, 0), SEED,
                RunObserver.NONE, "run"));
        assertEquals(ErrorCode.DATA_BAD_VALUE, e.code());
        assertTrue(e.getMessage().contains("bank") && e.getMessage().contains("'b2'"), e.getMessage());
    }

    @Test
    void categoricalColumnQualifiedByDomainIsEmbeddedOnlyThere() {
        SplitWorld w = new SplitWorld(200, 5, false, dir);
        JobSpec.SplitSettings d = SplitWorld.settings("coordinator", "adam", "relu", 0, 0);
        JobSpec.SplitSettings s = new JobSpec.SplitSettings(d.bottomHidden(), d.cutWidth(), d.topHidden(), d.activation(), 1,
                d.batchSize(), d.lr(), d.optimizer(), d.labels(), List.of("shop:cat"), d.embeddingDim(), 0, 0, 0, d.psiBatch());
        w.train(s, SEED, new SplitWorld.Log(), "run");
        assertEquals(List.of("cat"), w.shop.part("run").encoding().categorical());
        assertTrue(w.bank.part("run").encoding().categorical().isEmpty());
        assertTrue(s.isCategorical("shop", "cat") && !s.isCategorical("bank", "cat"));
    }
}

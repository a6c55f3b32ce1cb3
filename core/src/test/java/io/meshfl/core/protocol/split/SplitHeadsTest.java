package io.meshfl.core.protocol.split;

import io.meshfl.core.ErrorCode;
import io.meshfl.core.MeshflException;
import io.meshfl.core.data.Dataset;
import io.meshfl.core.metrics.EvalSums;
import io.meshfl.core.model.ModelSpec;
import io.meshfl.core.model.nn.Head;
import io.meshfl.core.model.nn.Network;
import io.meshfl.core.model.nn.SplitReference;
import io.meshfl.core.plan.JobSpec;
import io.meshfl.core.plan.Plan;
import io.meshfl.core.protocol.horizontal.RunObserver;
import io.meshfl.core.protocol.horizontal.RunOutcome;
import io.meshfl.core.protocol.vertical.VerticalScorer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.function.BiFunction;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Split networks for every kind of target: a softmax head over four classes, a squared-error head
 * for a continuous target and a Poisson head for counts train, with the label holder computing the
 * loss or the labels shared, exactly the network the central reference trains with the same head,
 * and scoring gives the reference's predictions at the requester.
 */
class SplitHeadsTest {

    private static final long SEED = 11;

    @TempDir
    Path dir;

    /** The world's bank labels replaced by {@code label} of each row's own columns (b1, b2) and a noise draw. */
    private static void relabel(SplitWorld w, BiFunction<double[], Random, Double> label) {
        Random rnd = new Random(5);
        Dataset d = w.bank.products.get("bank.p");
        double[] y = new double[d.rows()];
        for (int i = 0; i < d.rows(); i++) y[i] = label.apply(new double[]{d.x()[i * 2], d.x()[i * 2 + 1]}, rnd);
        w.bank.products.put("bank.p", new Dataset(d.features(), d.x(), y, d.keys(), d.rows()));
    }

    private static JobSpec job(JobSpec.SplitSettings s, ModelSpec model) {
        return new JobSpec("split-test", List.of("bank.p", "shop.p", "telco.p"), SplitWorld.LABEL, List.of(), model,
                "split", null, null, s.epochs(), null, 60.0, SEED, false, "job.yaml", null, s, null, null, null, null, null,
                java.util.Set.of("model.objective"), Map.of());
    }

    private static RunOutcome train(SplitWorld w, JobSpec.SplitSettings s, ModelSpec model, String runId) {
        Plan p = w.plan(s);
        Plan plan = new Plan(p.strategy(), p.aggregator(), p.participants(), List.of(), p.features(), p.label(), model, 0, s.epochs(),
                List.of(), List.of());
        return new SplitRunner(job(s, model), plan, w.channels, RunObserver.NONE).run("job-" + runId, runId);
    }

    /** The central reference of the run: the parties' aligned, encoded columns and the networks with {@code head}. */
    private static SplitReference reference(SplitWorld w, JobSpec.SplitSettings s, Head head, List<Dataset> parties, double[][] labels) {
        SplitWorld.Centralized c = w.centralized(s);
        parties.addAll(c.parties());
        labels[0] = c.labels();
        Network top = SplitArchitecture.top(w.nodes.size(), s, head);
        return new SplitReference(c.bottoms(), top, SplitArchitecture.reference(s, SEED, head));
    }

    private static double maxDiff(double[] a, double[] b) {
        assertEquals(a.length, b.length, "parameter vector lengths");
        double m = 0;
        for (int i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
        return m;
    }

    /** Enough epochs to learn the relabelled targets; the rest as {@link SplitWorld#settings}. */
    private static JobSpec.SplitSettings settings(String labels) {
        return new JobSpec.SplitSettings(List.of(6), 3, List.of(5), "relu", 25, 64, 0.05, "adam", labels, List.of("cat"), 2, 0, 0, 0, 97);
    }

    private void trainsAsTheReference(String labels, ModelSpec model, BiFunction<double[], Random, Double> label, String metric,
                                      java.util.function.BiPredicate<Double, double[]> learned) throws Exception {
        JobSpec.SplitSettings s = settings(labels);
        SplitWorld w = new SplitWorld(300, 3, false, dir.resolve(labels + model.task()));
        relabel(w, label);
        RunOutcome out = train(w, s, model, "run");
        Head head = Head.of(model);
        List<Dataset> parties = new ArrayList<>();
        double[][] y = new double[1][];
        SplitReference ref = reference(w, s, head, parties, y);
        SplitReference.Result fitted = ref.fit(parties, y[0]);
        assertTrue(maxDiff(out.params(), fitted.topParams()) < 1e-9, "top parameters differ by " + maxDiff(out.params(), fitted.topParams()));
        for (int k = 0; k < w.nodes.size(); k++) {
            double d = maxDiff(w.nodes.get(k).part("run").params(), fitted.bottomParams().get(k));
            assertTrue(d < 1e-9, w.nodes.get(k).domain() + " bottom parameters differ by " + d);
        }
        double[] pred = ref.predict(parties);
        Map<String, Double> expected = EvalSums.of(model.task(), pred, y[0], head.outputs()).toMap();
        assertEquals(expected.get(metric), out.metrics().get(metric), 1e-9, metric + " of the run: " + out.metrics());
        assertTrue(learned.test(out.metrics().get(metric), y[0]), metric + " " + out.metrics().get(metric) + ": the network learned little");
        // the report's diagnostics are those of the reference's predictions, made where the labels are
        var diag = out.diagnostics();
        var want = io.meshfl.core.metrics.Diagnostics.of(model.task(), pred, y[0], head.outputs());
        assertEquals("training rows", diag.path("over").asText());
        assertEquals(y[0].length, diag.path("rows").asInt());
        if (model.task() == ModelSpec.Task.MULTICLASS) {
            assertEquals(want.path("confusion").toString(), diag.path("confusion").toString(), "confusion matrix");
        } else {
            assertEquals(want.path("residuals").size(), diag.path("residuals").size());
            for (int b = 0; b < want.path("residuals").size(); b++) {
                assertEquals(want.path("residuals").get(b).path("mean_residual").asDouble(), diag.path("residuals").get(b).path("mean_residual").asDouble(),
                        1e-6, "residual bin " + b);
            }
        }

        // scoring the training rows gives the reference's predictions, at the label holder
        var parts = List.of(new VerticalScorer.Part("bank", "bank.p", true), new VerticalScorer.Part("shop", "shop.p", true),
                new VerticalScorer.Part("telco", "telco.p", true));
        VerticalScorer.Result r = SplitScorer.score(w.channels, "score-" + labels, "run", s, head, List.of("bank", "shop", "telco"),
                out.params(), parts, "bank", SplitWorld.LABEL, Duration.ofSeconds(30), line -> { });
        List<String> lines = Files.readAllLines(Path.of(r.predictions()));
        Map<String, String[]> byKey = new java.util.HashMap<>();
        for (String line : lines.subList(1, lines.size())) byKey.put(line.split(",")[0], line.split(","));
        String[] keys = parties.get(0).keys();
        int k = head.outputs();
        for (int i = 0; i < keys.length; i++) {
            String[] row = byKey.get(keys[i]);
            if (k == 1) {
                assertEquals(pred[i], Double.parseDouble(row[1]), 1e-5 * Math.max(1e-3, Math.abs(pred[i])), "prediction of " + keys[i]);
            } else {
                assertEquals(io.meshfl.core.metrics.Metrics.argmax(pred, i * k, k), Integer.parseInt(row[1]), "class of " + keys[i]);
                for (int c = 0; c < k; c++) assertEquals(pred[i * k + c], Double.parseDouble(row[2 + c]), 1e-5, "p_" + c + " of " + keys[i]);
            }
        }
        assertEquals(expected.get(metric), r.metrics().get(metric), 1e-4, "scored " + metric);
    }

    private static ModelSpec spec(ModelSpec.Task task, int classes) {
        return new ModelSpec(ModelSpec.Type.SPLITNN, List.of(), classes, 0.0, task);
    }

    @Test
    void fourClassesTrainASoftmaxHeadWithTheLabelHolderComputingTheLoss() throws Exception {
        trainsAsTheReference("bank", spec(ModelSpec.Task.MULTICLASS, 4),
                (x, rnd) -> x[0] < -0.67 ? 0.0 : x[0] < 0 ? 1.0 : x[0] < 0.67 ? 2.0 : 3.0, "accuracy", (v, y) -> v > 0.5);
    }

    @Test
    void fourClassesTrainASoftmaxHeadWithSharedLabels() throws Exception {
        trainsAsTheReference("coordinator", spec(ModelSpec.Task.MULTICLASS, 4),
                (x, rnd) -> x[0] < -0.67 ? 0.0 : x[0] < 0 ? 1.0 : x[0] < 0.67 ? 2.0 : 3.0, "accuracy", (v, y) -> v > 0.5);
    }

    @Test
    void aContinuousTargetTrainsASquaredErrorHead() throws Exception {
        trainsAsTheReference("bank", spec(ModelSpec.Task.REGRESSION, 0), (x, rnd) -> 2 * x[0] + 0.5 * (x[1] - 3) + 0.3 * rnd.nextGaussian(),
                "r2", (v, y) -> v > 0.5);
    }

    @Test
    void countsTrainAPoissonHead() throws Exception {
        trainsAsTheReference("bank", spec(ModelSpec.Task.COUNT, 0), (x, rnd) -> (double) io.meshfl.core.data.Poisson.draw(rnd, Math.exp(0.7 * x[0] + 0.5)),
                "poisson_deviance", (v, y) -> v < 0.9 * io.meshfl.core.testing.Draws.constantDeviance(y));
    }

    @Test
    void labelsOfAnotherKindAreRefusedAndLabelDpNeedsBinaryLabels() {
        JobSpec.SplitSettings s = settings("bank");
        SplitWorld w = new SplitWorld(100, 3, false, dir.resolve("bad"));
        relabel(w, (x, rnd) -> x[0] > 0 ? 4.0 : 0.0);
        var e = assertThrows(MeshflException.class, () -> train(w, s, spec(ModelSpec.Task.MULTICLASS, 3), "bad-1"));
        assertEquals(ErrorCode.DATA_BAD_VALUE, e.code());
        assertTrue(e.getMessage().contains("class number 0..2") && e.getMessage().contains("row 3 is not"), e.getMessage());
        // the error crosses to the coordinator: it names the rule and the row, never the label's value
        assertTrue(!e.getMessage().contains("4.0"), e.getMessage());
        // the label holder refused before any entity was aligned: no party answered a PSI step
        for (SplitWorld.DataNode n : w.nodes) {
            assertTrue(n.replies.stream().noneMatch(m -> m.protocol().equals("psi")), n.domain() + " took part in an alignment");
        }
        JobSpec.SplitSettings dp = new JobSpec.SplitSettings(s.bottomHidden(), s.cutWidth(), s.topHidden(), s.activation(), s.epochs(),
                s.batchSize(), s.lr(), s.optimizer(), s.labels(), s.categorical(), s.embeddingDim(), 0, 0, 2.0, s.psiBatch());
        relabel(w, (x, rnd) -> x[0]);
        var dpRefused = assertThrows(MeshflException.class, () -> train(w, dp, spec(ModelSpec.Task.REGRESSION, 0), "bad-2"));
        assertTrue(dpRefused.getMessage().contains("split.labelEpsilon"), dpRefused.getMessage());
    }
}

package io.meshfl.core.protocol.boost;

import io.meshfl.core.ErrorCode;
import io.meshfl.core.MeshflException;
import io.meshfl.core.metrics.EvalSums;
import io.meshfl.core.model.ModelSpec;
import io.meshfl.core.model.tree.GradientBoosting;
import io.meshfl.core.model.tree.Objective;
import io.meshfl.core.model.tree.TreeParams;
import io.meshfl.core.plan.JobSpec;
import io.meshfl.core.plan.Plan;
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

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * SecureBoost for every kind of target: multiclass (softmax, a tree per class per round),
 * regression (squared loss) and counts (Poisson) grow the trees central boosting grows on the
 * joined rows, and inference reproduces central predictions.
 */
class BoostObjectivesTest {

    @TempDir
    Path out;

    static final JobSpec.BoostSettings SETTINGS = new JobSpec.BoostSettings(4, 3, 0.3, 16, 1e-3, 1.0, 0.0, 1024, 1 << 16);

    /** The world's label replaced, entity by entity, by {@code label} of the entity's score and a noise draw. */
    static void relabel(BoostProtocolTest.World w, java.util.function.BiFunction<Double, Random, Double> label) {
        Random rnd = new Random(99);
        for (int e = 0; e < w.n; e++) {
            double[] x = w.x[e];
            double s = x[0] - 0.8 * x[3] + (x[5] > 0.3 ? 1.2 : -0.4) + 0.7 * x[8];
            w.y[e] = label.apply(s, rnd);
        }
        for (int r = 0; r < w.bank.keys.length; r++) {
            String key = w.bank.keys[r];
            w.bank.label[r] = key.startsWith("id-") ? w.y[Integer.parseInt(key.substring(3))] : 0;
        }
    }

    static ModelSpec spec(ModelSpec.Task task, int classes) {
        return new ModelSpec(ModelSpec.Type.GBDT, List.of(), classes, 0.0, task);
    }

    static JobSpec job(ModelSpec model) {
        return new JobSpec("boost-test", List.of("bank.p", "shop.p", "telco.p"), "y", List.of(), model,
                "secureboost", null, null, SETTINGS.trees(), null, 120, 7, false, "t.yaml", null, null, SETTINGS, null, null, null, null,
                java.util.Set.of("model.objective"), Map.of());
    }

    static Plan plan(BoostProtocolTest.World w, ModelSpec model) {
        Plan base = w.plan();
        return new Plan("secureboost", "none", base.participants(), List.of(), List.of(), "y", model, 0, 0, List.of(), List.of());
    }

    private static RunOutcome train(BoostProtocolTest.World w, ModelSpec model, String runId) {
        return new BoostRunner(job(model), plan(w, model), w.channels(), s -> { }).run("job-" + runId, runId);
    }

    /** Per entity key, the values of the predictions file's columns after the key. */
    private static Map<String, double[]> predictions(Path file) throws java.io.IOException {
        Map<String, double[]> m = new java.util.HashMap<>();
        List<String> lines = Files.readAllLines(file);
        for (String line : lines.subList(1, lines.size())) {
            String[] kv = line.split(",");
            double[] v = new double[kv.length - 1];
            for (int i = 1; i < kv.length; i++) v[i - 1] = Double.parseDouble(kv[i]);
            m.put(kv[0], v);
        }
        return m;
    }

    private Map<String, double[]> score(BoostProtocolTest.World w, String runId) throws java.io.IOException {
        var parts = List.of(new VerticalScorer.Part("bank", "bank.p", true), new VerticalScorer.Part("shop", "shop.p", true),
                new VerticalScorer.Part("telco", "telco.p", true));
        var res = BoostScorer.score(w.channels(), "score-" + runId, runId, "bank", "y", parts, "bank", Duration.ofSeconds(60), s -> { });
        assertEquals(w.n, res.rows());
        return predictions(Path.of(res.predictions()));
    }

    @Test
    void fourClassesGrowATreePerClassEachRoundAsCentralSoftmaxBoostingDoes() throws Exception {
        BoostProtocolTest.World w = new BoostProtocolTest.World(500, 21, false, out.resolve("multi"));
        relabel(w, (s, rnd) -> s < -0.8 ? 0.0 : s < 0.4 ? 1.0 : s < 1.5 ? 2.0 : 3.0);
        RunOutcome r = train(w, spec(ModelSpec.Task.MULTICLASS, 4), "run-m");
        Objective softmax = Objective.of(ModelSpec.Task.MULTICLASS, 4);
        var central = GradientBoosting.fit(w.joined(), TreeParams.of(SETTINGS), SETTINGS.trees(), SETTINGS.bins(), softmax);
        assertEquals(4 * SETTINGS.trees(), central.model().trees().size());
        assertEquals(SETTINGS.trees(), r.rounds().size(), "a round is one summary, however many trees it grew");
        for (int t = 0; t < SETTINGS.trees(); t++) {
            int splits = 0;
            for (int c = 0; c < 4; c++) splits += central.model().trees().get(4 * t + c).splits();
            assertEquals(splits, r.rounds().get(t).metrics().get("splits").intValue(), "splits of round " + t);
        }
        double[] p = central.model().predict(w.joined().x(), w.n, 10);
        Map<String, Double> expected = EvalSums.of(ModelSpec.Task.MULTICLASS, p, w.y, 4).toMap();
        assertEquals(expected.get("accuracy"), r.metrics().get("accuracy"), 1e-12);
        assertEquals(expected.get("loss"), r.metrics().get("loss"), 1e-9);
        assertTrue(r.metrics().get("accuracy") > 0.6, "accuracy " + r.metrics().get("accuracy"));
        // the guest's diagnostics of the stored model: the central model's confusion matrix over every row
        assertEquals(io.meshfl.core.metrics.Diagnostics.of(ModelSpec.Task.MULTICLASS, p, w.y, 4).path("confusion").toString(),
                r.diagnostics().path("confusion").toString());
        // and every split of the stored trees under the party that holds it, with its share of the gain
        int splits = 0;
        for (var round : r.rounds()) splits += round.metrics().get("splits").intValue();
        int counted = 0;
        double shares = 0;
        for (var e : r.diagnostics().path("importance")) {
            counted += e.path("splits").asInt();
            shares += e.path("share").asDouble();
        }
        assertEquals(splits, counted, r.diagnostics().path("importance").toString());
        assertEquals(1.0, shares, 1e-9);
        assertEquals(3, r.diagnostics().path("importance").size(), "the guest and both hosts");

        Map<String, double[]> pred = score(w, "run-m");
        ModelParts.GuestPart saved = ModelParts.read(w.bank.modelPart("run-m"), ModelParts.GuestPart.class, "run-m");
        assertEquals(16, saved.trees().size());
        for (int i = 0; i < w.n; i++) {
            double[] row = pred.get("id-" + i);
            assertEquals(5, row.length, "the predicted class and four probabilities");
            int best = io.meshfl.core.metrics.Metrics.argmax(p, i * 4, 4);
            assertEquals(best, (int) row[0], "entity " + i);
            for (int c = 0; c < 4; c++) assertEquals(p[i * 4 + c], row[1 + c], 1e-6, "entity " + i + " class " + c);
        }
    }

    @Test
    void aContinuousTargetBoostsSquaredLossAsCentralBoostingDoes() throws Exception {
        BoostProtocolTest.World w = new BoostProtocolTest.World(400, 22, false, out.resolve("reg"));
        // a scale far from 1 checks that the gradients' fixed point follows their size
        relabel(w, (s, rnd) -> 250 * s + 40 * rnd.nextGaussian() + 1000);
        RunOutcome r = train(w, spec(ModelSpec.Task.REGRESSION, 0), "run-r");
        var central = GradientBoosting.fit(w.joined(), TreeParams.of(SETTINGS), SETTINGS.trees(), SETTINGS.bins(),
                Objective.of(ModelSpec.Task.REGRESSION, 1));
        double[] p = central.model().predict(w.joined().x(), w.n, 10);
        Map<String, Double> expected = EvalSums.of(ModelSpec.Task.REGRESSION, p, w.y, 1).toMap();
        assertEquals(expected.get("rmse"), r.metrics().get("rmse"), 1e-9 * expected.get("rmse"));
        assertEquals(expected.get("r2"), r.metrics().get("r2"), 1e-9);
        assertTrue(r.metrics().get("r2") > 0.5, "r2 " + r.metrics().get("r2"));
        Map<String, double[]> pred = score(w, "run-r");
        for (int i = 0; i < w.n; i++) assertEquals(p[i], pred.get("id-" + i)[0], 1e-5 * Math.abs(p[i]), "entity " + i);
    }

    @Test
    void countsBoostPoissonLossAsCentralBoostingDoes() throws Exception {
        BoostProtocolTest.World w = new BoostProtocolTest.World(400, 23, false, out.resolve("count"));
        relabel(w, (s, rnd) -> (double) io.meshfl.core.data.Poisson.draw(rnd, Math.exp(0.5 * s)));
        RunOutcome r = train(w, spec(ModelSpec.Task.COUNT, 0), "run-c");
        var central = GradientBoosting.fit(w.joined(), TreeParams.of(SETTINGS), SETTINGS.trees(), SETTINGS.bins(),
                Objective.of(ModelSpec.Task.COUNT, 1));
        double[] p = central.model().predict(w.joined().x(), w.n, 10);
        Map<String, Double> expected = EvalSums.of(ModelSpec.Task.COUNT, p, w.y, 1).toMap();
        assertEquals(expected.get("poisson_deviance"), r.metrics().get("poisson_deviance"), 1e-9);
        double constant = io.meshfl.core.testing.Draws.constantDeviance(w.y);
        assertTrue(r.metrics().get("poisson_deviance") < 0.9 * constant, r.metrics() + " against the mean's deviance " + constant);
        Map<String, double[]> pred = score(w, "run-c");
        for (int i = 0; i < w.n; i++) assertEquals(p[i], pred.get("id-" + i)[0], 1e-5 * p[i], "entity " + i);
    }

    @Test
    void labelsOfAnotherKindThanTheObjectiveAreRefusedNamingTheValue() {
        BoostProtocolTest.World w = new BoostProtocolTest.World(100, 24, false, out.resolve("bad"));
        relabel(w, (s, rnd) -> s > 0 ? 2.0 : 0.5);
        var multi = assertThrows(MeshflException.class, () -> train(w, spec(ModelSpec.Task.MULTICLASS, 3), "run-b1"));
        assertEquals(ErrorCode.DATA_BAD_VALUE, multi.code());
        assertTrue(multi.getMessage().contains("class number 0..2"), multi.getMessage());
        // the error crosses to the coordinator: it names the rule and the row, never the label's value
        assertTrue(!multi.getMessage().contains("2.0") && !multi.getMessage().contains("0.5"), multi.getMessage());
        // the guest refused before any entity was aligned: no party saw a PSI step
        for (BoostProtocolTest.DataParty p : List.of(w.bank, w.shop, w.telco)) {
            assertTrue(p.seen.stream().noneMatch(m -> m.protocol().equals("psi")), p.domain() + " took part in an alignment");
        }
        relabel(w, (s, rnd) -> s > 0 ? 2.0 : -1.0);
        var count = assertThrows(MeshflException.class, () -> train(w, spec(ModelSpec.Task.COUNT, 0), "run-b2"));
        assertTrue(count.getMessage().contains("non-negative count"), count.getMessage());
    }
}

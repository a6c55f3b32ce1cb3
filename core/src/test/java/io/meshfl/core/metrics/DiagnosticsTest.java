package io.meshfl.core.metrics;

import com.fasterxml.jackson.databind.JsonNode;
import io.meshfl.core.MeshflException;
import io.meshfl.core.model.ModelSpec;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Confusion matrices, curves and residual tables computed by a label holder: right, and never about fewer than five rows. */
class DiagnosticsTest {

    @Test
    void aBinaryModelsConfusionMatrixRocAndCalibrationAreItsCountsAndRates() {
        Random r = new Random(1);
        int n = 400;
        double[] p = new double[n], y = new double[n];
        long tp = 0, fp = 0, tn = 0, fn = 0;
        for (int i = 0; i < n; i++) {
            p[i] = r.nextDouble();
            y[i] = r.nextDouble() < p[i] ? 1 : 0;
            if (p[i] >= 0.5) { if (y[i] == 1) tp++; else fp++; } else { if (y[i] == 1) fn++; else tn++; }
        }
        JsonNode d = Diagnostics.of(ModelSpec.Task.BINARY, p, y, 1);
        JsonNode c = d.path("confusion");
        assertEquals(tp, c.path("tp").asLong());
        assertEquals(fp, c.path("fp").asLong());
        assertEquals(tn, c.path("tn").asLong());
        assertEquals(fn, c.path("fn").asLong());
        JsonNode roc = d.path("roc");
        assertTrue(roc.size() > 10 && roc.size() <= Diagnostics.ROC_POINTS, "points " + roc.size());
        assertEquals(0.0, roc.get(0).get(0).asDouble());
        assertEquals(1.0, roc.get(roc.size() - 1).get(0).asDouble(), 1e-12);
        assertEquals(1.0, roc.get(roc.size() - 1).get(1).asDouble(), 1e-12);
        for (int i = 1; i < roc.size(); i++) {
            assertTrue(roc.get(i).get(0).asDouble() >= roc.get(i - 1).get(0).asDouble() && roc.get(i).get(1).asDouble() >= roc.get(i - 1).get(1).asDouble());
        }
        // calibrated scores: each tenth's observed rate close to its mean prediction
        JsonNode cal = d.path("calibration");
        assertEquals(10, cal.size());
        for (JsonNode b : cal) {
            assertEquals(40, b.path("rows").asInt());
            assertEquals(b.path("mean_predicted").asDouble(), b.path("observed").asDouble(), 0.25);
        }
        assertTrue(cal.get(9).path("mean_predicted").asDouble() > cal.get(0).path("mean_predicted").asDouble());
    }

    @Test
    void aPerfectRankingReachesTheTopLeftCorner() {
        double[] p = new double[60], y = new double[60];
        for (int i = 0; i < 60; i++) {
            y[i] = i % 2;
            p[i] = y[i] == 1 ? 0.6 + i / 1000.0 : 0.4 - i / 1000.0;
        }
        JsonNode roc = Diagnostics.of(ModelSpec.Task.BINARY, p, y, 1).path("roc");
        boolean corner = false;
        for (JsonNode pt : roc) corner |= pt.get(0).asDouble() == 0 && pt.get(1).asDouble() == 1;
        assertTrue(corner, roc.toString());
    }

    @Test
    void aMulticlassModelsConfusionMatrixAndPerClassMetrics() {
        // rows: true class; predictions: the class with the largest probability
        double[] y = {0, 0, 0, 1, 1, 2, 2, 2, 2, 1};
        int[] predicted = {0, 0, 1, 1, 1, 2, 2, 0, 2, 2};
        double[] p = new double[y.length * 3];
        for (int i = 0; i < y.length; i++) for (int c = 0; c < 3; c++) p[i * 3 + c] = c == predicted[i] ? 0.8 : 0.1;
        JsonNode d = Diagnostics.of(ModelSpec.Task.MULTICLASS, p, y, 3);
        assertEquals("[[2,1,0],[0,2,1],[1,0,3]]", d.path("confusion").path("matrix").toString());
        JsonNode c2 = d.path("per_class").get(2);
        assertEquals(0.75, c2.path("precision").asDouble(), 1e-12);
        assertEquals(0.75, c2.path("recall").asDouble(), 1e-12);
        assertEquals(4, c2.path("support").asInt());
        assertEquals(2.0 / 3, d.path("per_class").get(0).path("precision").asDouble(), 1e-12);
    }

    @Test
    void aRegressionModelsResidualsShowItsBiasByPrediction() {
        int n = 200;
        double[] p = new double[n], y = new double[n];
        for (int i = 0; i < n; i++) {
            p[i] = i;
            y[i] = i + (i < 100 ? 2 : -3);
        }
        JsonNode res = Diagnostics.of(ModelSpec.Task.REGRESSION, p, y, 1).path("residuals");
        assertEquals(10, res.size());
        assertEquals(2.0, res.get(0).path("mean_residual").asDouble(), 1e-12);
        assertEquals(-3.0, res.get(9).path("mean_residual").asDouble(), 1e-12);
        assertEquals(0.0, res.get(0).path("sd_residual").asDouble(), 1e-12);
        assertEquals(9.5, res.get(0).path("mean_predicted").asDouble(), 1e-12);
    }

    @Test
    void noGroupEverDescribesFewerThanFiveRows() {
        for (int n : new int[]{4, 7, 12, 23}) {
            double[] p = new double[n], y = new double[n];
            for (int i = 0; i < n; i++) {
                p[i] = (i + 0.5) / n;
                y[i] = i % 2;
            }
            JsonNode b = Diagnostics.of(ModelSpec.Task.BINARY, p, y, 1);
            JsonNode r = Diagnostics.of(ModelSpec.Task.REGRESSION, p, y, 1);
            if (n < Diagnostics.MIN_GROUP) {
                assertFalse(b.has("roc") || b.has("confusion") || r.has("residuals"), "nothing but the count for " + n + " rows");
                continue;
            }
            for (JsonNode bin : b.path("calibration")) assertTrue(bin.path("rows").asInt() >= Diagnostics.MIN_GROUP, b.toString());
            for (JsonNode bin : r.path("residuals")) assertTrue(bin.path("rows").asInt() >= Diagnostics.MIN_GROUP, r.toString());
            JsonNode roc = b.path("roc");
            // every step of the curve past the origin covers at least five rows, but the last may close it
            assertTrue(roc.size() - 1 <= Math.max(1, n / Diagnostics.MIN_GROUP), n + " rows: " + roc);
        }
    }

    @Test
    void aHistogramOfScoresGivesTheSameConfusionAndCurvesAsTheScores() {
        Random r = new Random(6);
        int n = 1000;
        double[] p = new double[n], y = new double[n];
        ScoreHistogram h = new ScoreHistogram();
        for (int i = 0; i < n; i++) {
            p[i] = r.nextDouble();
            y[i] = r.nextDouble() < p[i] ? 1 : 0;
            h.add(p[i], y[i]);
        }
        JsonNode exact = Diagnostics.of(ModelSpec.Task.BINARY, p, y, 1), binned = Diagnostics.ofHistogram(h);
        assertEquals(exact.path("confusion").toString(), binned.path("confusion").toString());
        JsonNode roc = binned.path("roc");
        assertEquals(1.0, roc.get(roc.size() - 1).get(0).asDouble(), 1e-12);
        assertEquals(1.0, roc.get(roc.size() - 1).get(1).asDouble(), 1e-12);
        int rows = 0;
        for (JsonNode b : binned.path("calibration")) {
            assertTrue(b.path("rows").asInt() >= Diagnostics.MIN_GROUP);
            assertEquals(b.path("mean_predicted").asDouble(), b.path("observed").asDouble(), 0.12, binned.path("calibration").toString());
            rows += b.path("rows").asInt();
        }
        assertEquals(n, rows, "every row in one calibration bin");

        double[] q = {0.7, 0.2, 0.1, 0.1, 0.8, 0.1, 0.3, 0.3, 0.4, 0.6, 0.3, 0.1, 0.2, 0.2, 0.6};
        double[] z = {0, 1, 2, 0, 2};
        assertEquals(Diagnostics.of(ModelSpec.Task.MULTICLASS, q, z, 3).path("per_class").toString(),
                Diagnostics.ofConfusion(Diagnostics.confusion(q, z, 3)).path("per_class").toString());
    }

    @Test
    void eachDomainsContributionIsItsShareOfTheScoresVariance() {
        Random r = new Random(4);
        int n = 20_000;
        double[] a = new double[n], b = new double[n];
        for (int i = 0; i < n; i++) {
            a[i] = 2 * r.nextGaussian() + 1;
            b[i] = r.nextGaussian();
        }
        JsonNode c = Diagnostics.contribution(new java.util.LinkedHashMap<>(java.util.Map.of("bank", a, "shop", b)), n, 1);
        assertEquals(0.8, c.path("bank").asDouble(), 0.02);
        assertEquals(0.2, c.path("shop").asDouble(), 0.02);
        assertEquals(1.0, c.path("bank").asDouble() + c.path("shop").asDouble(), 1e-12);
        // two outputs per row, a part that cancels the other: shares still add up to one, the cancelling one below zero
        double[] u = {1, 0, 2, 0, 3, 0, 4, 0, 5, 0}, v = {-0.5, 0, -1, 0, -1.5, 0, -2, 0, -2.5, 0};
        JsonNode two = Diagnostics.contribution(new java.util.LinkedHashMap<>(java.util.Map.of("u", u, "v", v)), 5, 2);
        assertEquals(2.0, two.path("u").asDouble(), 1e-12);
        assertEquals(-1.0, two.path("v").asDouble(), 1e-12);
        assertTrue(Diagnostics.contribution(java.util.Map.of("a", new double[]{1, 1, 1, 1, 1}), 5, 1).isEmpty(), "a constant score has no shares");
    }

    @Test
    void diagnosticsFromALabelHolderAreBoundedAndMustBeAJsonObject() {
        assertEquals(3, Diagnostics.decode("{\"rows\":3}".getBytes(StandardCharsets.UTF_8), "bank").path("rows").asInt());
        var big = assertThrows(MeshflException.class, () -> Diagnostics.decode(new byte[Diagnostics.MAX_BYTES + 1], "bank"));
        assertTrue(big.getMessage().contains("bank"), big.getMessage());
        var notObject = assertThrows(MeshflException.class, () -> Diagnostics.decode("[1,2]".getBytes(StandardCharsets.UTF_8), "bank"));
        assertTrue(notObject.getMessage().contains("unreadable diagnostics"), notObject.getMessage());
    }
}

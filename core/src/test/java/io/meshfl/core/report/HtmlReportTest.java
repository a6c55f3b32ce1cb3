package io.meshfl.core.report;

import com.fasterxml.jackson.databind.node.ObjectNode;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class HtmlReportTest {

    private static ObjectNode report() {
        ObjectNode r = RunReport.JSON.createObjectNode();
        r.put("run_id", "r1");
        var h = r.putArray("history");
        for (int i = 1; i <= 3; i++) h.addObject().put("round", i).putObject("metrics").put("auc", 0.6 + 0.1 * i);
        return r;
    }

    @Test
    void rendersOneCurvePerMetricOverRounds() {
        String html = HtmlReport.render(report());
        assertTrue(html.contains("<polyline"), html);
        assertTrue(html.contains(">auc<"), html);
        assertFalse(html.contains("Privacy / accuracy"), "no trade-off section without a sweep");
    }

    @Test
    void aMetricThatNeverChangesIsListedNotDrawn() {
        ObjectNode r = report();
        for (var h : r.path("history")) ((ObjectNode) h.path("metrics")).put("psi_intersection", 210.0);
        String html = HtmlReport.render(r);
        assertFalse(html.contains(">psi_intersection<"), "no chart for a constant");
        assertTrue(html.contains("The same in every round: psi_intersection"), html);
    }

    @Test
    void diagnosticsRenderAsConfusionMatrixAndCurves() {
        ObjectNode r = report();
        double[] p = new double[100], y = new double[100];
        for (int i = 0; i < 100; i++) {
            p[i] = i / 100.0;
            y[i] = i % 3 == 0 || i > 60 ? 1 : 0;
        }
        ObjectNode d = io.meshfl.core.metrics.Diagnostics.of(io.meshfl.core.model.ModelSpec.Task.BINARY, p, y, 1);
        d.put("over", "held-out rows");
        r.set("diagnostics", d);
        String html = HtmlReport.render(r);
        assertTrue(html.contains("Confusion matrix at 0.50") && html.contains("held-out rows (100 rows)"), html);
        assertTrue(html.contains("ROC (true against false positive rate)") && html.contains("calibration (observed rate"), html);
        d.putObject("contribution").put("bank", 0.7).put("shop", 0.3);
        d.putObject("importance").putObject("bank").put("splits", 5).put("gain", 12.5).put("share", 1.0);
        html = HtmlReport.render(r);
        assertTrue(html.contains("Contribution per domain") && html.contains("<td>shop</td><td>0.300</td>"), html);
        assertTrue(html.contains("Importance per domain") && html.contains("<td>bank</td><td>5</td>"), html);

        double[] q = new double[30], z = new double[10];
        for (int i = 0; i < 10; i++) {
            z[i] = i % 3;
            q[i * 3 + (i % 2)] = 1;
        }
        r.set("diagnostics", io.meshfl.core.metrics.Diagnostics.of(io.meshfl.core.model.ModelSpec.Task.MULTICLASS, q, z, 3));
        html = HtmlReport.render(r);
        assertTrue(html.contains("Confusion matrix (rows: true class") && html.contains("<th>precision</th>"), html);
    }

    @Test
    void noiseSweepRendersThePrivacyAccuracyTradeOff() {
        ObjectNode r = report();
        var t = r.putArray("tradeoff");
        t.addObject().put("activation_noise_sd", 0.0).put("auc", 0.91).put("log_loss", 0.3).put("run_id", "a");
        t.addObject().put("activation_noise_sd", 0.5).put("activation_snr", 4.2).put("auc", 0.88).put("log_loss", 0.35).put("run_id", "b");
        String html = HtmlReport.render(r);
        assertTrue(html.contains("Privacy / accuracy"), html);
        assertTrue(html.contains("AUC vs activation noise"), html);
        assertTrue(html.contains("4.2000") && html.contains("no noise"), html);
        assertTrue(html.contains("noise sd 0"), html);
    }
}

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

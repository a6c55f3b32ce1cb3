package io.meshfl.core.plan;

import io.meshfl.core.MeshflException;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class RetrainPolicyTest {

    private static final String BASE = "name: j\nproducts: [a.b, c.d]\nlabel: y\nmodel: {type: logistic}\n";

    private static String refusal(String yaml) {
        return assertThrows(MeshflException.class, () -> JobLoader.parse(yaml, "j.yaml")).getMessage();
    }

    @Test
    void theRetrainSectionIsReadWithItsTriggersMetricAndMargin() {
        RetrainPolicy p = JobLoader.parse(BASE + "retrain: {on: product-version, cron: \"0 3 * * 1\", metric: auc, margin: 0.005}\n", "j.yaml")
                .retrain();
        assertEquals(new RetrainPolicy(true, "0 3 * * 1", "auc", 0.005), p);
        assertNull(JobLoader.parse(BASE, "j.yaml").retrain());
    }

    @Test
    void aChallengerBeatsTheChampionOnlyByTheMarginInTheMetricsDirection() {
        RetrainPolicy auc = new RetrainPolicy(true, null, "auc", 0.01);
        assertTrue(auc.beats(0.815, 0.80));
        assertFalse(auc.beats(0.805, 0.80));
        RetrainPolicy loss = new RetrainPolicy(true, null, "log_loss", 0.01);
        assertTrue(loss.beats(0.395, 0.41));
        assertFalse(loss.beats(0.405, 0.41));
        assertFalse(loss.beats(0.50, 0.41));
    }

    @Test
    void aSettingThatCannotWorkIsRefusedNamingItsField() {
        assertTrue(refusal(BASE + "retrain: {metric: auc}\n").contains("field 'retrain': give retrain.on, retrain.cron or both"));
        assertTrue(refusal(BASE + "retrain: {on: schema-change, metric: auc}\n").contains("field 'retrain.on': must be product-version"));
        assertTrue(refusal(BASE + "retrain: {cron: \"0 25 * * *\", metric: auc}\n").contains("field 'retrain.cron': the hour field"));
        assertTrue(refusal(BASE + "retrain: {on: product-version}\n").contains("field 'retrain.metric': is required"));
        assertTrue(refusal(BASE + "retrain: {on: product-version, metric: rmse}\n").contains("field 'retrain.metric': a logistic model is "
                + "evaluated by"));
        assertTrue(refusal(BASE + "retrain: {on: product-version, metric: auc, margin: -0.1}\n").contains("field 'retrain.margin': must be >= 0"));
        assertTrue(refusal(BASE + "retrain: {on: product-version, metric: auc, every: 1d}\n").contains("field 'retrain.every': unknown field"));
        assertTrue(refusal(BASE.replace("[a.b, c.d]", "[a.b@1.0.0, c.d]") + "retrain: {on: product-version, metric: auc}\n")
                .contains("field 'retrain.on': a job that pins product versions"));
        assertTrue(refusal(BASE + "evaluation: {holdout: 0}\nretrain: {cron: \"0 3 * * *\", metric: auc}\n")
                .contains("field 'retrain.metric': champion and challenger are compared on held-out rows"));
    }
}

package io.meshfl.cli;

import com.fasterxml.jackson.databind.node.ObjectNode;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The vertical examples on the FATE data, scored on the training rows as FATE does: AUC within
 * 0.01 of centralized (breast 0.9997, default_credit 0.724), motor RMSE within 3% of 0.279.
 */
@Tag("realdata")
class RealDataVerticalTest {

    @Test
    void breastHeteroMatchesCentralizedAuc() throws Exception {
        ObjectNode r = RealDataHorizontalTest.runExample("breast-hetero");
        double auc = r.path("metrics").path("auc").asDouble();
        System.out.println("breast-hetero vertical AUC " + auc + " (centralized 0.9997), " + r.path("wall_seconds") + " s");
        assertEquals("vertical", r.path("plan").path("strategy").asText());
        assertEquals(569.0, r.path("metrics").path("psi_intersection").asDouble());
        assertTrue(auc >= 0.9997 - 0.01, "breast-hetero AUC " + auc);
    }

    @Test
    void defaultCreditHeteroMatchesCentralizedAuc() throws Exception {
        ObjectNode r = RealDataHorizontalTest.runExample("default-credit-hetero");
        double auc = r.path("metrics").path("auc").asDouble();
        System.out.println("default-credit-hetero vertical AUC " + auc + " (centralized 0.724), " + r.path("wall_seconds") + " s");
        assertEquals(30000.0, r.path("metrics").path("psi_intersection").asDouble());
        assertTrue(auc >= 0.724 - 0.01, "default-credit-hetero AUC " + auc);
    }

    @Test
    void motorHeteroMatchesCentralizedRmseOverThreeDomains() throws Exception {
        ObjectNode r = RealDataHorizontalTest.runExample("motor-hetero");
        double rmse = r.path("metrics").path("rmse").asDouble();
        System.out.println("motor-hetero vertical RMSE " + rmse + " (centralized 0.279), R2 " + r.path("metrics").path("r2") + ", "
                + r.path("wall_seconds") + " s");
        assertEquals(3, r.path("plan").path("participants").size());
        assertTrue(rmse <= 0.279 * 1.03, "motor-hetero RMSE " + rmse);
    }
}

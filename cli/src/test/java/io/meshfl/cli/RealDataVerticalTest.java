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

    /**
     * The credit data twice: payments as one product, and payments as one party of four regional
     * nodes (the homo files' payment columns, the same values for the same customers). Both within
     * 0.01 of centralized, and the hybrid run within 0.005 AUC of the one over the joined rows.
     */
    @Test
    void defaultCreditHeteroMatchesCentralizedAucAlsoWithPaymentsOnFourRegionalNodes() throws Exception {
        ObjectNode r = RealDataHorizontalTest.runExample("default-credit-hetero");
        double auc = r.path("metrics").path("auc").asDouble();
        System.out.println("default-credit-hetero vertical AUC " + auc + " (centralized 0.724), " + r.path("wall_seconds") + " s");
        assertEquals(30000.0, r.path("metrics").path("psi_intersection").asDouble());
        assertTrue(auc >= 0.724 - 0.01, "default-credit-hetero AUC " + auc);

        ObjectNode h = RealDataHorizontalTest.runExample("default-credit-hybrid");
        double hybrid = h.path("metrics").path("auc").asDouble();
        System.out.println("default-credit-hybrid vertical AUC " + hybrid + " (payments on 4 regional nodes; joined rows " + auc + "), "
                + h.path("wall_seconds") + " s");
        assertEquals(30000.0, h.path("metrics").path("psi_intersection").asDouble(), "the four regions hold every customer once");
        assertEquals(auc, hybrid, 0.005, "the hybrid layout against the same model over the joined rows");
        assertTrue(hybrid >= 0.724 - 0.01, "default-credit-hybrid AUC " + hybrid);
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

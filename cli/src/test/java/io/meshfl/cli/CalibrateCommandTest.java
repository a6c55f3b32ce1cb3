package io.meshfl.cli;

import io.meshfl.core.catalog.Catalog;
import io.meshfl.core.catalog.CostModelStore;
import io.meshfl.core.catalog.RunRecord;
import io.meshfl.core.plan.cost.CostModel;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.time.Instant;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

class CalibrateCommandTest {

    @TempDir
    Path dir;

    @Test
    void calibrationStoresPositiveConstantsTheCatalogHandsBack() {
        Path cat = dir.resolve("catalog");
        assertEquals(0, Main.execute("calibrate", "--catalog", cat.toString(), "--rows", "500"));
        try (Catalog c = Catalog.open(cat)) {
            CostModelStore.Fitted f = new CostModelStore(c).latest().orElseThrow();
            assertEquals("calibration", f.source());
            assertEquals(20, f.samples());
            assertTrue(f.model().dense() > 0, f.toString());
            assertTrue(f.looAccuracy() >= 0 && f.looAccuracy() <= 1, f.toString());
        }
    }

    private static RunRecord run(String strategy, String status, String metrics) {
        return new RunRecord("r", "j", strategy, "{}", "{}", 1, status, Instant.now(), Instant.now(), 0, 0, metrics, null, "");
    }

    @Test
    void joinedRunsOfTheLogBecomeOneSidedSamples() {
        String m = "{\"workload_n0\": 1000, \"workload_d0\": 3, \"workload_nk\": 100, \"workload_dk\": 6, \"workload_sources\": 1,"
                + " \"iterations\": 50, \"actual_seconds\": 0.02}";
        CostModel.Sample s = CalibrateCommand.sampleOf(run("factorized", RunRecord.SUCCEEDED, m));
        assertEquals(0.02, s.factorizedSeconds());
        assertTrue(Double.isNaN(s.materializedSeconds()));
        assertEquals(10.0, s.workload().tupleRatio());
        assertNull(CalibrateCommand.sampleOf(run("vertical", RunRecord.SUCCEEDED, m)), "only joined runs price joins");
        assertNull(CalibrateCommand.sampleOf(run("materialized", RunRecord.FAILED, m)), "a failed run measured nothing");
        assertNull(CalibrateCommand.sampleOf(run("materialized", RunRecord.SUCCEEDED, "{\"auc\": 0.8}")), "older runs lack their workload");
    }
}

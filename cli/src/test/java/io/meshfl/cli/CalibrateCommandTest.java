package io.meshfl.cli;

import io.meshfl.core.catalog.Catalog;
import io.meshfl.core.catalog.CostModelStore;
import io.meshfl.core.catalog.RunRecord;
import io.meshfl.core.plan.cost.CostModel;
import io.meshfl.core.plan.cost.Workload;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.time.Instant;
import java.util.List;

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
            CostModel m = f.model();
            // on a busy machine small cells can leave dense or row at zero (the command says so), never both, never below
            assertTrue(m.dense() >= 0 && m.join() > 0 && m.index() >= 0 && m.row() >= 0, f.toString());
            assertTrue(m.dense() + m.row() > 0, "training work per iteration is never free: " + f);
            assertTrue(m.encrypted() > 0, f.toString());
            assertTrue(f.looAccuracy() >= 0 && f.looAccuracy() <= 1, f.toString());
        }
    }

    @Test
    void aConstantFittedToZeroIsNamedWithItsReason() {
        Workload w = new Workload(1000, 3, 100, 6, 1, 10);
        List<CostModel.Sample> oneSource = List.of(CostModel.Sample.of(w, CostModel.FACTORIZED, 0.1));
        List<String> lines = CalibrateCommand.zeroConstants(new CostModel(0, 1e-7, 0, 1e-8), oneSource);
        assertEquals(2, lines.size(), lines.toString());
        assertTrue(lines.get(0).contains("index fitted to 0") && lines.get(0).contains("one source"), lines.toString());
        assertTrue(lines.get(1).startsWith("warning: dense fitted to 0"), lines.toString());
        assertEquals(List.of(), CalibrateCommand.zeroConstants(new CostModel(1e-9, 1e-7, 1e-9, 1e-8), oneSource));
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

    @Test
    void encryptedRunsOfTheLogSetTheEncryptedConstantAndEveryRunRecordsPredictedAndActualSeconds() throws Exception {
        Path cat = dir.resolve("catalog");
        StringBuilder g = new StringBuilder("id,y,a,b\n");
        StringBuilder h = new StringBuilder("id,c,d\n");
        java.util.Random r = new java.util.Random(3);
        for (int i = 0; i < 200; i++) {
            double a = r.nextGaussian(), b = r.nextGaussian(), c = r.nextGaussian();
            g.append(String.format(java.util.Locale.ROOT, "k%d,%d,%.4f,%.4f%n", i, a + c > 0 ? 1 : 0, a, b));
            h.append(String.format(java.util.Locale.ROOT, "k%d,%.4f,%.4f%n", i, c, r.nextGaussian()));
        }
        java.nio.file.Files.writeString(dir.resolve("g.csv"), g);
        java.nio.file.Files.writeString(dir.resolve("h.csv"), h);
        for (String[] p : new String[][]{{"bank", "g", "a, b", "  label: y\n", "      - {name: y, logicalType: integer}\n      - {name: a, logicalType: number}\n      - {name: b, logicalType: number}\n"},
                {"shop", "h", "c, d", "", "      - {name: c, logicalType: number}\n      - {name: d, logicalType: number}\n"}}) {
            java.nio.file.Files.writeString(dir.resolve(p[1] + ".yaml"), """
                    apiVersion: v3.0.2
                    kind: DataContract
                    id: %1$s.rows
                    version: 1.0.0
                    domain: %1$s
                    servers:
                      - {server: local, type: csv, path: %2$s.csv}
                    schema:
                      - name: rows
                        properties:
                          - {name: id, logicalType: string, primaryKey: true}
                    %5$smeshfl:
                      entityKey: id
                      consumers: [{identity: 'client:operator'}]
                    %4$s  features: [%3$s]
                    """.formatted(p[0], p[1], p[2], p[3], p[4]));
        }
        String job = "name: v\nproducts: [bank.rows, shop.rows]\nlabel: y\nmodel: {type: logistic}\n"
                + "vertical: {epochs: 3, batchSize: 200, keyBits: 1024}\n";
        java.nio.file.Files.writeString(dir.resolve("job.yaml"), job);
        assertEquals(0, Main.execute("run", "--job", dir.resolve("job.yaml").toString(), "--contracts", dir.toString(), "--catalog", cat.toString(),
                "--report", dir.resolve("r.json").toString()));
        double expected;
        try (Catalog c = Catalog.open(cat)) {
            RunRecord run = c.runs().get(0);
            var m = io.meshfl.core.report.RunReport.JSON.readTree(run.metricsJson());
            assertTrue(m.path("predicted_seconds").asDouble() > 0 && m.path("actual_seconds").asDouble() > 0, run.metricsJson());
            assertEquals(200 * 5, m.path("encrypted_units_per_epoch").asDouble(), 1e-9, "rows x (4 features + intercept) at 1024 bits");
            var secs = c.rounds(run.id()).stream().map(io.meshfl.core.catalog.RoundRecord::seconds).sorted().toList();
            expected = secs.get(secs.size() / 2) / 1000;
        }
        assertEquals(0, Main.execute("calibrate", "--catalog", cat.toString(), "--rows", "300", "--history"));
        try (Catalog c = Catalog.open(cat)) {
            assertEquals(expected, new CostModelStore(c).latest().orElseThrow().model().encrypted(), 1e-15);
        }
    }
}

package io.meshfl.coordinator;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.meshfl.core.ErrorCode;
import io.meshfl.core.MeshflException;
import io.meshfl.core.contract.ContractLoader;
import io.meshfl.core.contract.DataContract;
import io.meshfl.core.plan.JobLoader;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Scoring every row of the label holder's product on a mesh where 8% of its customers are unknown
 * to one domain: each row listed once with coverage columns, the unknown ones scored with that
 * domain's part at its means or listed without a score, as the request says.
 */
class EveryRowScoringTest {

    private static final int CUSTOMERS = 500;
    static final List<String> PRODUCTS = List.of("bank.customers", "shop.customers", "telco.customers");

    @TempDir
    Path dir;

    /** The customers shop does not know: every 12th and a half (40 of 500, 8%). */
    static boolean unknownToShop(int i) {
        return i % 25 == 3 || i % 25 == 15;
    }

    /**
     * bank (label, 2 columns) and telco (1 column) know every customer; shop (2 columns) misses 8%.
     * Beside them shop.full: shop's customers plus the ones it misses, whose columns are {@code fill}
     * (null: no such product).
     */
    List<DataContract> write(long seed, double[] fill) throws Exception {
        Random r = new Random(seed);
        double[][] x = new double[CUSTOMERS][5];
        int[] y = new int[CUSTOMERS];
        double[] w = {1.5, -2.0, 1.0, 0.5, -1.0};
        for (int i = 0; i < CUSTOMERS; i++) {
            double z = 0;
            for (int j = 0; j < 5; j++) {
                x[i][j] = r.nextGaussian() * (j + 1) + j;
                z += w[j] * (x[i][j] - j) / (j + 1);
            }
            y[i] = r.nextDouble() < 1 / (1 + Math.exp(-z)) ? 1 : 0;
        }
        String[][] cols = {{"a0", "a1"}, {"b0", "b1"}, {"c0"}};
        int[][] idx = {{0, 1}, {2, 3}, {4}};
        String[] domains = {"bank", "shop", "telco"};
        List<DataContract> out = new ArrayList<>();
        for (int d = 0; d < 3; d++) {
            List<Integer> ids = new ArrayList<>();
            for (int i = 0; i < CUSTOMERS; i++) if (d != 1 || !unknownToShop(i)) ids.add(i);
            Collections.shuffle(ids, r);
            StringBuilder csv = new StringBuilder("cid");
            if (d == 0) csv.append(",target");
            for (String c : cols[d]) csv.append(',').append(c);
            csv.append('\n');
            for (int i : ids) {
                csv.append("C").append(i);
                if (d == 0) csv.append(',').append(y[i]);
                for (int j : idx[d]) csv.append(',').append(String.format(Locale.ROOT, "%.6f", x[i][j]));
                csv.append('\n');
            }
            Files.writeString(dir.resolve(domains[d] + ".csv"), csv);
            StringBuilder props = new StringBuilder(io.meshfl.core.testing.CustomerContracts.PII_KEY);
            if (d == 0) props.append("      - {name: target, logicalType: integer}\n");
            for (String c : cols[d]) props.append("      - {name: ").append(c).append(", logicalType: number}\n");
            Path f = dir.resolve(domains[d] + ".yaml");
            Files.writeString(f, io.meshfl.core.testing.CustomerContracts.yaml(domains[d], props.toString(),
                    "  consumers: [{identity: 'client:operator'}]\n" + (d == 0 ? "  label: target\n" : "")));
            out.add(ContractLoader.load(f));
            if (d == 1 && fill != null) {
                StringBuilder full = new StringBuilder(csv);
                for (int i = 0; i < CUSTOMERS; i++) {
                    if (unknownToShop(i)) full.append("C").append(i).append(String.format(Locale.ROOT, ",%.9f,%.9f\n", fill[0], fill[1]));
                }
                Files.writeString(dir.resolve("shop-full.csv"), full);
                Files.writeString(dir.resolve("shop-full.yaml"), Files.readString(f).replace("id: shop.customers", "id: shop.full")
                        .replace("dataProduct: customers", "dataProduct: full").replace("path: shop.csv", "path: shop-full.csv"));
                out.add(ContractLoader.load(dir.resolve("shop-full.yaml")));
            }
        }
        return out;
    }

    /** shop's two columns' means over its own customers. */
    private double[] shopMeans() throws Exception {
        double[] m = new double[2];
        List<String> lines = Files.readAllLines(dir.resolve("shop.csv"));
        for (String l : lines.subList(1, lines.size())) {
            String[] f = l.split(",");
            m[0] += Double.parseDouble(f[1]);
            m[1] += Double.parseDouble(f[2]);
        }
        m[0] /= lines.size() - 1;
        m[1] /= lines.size() - 1;
        return m;
    }

    /** The predictions file as rows by entity key: its columns by name. */
    static Map<String, Map<String, String>> rows(ObjectNode pred) throws Exception {
        List<String> lines = Files.readAllLines(Path.of(pred.path("predictions").asText()));
        String[] head = lines.get(0).split(",", -1);
        Map<String, Map<String, String>> out = new LinkedHashMap<>();
        for (String l : lines.subList(1, lines.size())) {
            String[] f = l.split(",", -1);
            Map<String, String> row = new LinkedHashMap<>();
            for (int i = 0; i < head.length; i++) row.put(head[i], f[i]);
            assertTrue(out.put(f[0], row) == null, "entity " + f[0] + " listed twice");
        }
        return out;
    }

    static final String JOB = """
            name: every-row
            products: [bank.customers, shop.customers, telco.customers]
            label: target
            model: {type: logistic}
            vertical: {epochs: 4, batchSize: 128, lr: 0.3, keyBits: 1024, tol: 0}
            seed: 3
            """;

    @Test
    void everyRowOfTheLabelHolderIsScoredWithCoverageAndTheMissingPartAtItsMeans() throws Exception {
        // shop's training means: its customers all train (the three products share every customer shop knows)
        double[] means;
        write(11, null);
        means = shopMeans();
        try (TestMesh mesh = TestMesh.byDomain(write(11, means), 200)) {
            HorizontalJobTest.Recorder rec = new HorizontalJobTest.Recorder();
            ObjectNode report = mesh.coordinator.runJob(JobLoader.parse(JOB, "job.yaml"), JOB, rec);
            assertEquals(460.0, report.path("metrics").path("psi_intersection").asDouble());
            String model = report.path("model_id").asText();

            ObjectNode imputed = mesh.coordinator.predict(model, PRODUCTS, null, new PredictOptions("impute-mean", null, null), rec);
            assertEquals(CUSTOMERS, imputed.path("rows").asInt(), "every customer of the label holder is listed");
            assertEquals(CUSTOMERS, imputed.path("metrics").path("rows_scored").asInt(), "and scored");
            assertEquals(460, imputed.path("metrics").path("rows_with:shop").asInt());
            assertEquals(460, imputed.path("metrics").path("rows_complete").asInt());
            Map<String, Map<String, String>> imp = rows(imputed);
            assertEquals(CUSTOMERS, imp.size());
            for (var e : imp.entrySet()) {
                int i = Integer.parseInt(e.getKey().substring(1));
                Map<String, String> row = e.getValue();
                assertFalse(row.get("prediction").isEmpty(), e.getKey());
                assertEquals(unknownToShop(i) ? "0" : "1", row.get("part_shop"), e.getKey());
                assertEquals("1", row.get("part_bank"));
                assertEquals("1", row.get("part_telco"));
                assertEquals(unknownToShop(i) ? "2" : "3", row.get("parts_present"));
                assertEquals("every-row", row.get("model"));
                assertEquals("1", row.get("model_version"));
            }

            // refused: the same rows listed, the ones shop does not know without a score, the others with the same one
            ObjectNode refused = mesh.coordinator.predict(model, PRODUCTS, null, new PredictOptions("refuse", null, null), rec);
            assertEquals(CUSTOMERS, refused.path("rows").asInt());
            assertEquals(460, refused.path("metrics").path("rows_scored").asInt());
            Map<String, Map<String, String>> ref = rows(refused);
            for (var e : ref.entrySet()) {
                boolean unknown = unknownToShop(Integer.parseInt(e.getKey().substring(1)));
                assertEquals(unknown ? "" : imp.get(e.getKey()).get("prediction"), e.getValue().get("prediction"), e.getKey());
            }

            // a shop that knew the missing customers with its training means gives each of them the imputed score
            ObjectNode filled = mesh.coordinator.predict(model, List.of("bank.customers", "shop.full", "telco.customers"), null, new PredictOptions("refuse", null, null), rec);
            assertEquals(CUSTOMERS, filled.path("metrics").path("rows_complete").asInt());
            Map<String, Map<String, String>> full = rows(filled);
            for (var e : imp.entrySet()) {
                assertEquals(Double.parseDouble(e.getValue().get("prediction")), Double.parseDouble(full.get(e.getKey()).get("prediction")), 2e-6,
                        e.getKey());
            }
            assertTrue(imputed.path("metrics").path("auc").asDouble() > 0.7, imputed.toString());

            // published as the bank's own product, a new version each time, with a contract the catalog and the node read back
            ObjectNode asParquet = mesh.coordinator.predict(model, PRODUCTS, null, new PredictOptions("impute-mean", "churn-scores", "parquet"), rec);
            // in-process nodes keep their output in a folder of the machine's temporary files: an earlier run may have published versions
            String first = asParquet.path("product").asText();
            assertTrue(first.startsWith("bank.churn-scores@1.0."), first);
            int patch = Integer.parseInt(first.substring(first.lastIndexOf('.') + 1));
            ObjectNode asCsv = mesh.coordinator.predict(model, PRODUCTS, null, new PredictOptions("refuse", "churn-scores", "csv"), rec);
            assertEquals("bank.churn-scores@1.0." + (patch + 1), asCsv.path("product").asText(), "each scoring a new version");
            var stored = mesh.catalog.product("bank.churn-scores", "1.0." + patch).orElseThrow();
            assertEquals("bank", stored.domain());
            assertEquals(CUSTOMERS, stored.rows());
            Path folder = Path.of(asCsv.path("predictions").asText()).getParent().getParent().resolve("products").resolve("churn-scores");
            DataContract published = ContractLoader.load(folder.resolve("contract.yaml"));
            assertEquals("bank.churn-scores", published.id());
            assertEquals("1.0." + (patch + 1), published.version());
            assertEquals(Files.readAllLines(Path.of(asCsv.path("predictions").asText())), Files.readAllLines(folder.resolve("churn-scores.csv")));
            try (var c = java.sql.DriverManager.getConnection("jdbc:duckdb:"); var st = c.createStatement();
                 var rs = st.executeQuery("SELECT count(*), count(prediction), sum(part_shop) FROM read_parquet('"
                         + folder.resolve("churn-scores.parquet") + "')")) {
                assertTrue(rs.next());
                assertEquals(CUSTOMERS, rs.getInt(1));
                assertEquals(CUSTOMERS, rs.getInt(2), "every row imputed has a score");
                assertEquals(460, rs.getInt(3));
            }
            MeshflException bad = assertThrows(MeshflException.class, () -> mesh.coordinator.predict(model, PRODUCTS, null,
                    new PredictOptions(null, "../elsewhere", null), rec));
            assertTrue(bad.getMessage().contains("output.product"), bad.getMessage());
        }
    }

    @Test
    void boostedTreesScoreEveryRowWithTheUnknownHostsSplitsAtItsMeans() throws Exception {
        write(12, null);
        double[] means = shopMeans();
        try (TestMesh mesh = TestMesh.byDomain(write(12, means), 200)) {
            HorizontalJobTest.Recorder rec = new HorizontalJobTest.Recorder();
            String yaml = """
                    name: every-row-boost
                    products: [bank.customers, shop.customers, telco.customers]
                    label: target
                    model: {type: gbdt}
                    boost: {trees: 3, depth: 2, bins: 16, lr: 0.3, keyBits: 1024}
                    seed: 5
                    """;
            ObjectNode report = mesh.coordinator.runJob(JobLoader.parse(yaml, "job.yaml"), yaml, rec);
            String model = report.path("model_id").asText();
            ObjectNode imputed = mesh.coordinator.predict(model, PRODUCTS, null, new PredictOptions("impute-mean", null, null), rec);
            assertEquals(CUSTOMERS, imputed.path("metrics").path("rows_scored").asInt());
            Map<String, Map<String, String>> imp = rows(imputed);
            ObjectNode refused = mesh.coordinator.predict(model, PRODUCTS, null, PredictOptions.NONE, rec);
            assertEquals(460, refused.path("metrics").path("rows_scored").asInt(), "refusing is what a request that declares nothing gets");
            Map<String, Map<String, String>> ref = rows(refused);
            ObjectNode filled = mesh.coordinator.predict(model, List.of("bank.customers", "shop.full", "telco.customers"), null, PredictOptions.NONE, rec);
            Map<String, Map<String, String>> full = rows(filled);
            assertEquals(CUSTOMERS, imp.size());
            for (var e : imp.entrySet()) {
                boolean unknown = unknownToShop(Integer.parseInt(e.getKey().substring(1)));
                assertEquals(unknown ? "0" : "1", e.getValue().get("part_shop"));
                assertEquals(unknown ? "" : e.getValue().get("prediction"), ref.get(e.getKey()).get("prediction"), e.getKey());
                assertEquals(e.getValue().get("prediction"), full.get(e.getKey()).get("prediction"), e.getKey());
            }
        }
    }

    @Test
    void splitNetworksScoreEveryRowWithTheUnknownPartysBottomAtItsMeans() throws Exception {
        write(14, null);
        double[] means = shopMeans();
        try (TestMesh mesh = TestMesh.byDomain(write(14, means), 200)) {
            HorizontalJobTest.Recorder rec = new HorizontalJobTest.Recorder();
            String yaml = """
                    name: every-row-split
                    products: [bank.customers, shop.customers, telco.customers]
                    label: target
                    model: {type: splitnn}
                    split: {bottomHidden: [8], cutWidth: 3, topHidden: [4], epochs: 6, batchSize: 32, lr: 0.02, labels: bank}
                    seed: 7
                    """;
            ObjectNode report = mesh.coordinator.runJob(JobLoader.parse(yaml, "job.yaml"), yaml, rec);
            assertEquals("split", report.path("plan").path("strategy").asText());
            String model = report.path("model_id").asText();
            ObjectNode imputed = mesh.coordinator.predict(model, PRODUCTS, null, new PredictOptions("impute-mean", null, null), rec);
            assertEquals(CUSTOMERS, imputed.path("rows").asInt());
            assertEquals(CUSTOMERS, imputed.path("metrics").path("rows_scored").asInt());
            assertEquals(460, imputed.path("metrics").path("rows_with:shop").asInt());
            assertEquals(460, imputed.path("metrics").path("rows_complete").asInt());
            Map<String, Map<String, String>> imp = rows(imputed);
            ObjectNode refused = mesh.coordinator.predict(model, PRODUCTS, null, PredictOptions.NONE, rec);
            assertEquals(CUSTOMERS, refused.path("rows").asInt());
            assertEquals(460, refused.path("metrics").path("rows_scored").asInt());
            Map<String, Map<String, String>> ref = rows(refused);
            // a shop that knew the missing customers at the means of its own gives each of them the imputed score
            ObjectNode filled = mesh.coordinator.predict(model, List.of("bank.customers", "shop.full", "telco.customers"), null, PredictOptions.NONE, rec);
            assertEquals(CUSTOMERS, filled.path("metrics").path("rows_complete").asInt());
            Map<String, Map<String, String>> full = rows(filled);
            assertEquals(CUSTOMERS, imp.size());
            java.util.Set<String> unknownScores = new java.util.HashSet<>();
            for (var e : imp.entrySet()) {
                boolean unknown = unknownToShop(Integer.parseInt(e.getKey().substring(1)));
                Map<String, String> row = e.getValue();
                assertEquals(unknown ? "0" : "1", row.get("part_shop"), e.getKey());
                assertEquals(unknown ? "2" : "3", row.get("parts_present"), e.getKey());
                assertEquals("1", row.get("part_bank"));
                assertEquals("every-row-split", row.get("model"));
                assertEquals("1", row.get("model_version"));
                assertEquals(unknown ? "" : row.get("prediction"), ref.get(e.getKey()).get("prediction"), e.getKey());
                assertEquals(Double.parseDouble(row.get("prediction")), Double.parseDouble(full.get(e.getKey()).get("prediction")), 2e-6, e.getKey());
                if (unknown) unknownScores.add(row.get("prediction"));
            }
            assertTrue(unknownScores.size() > 30, "the other parties' bottoms still tell the unknown customers apart: " + unknownScores.size());
            assertTrue(imputed.path("metrics").path("auc").asDouble() > 0.7, imputed.toString());

            ObjectNode published = mesh.coordinator.predict(model, PRODUCTS, null, new PredictOptions("impute-mean", "split-scores", "parquet"), rec);
            assertTrue(published.path("product").asText().startsWith("bank.split-scores@1.0."), published.toString());
            Path folder = Path.of(published.path("predictions").asText()).getParent().getParent().resolve("products").resolve("split-scores");
            try (var c = java.sql.DriverManager.getConnection("jdbc:duckdb:"); var st = c.createStatement();
                 var rs = st.executeQuery("SELECT count(*), count(prediction), sum(part_shop), min(model) FROM read_parquet('"
                         + folder.resolve("split-scores.parquet") + "')")) {
                assertTrue(rs.next());
                assertEquals(CUSTOMERS, rs.getInt(1));
                assertEquals(CUSTOMERS, rs.getInt(2));
                assertEquals(460, rs.getInt(3));
                assertEquals("every-row-split", rs.getString(4));
            }
        }
    }

    @Test
    void aTreatmentOfMissingPartsThatCannotApplyIsRefusedByName() throws Exception {
        try (TestMesh mesh = TestMesh.byDomain(write(13, null), 200)) {
            HorizontalJobTest.Recorder rec = new HorizontalJobTest.Recorder();
            ObjectNode report = mesh.coordinator.runJob(JobLoader.parse(JOB.replace("epochs: 4", "epochs: 1"), "job.yaml"), JOB, rec);
            String model = report.path("model_id").asText();
            MeshflException e = assertThrows(MeshflException.class, () -> mesh.coordinator.predict(model, PRODUCTS, null, new PredictOptions("impute-median", null, null), rec));
            assertEquals(ErrorCode.JOB_INVALID, e.code());
            assertTrue(e.getMessage().contains("missing.mode") && e.getMessage().contains("impute-mean"), e.getMessage());
            e = assertThrows(MeshflException.class, () -> mesh.coordinator.predict(model, PRODUCTS, null, new PredictOptions("fallback-model", null, null), rec));
            assertTrue(e.getMessage().contains("fallback-model"), e.getMessage());
        }
    }

    /**
     * With {@code fallback-model}, the rows shop does not know are scored by a model of bank and telco
     * alone, exactly as that model scores them by itself, and say so in their model columns; the rows
     * every domain knows keep the main model's scores. An unfit fallback is refused naming the field.
     */
    @Test
    void rowsADomainDoesNotKnowAreScoredByAFallbackModelOfTheOtherDomains() throws Exception {
        try (TestMesh mesh = TestMesh.byDomain(write(14, null), 200)) {
            HorizontalJobTest.Recorder rec = new HorizontalJobTest.Recorder();
            String main = mesh.coordinator.runJob(JobLoader.parse(JOB, "job.yaml"), JOB, rec).path("model_id").asText();
            String twoJob = JOB.replace("name: every-row", "name: every-row-fallback").replace("products: [bank.customers, shop.customers, telco.customers]",
                    "products: [bank.customers, telco.customers]");
            String fallback = mesh.coordinator.runJob(JobLoader.parse(twoJob, "job.yaml"), twoJob, rec).path("model_id").asText();

            Map<String, Map<String, String>> alone = rows(mesh.coordinator.predict(fallback, List.of("bank.customers", "telco.customers"), null,
                    PredictOptions.NONE, rec));
            Map<String, Map<String, String>> refused = rows(mesh.coordinator.predict(main, PRODUCTS, null, PredictOptions.NONE, rec));
            ObjectNode merged = mesh.coordinator.predict(main, PRODUCTS, null, new PredictOptions("fallback-model", null, null, fallback), rec);
            assertEquals(CUSTOMERS, merged.path("metrics").path("rows_scored").asInt());
            assertEquals(40, merged.path("metrics").path("rows_fallback").asInt());
            assertTrue(rec.logs.stream().anyMatch(l -> l.contains("fallback model " + fallback)), rec.logs.toString());
            Map<String, Map<String, String>> m = rows(merged);
            assertEquals(CUSTOMERS, m.size());
            for (var e : m.entrySet()) {
                boolean unknown = unknownToShop(Integer.parseInt(e.getKey().substring(1)));
                Map<String, String> row = e.getValue();
                assertEquals(unknown ? alone.get(e.getKey()).get("prediction") : refused.get(e.getKey()).get("prediction"), row.get("prediction"), e.getKey());
                assertEquals(unknown ? "every-row-fallback" : "every-row", row.get("model"), e.getKey());
                assertEquals(unknown ? "0" : "1", row.get("part_shop"));
            }
            // the fallback's own file of the run is merged and gone: one predictions file per run
            Path folder = Path.of(merged.path("predictions").asText()).getParent();
            assertFalse(Files.exists(folder.resolve(merged.path("run_id").asText() + "-fallback.csv")));

            MeshflException none = assertThrows(MeshflException.class, () -> mesh.coordinator.predict(main, PRODUCTS, null,
                    new PredictOptions("fallback-model", null, null, null), rec));
            assertTrue(none.getMessage().contains("missing.mode") && none.getMessage().contains("--fallback"), none.getMessage());
            MeshflException self = assertThrows(MeshflException.class, () -> mesh.coordinator.predict(main, PRODUCTS, null,
                    new PredictOptions("fallback-model", null, null, main), rec));
            assertTrue(self.getMessage().contains("missing.model"), self.getMessage());
            MeshflException stray = assertThrows(MeshflException.class, () -> mesh.coordinator.predict(main, PRODUCTS, null,
                    new PredictOptions("impute-mean", null, null, fallback), rec));
            assertTrue(stray.getMessage().contains("missing.model"), stray.getMessage());
        }
    }
}

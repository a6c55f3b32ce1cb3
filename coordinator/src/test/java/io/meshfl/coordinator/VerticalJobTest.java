package io.meshfl.coordinator;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.meshfl.core.ErrorCode;
import io.meshfl.core.MeshflException;
import io.meshfl.core.catalog.RunRecord;
import io.meshfl.core.contract.ContractLoader;
import io.meshfl.core.contract.DataContract;
import io.meshfl.core.plan.JobLoader;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Vertical jobs end to end over in-process gRPC: PSI alignment, Paillier arbiter, sealed relays, inference. */
class VerticalJobTest {

    @TempDir
    Path dir;

    /**
     * Three domains over overlapping customer sets: "bank" holds the label and 2 columns, "shop" 2
     * columns, "telco" 1 column; each file lists its own customers in its own order.
     */
    /** The three domains' binary products of {@code customers} customers in {@code dir}, for tests of other protocols over them. */
    static List<DataContract> binary(Path dir, int customers, long seed) throws Exception {
        VerticalJobTest v = new VerticalJobTest();
        v.dir = dir;
        return v.write(customers, false, seed);
    }

    List<DataContract> write(int customers, boolean regression, long seed) throws Exception {
        return write(customers, regression ? "linear" : "binary", seed);
    }

    /** The columns and labels of every customer of the last {@link #write}, before each party drops its tenth. */
    private double[][] generatedX;
    private double[] generatedY;

    /** Four classes: the class of the largest of these scores of the standardized columns, with Gumbel noise. */
    private static final double[][] CLASS_WEIGHTS = {{1.5, -1.0, 0.5, 0, 1.0}, {-1.0, 1.5, 0, 1.0, -0.5}, {0, 0.5, -1.5, -1.0, 1.0},
            {-0.5, -1.0, 1.0, 0, -1.5}};

    List<DataContract> write(int customers, String kind, long seed) throws Exception {
        boolean regression = !kind.equals("binary") && !kind.equals("classes");
        Random r = new Random(seed);
        double[][] x = new double[customers][5];
        double[] y = new double[customers];
        for (int i = 0; i < customers; i++) {
            double z = 0;
            double[] w = {1.5, -2.0, 1.0, 0.5, -1.0};
            for (int j = 0; j < 5; j++) {
                x[i][j] = r.nextGaussian() * (j + 1) + j;
                z += w[j] * (x[i][j] - j) / (j + 1);
            }
            y[i] = kind.equals("linear") ? z + 0.1 * r.nextGaussian()
                    : kind.equals("count") ? io.meshfl.core.data.Poisson.draw(r, Math.exp(0.3 * z))
                    : kind.equals("classes") ? likeliestClass(x[i], r)
                    : (r.nextDouble() < 1 / (1 + Math.exp(-z)) ? 1 : 0);
        }
        generatedX = x;
        generatedY = y;
        String[][] cols = {{"a0", "a1"}, {"b0", "b1"}, {"c0"}};
        int[][] idx = {{0, 1}, {2, 3}, {4}};
        String[] domains = {"bank", "shop", "telco"};
        List<DataContract> out = new ArrayList<>();
        for (int d = 0; d < 3; d++) {
            List<Integer> ids = new ArrayList<>();
            for (int i = 0; i < customers; i++) if (i % 10 != d) ids.add(i); // each party misses a different tenth
            Collections.shuffle(ids, r);
            StringBuilder csv = new StringBuilder("cid");
            if (d == 0) csv.append(",target");
            for (String c : cols[d]) csv.append(',').append(c);
            csv.append('\n');
            for (int i : ids) {
                csv.append("C").append(i);
                if (d == 0) csv.append(',').append(regression ? String.format(Locale.ROOT, "%.6f", y[i]) : String.valueOf((int) y[i]));
                for (int j : idx[d]) csv.append(',').append(String.format(Locale.ROOT, "%.6f", x[i][j]));
                csv.append('\n');
            }
            Files.writeString(dir.resolve(domains[d] + ".csv"), csv);
            StringBuilder props = new StringBuilder(io.meshfl.core.testing.CustomerContracts.PII_KEY);
            if (d == 0) props.append("      - {name: target, logicalType: ").append(regression ? "number" : "integer").append("}\n");
            for (String c : cols[d]) props.append("      - {name: ").append(c).append(", logicalType: number}\n");
            Path f = dir.resolve(domains[d] + ".yaml");
            Files.writeString(f, io.meshfl.core.testing.CustomerContracts.yaml(domains[d], props.toString(),
                    "  consumers: [{identity: 'client:operator'}]\n" + (d == 0 ? "  label: target\n" : "")));
            out.add(ContractLoader.load(f));
        }
        return out;
    }

    private static int likeliestClass(double[] x, Random r) {
        int best = 0;
        double top = Double.NEGATIVE_INFINITY;
        for (int c = 0; c < CLASS_WEIGHTS.length; c++) {
            double s = -Math.log(-Math.log(r.nextDouble())) * 0.5;
            for (int j = 0; j < 5; j++) s += CLASS_WEIGHTS[c][j] * (x[j] - j) / (j + 1);
            if (s > top) {
                top = s;
                best = c;
            }
        }
        return best;
    }

    static String job(String model, int epochs, int batch) {
        return """
                name: vertical-test
                products: [bank.customers, shop.customers, telco.customers]
                label: target
                model: {type: %s}
                vertical: {epochs: %d, batchSize: %d, lr: 0.3, keyBits: 1024, tol: 0}
                seed: 3
                """.formatted(model, epochs, batch);
    }

    @Test
    void threeDomainLogisticTrainsOnAlignedRowsAndScoresNewRows() throws Exception {
        try (TestMesh mesh = new TestMesh(write(300, false, 1), 200)) {
            String yaml = job("logistic", 6, 128);
            HorizontalJobTest.Recorder rec = new HorizontalJobTest.Recorder();
            ObjectNode report = mesh.coordinator.runJob(JobLoader.parse(yaml, "job.yaml"), yaml, rec);
            assertTrue(rec.plan.contains("strategy=vertical"), rec.plan);
            assertEquals("vertical", report.path("plan").path("strategy").asText());
            assertEquals(210.0, report.path("metrics").path("psi_intersection").asDouble(), "each party misses a different tenth");
            double auc = report.path("metrics").path("auc").asDouble();
            assertTrue(auc > 0.85, "auc " + auc);
            RunRecord run = mesh.catalog.run(report.path("run_id").asText()).orElseThrow();
            assertEquals(RunRecord.SUCCEEDED, run.status());
            assertEquals(6, mesh.catalog.rounds(run.id()).size());

            ObjectNode pred = mesh.coordinator.predict(report.path("model_id").asText(),
                    List.of("bank.customers", "shop.customers", "telco.customers"), null, rec);
            assertEquals("bank", pred.path("requester").asText());
            // every one of the bank's 270 customers is listed; the 60 another party does not know without a score
            assertEquals(270, pred.path("rows").asInt());
            assertEquals(210, pred.path("metrics").path("rows_scored").asInt());
            assertEquals(auc, pred.path("metrics").path("auc").asDouble(), 1e-5, "scoring the training rows reproduces the training AUC");
            List<String> lines = Files.readAllLines(Path.of(pred.path("predictions").asText()));
            assertEquals(271, lines.size());
            assertTrue(lines.get(1).startsWith("C"));
        }
    }

    @Test
    void aCardinalityOnlyJobCountsTheCommonEntitiesAndTrainsNothing() throws Exception {
        try (TestMesh mesh = new TestMesh(write(300, false, 1), 200)) {
            String yaml = job("logistic", 6, 128).replace("tol: 0}", "tol: 0, cardinalityOnly: true}");
            HorizontalJobTest.Recorder rec = new HorizontalJobTest.Recorder();
            ObjectNode report = mesh.coordinator.runJob(JobLoader.parse(yaml, "job.yaml"), yaml, rec);
            assertEquals(210.0, report.path("metrics").path("psi_intersection").asDouble(), "each party misses a different tenth");
            assertTrue(report.path("model_id").isMissingNode(), "no model: " + report);
            RunRecord run = mesh.catalog.run(report.path("run_id").asText()).orElseThrow();
            assertEquals(RunRecord.SUCCEEDED, run.status());
            assertEquals(0, mesh.catalog.rounds(run.id()).size(), "nothing trained");
            assertEquals(0, mesh.catalog.modelsForRun(run.id()).size());
            assertTrue(rec.logs.stream().anyMatch(l -> l.contains("vertical.cardinalityOnly: 210 entities common to")), rec.logs.toString());
        }
    }

    @Test
    void verticalLinearRegressionFitsAcrossThreeDomains() throws Exception {
        try (TestMesh mesh = new TestMesh(write(300, true, 2), 200)) {
            String yaml = job("linear", 40, 270);
            ObjectNode report = mesh.coordinator.runJob(JobLoader.parse(yaml, "job.yaml"), yaml, new HorizontalJobTest.Recorder());
            double r2 = report.path("metrics").path("r2").asDouble();
            assertTrue(r2 > 0.95, "r2 " + r2);
        }
    }

    @Test
    void verticalPoissonRegressionChainsThroughTwoHosts() throws Exception {
        try (TestMesh mesh = new TestMesh(write(300, "count", 6), 200)) {
            String yaml = job("poisson", 30, 270).replace("lr: 0.3", "lr: 0.1");
            ObjectNode report = mesh.coordinator.runJob(JobLoader.parse(yaml, "job.yaml"), yaml, new HorizontalJobTest.Recorder());
            double first = report.path("history").get(0).path("metrics").path("poisson_deviance").asDouble();
            double last = report.path("metrics").path("poisson_deviance").asDouble();
            assertTrue(last < 0.7 * first, "deviance should fall: first " + first + ", last " + last);
        }
    }

    @Test
    void multinomialLogisticRegressionOverThreeDomainsMatchesCentralSoftmaxAndScoresEveryClass() throws Exception {
        try (TestMesh mesh = new TestMesh(write(400, "classes", 8), 200)) {
            String yaml = job("softmax, classes: 4", 12, 32).replace("lr: 0.3", "lr: 0.1");
            HorizontalJobTest.Recorder rec = new HorizontalJobTest.Recorder();
            ObjectNode report = mesh.coordinator.runJob(JobLoader.parse(yaml, "job.yaml"), yaml, rec);
            assertEquals("vertical", report.path("plan").path("strategy").asText());
            double accuracy = report.path("metrics").path("accuracy").asDouble();
            double central = centralSoftmaxAccuracy(12, 32, 0.1, 3);
            System.out.printf(Locale.ROOT, "vertical multinomial logistic regression, 4 classes: accuracy %.4f, central softmax %.4f%n", accuracy, central);
            assertTrue(central > 0.6, "the generated classes are learnable: central accuracy " + central);
            assertEquals(central, accuracy, 0.02, "multinomial under Paillier against the same model trained centrally");
            // the report carries the label holder's confusion matrix and per-class metrics of the stored model
            var confusion = report.path("diagnostics").path("confusion").path("matrix");
            assertEquals(4, confusion.size());
            long rows = 0, right = 0;
            for (int c = 0; c < 4; c++) for (int j = 0; j < 4; j++) {
                rows += confusion.get(c).get(j).asLong();
                if (c == j) right += confusion.get(c).get(j).asLong();
            }
            assertEquals(280, rows);
            assertEquals(accuracy, (double) right / rows, 1e-6);
            assertEquals(4, report.path("diagnostics").path("per_class").size());
            var share = report.path("diagnostics").path("contribution");
            assertEquals(3, share.size(), share.toString());
            assertEquals(1.0, share.path("bank").asDouble() + share.path("shop").asDouble() + share.path("telco").asDouble(), 1e-9);

            ObjectNode pred = mesh.coordinator.predict(report.path("model_id").asText(),
                    List.of("bank.customers", "shop.customers", "telco.customers"), null, rec);
            assertEquals(accuracy, pred.path("metrics").path("accuracy").asDouble(), 1e-5, "scoring the training rows reproduces the training accuracy");
            List<String> lines = Files.readAllLines(Path.of(pred.path("predictions").asText()));
            assertEquals(361, lines.size(), "every one of the bank's 360 customers is listed");
            assertTrue(lines.get(0).contains("p_0") && lines.get(0).contains("p_3"), lines.get(0));
        }
    }

    @Test
    void evaluationProductsAreAlignedApartAndScoreTheModelEveryEpochWithoutTraining() throws Exception {
        List<DataContract> cs = new ArrayList<>(write(400, false, 9));
        // the bank's customers from C300 on are its recent ones: a product of their own, which only evaluates
        List<String> lines = Files.readAllLines(dir.resolve("bank.csv"));
        List<String> old = new ArrayList<>(List.of(lines.get(0))), recent = new ArrayList<>(List.of(lines.get(0)));
        for (String line : lines.subList(1, lines.size())) (Integer.parseInt(line.substring(1, line.indexOf(','))) >= 300 ? recent : old).add(line);
        Files.write(dir.resolve("bank.csv"), old);
        Files.write(dir.resolve("bank-recent.csv"), recent);
        Files.writeString(dir.resolve("bank-recent.yaml"), Files.readString(dir.resolve("bank.yaml")).replace("id: bank.customers", "id: bank.recent")
                .replace("dataProduct: customers", "dataProduct: recent").replace("path: bank.csv", "path: bank-recent.csv"));
        cs.set(0, ContractLoader.load(dir.resolve("bank.yaml")));
        cs.add(ContractLoader.load(dir.resolve("bank-recent.yaml")));
        try (TestMesh mesh = TestMesh.byDomain(cs, 200)) {
            String yaml = job("logistic", 4, 64) + "evaluation: {products: [bank.recent]}\nselection: {metric: auc, patience: 10}\n";
            HorizontalJobTest.Recorder rec = new HorizontalJobTest.Recorder();
            ObjectNode report = mesh.coordinator.runJob(JobLoader.parse(yaml, "job.yaml"), yaml, rec);
            assertTrue(rec.plan.contains("evaluate bank.recent") && rec.plan.contains("aligned by a second private set intersection"), rec.plan);
            // customers 0..299 train where all three parties hold them; 300..399 only evaluate (each party misses a different tenth)
            assertEquals(210.0, report.path("metrics").path("psi_intersection").asDouble());
            assertEquals(70.0, report.path("metrics").path("eval_rows").asDouble());
            for (var h : report.path("history")) {
                assertTrue(h.path("metrics").has("auc") && h.path("metrics").has("train_auc"), "every epoch scores both: " + h.path("metrics"));
            }
            double auc = report.path("metrics").path("auc").asDouble();
            assertTrue(auc > 0.8, "auc on the evaluation rows " + auc);
            assertTrue(report.path("diagnostics").path("over").asText().startsWith("evaluation products' rows"), report.path("diagnostics").toString());
            assertEquals(70, report.path("diagnostics").path("rows").asInt());

            // the run's evaluation is what scoring the stored model on the evaluation rows gives
            ObjectNode pred = mesh.coordinator.predict(report.path("model_id").asText(),
                    List.of("bank.recent", "shop.customers", "telco.customers"), null, rec);
            assertEquals(70, pred.path("metrics").path("rows_scored").asInt());
            assertEquals(auc, pred.path("metrics").path("auc").asDouble(), 1e-5, "the evaluation products scored by the stored model");
        }
    }

    /**
     * The products of {@link #write} with the bank's customers dated: customer Ci opened its account
     * on day i of 2024, so from C300 on (2024-10-27) they are after a cut at 2024-10-26; beside
     * bank.customers (every customer, with its date) bank.old and bank.recent hold the customers
     * before and after it.
     */
    List<DataContract> dated(int customers, long seed) throws Exception {
        List<DataContract> cs = new ArrayList<>(write(customers, false, seed));
        List<String> lines = Files.readAllLines(dir.resolve("bank.csv"));
        List<String> dated = new ArrayList<>(List.of(lines.get(0) + ",opened"));
        List<String> old = new ArrayList<>(List.of(lines.get(0))), recent = new ArrayList<>(List.of(lines.get(0)));
        for (String line : lines.subList(1, lines.size())) {
            int i = Integer.parseInt(line.substring(1, line.indexOf(',')));
            dated.add(line + "," + java.time.LocalDate.of(2024, 1, 1).plusDays(i));
            (i >= 300 ? recent : old).add(line);
        }
        Files.write(dir.resolve("bank.csv"), dated);
        Files.write(dir.resolve("bank-old.csv"), old);
        Files.write(dir.resolve("bank-recent.csv"), recent);
        String bank = Files.readString(dir.resolve("bank.yaml"));
        Files.writeString(dir.resolve("bank.yaml"), bank.replace("      - {name: target", "      - {name: opened, logicalType: date}\n      - {name: target"));
        for (String part : List.of("old", "recent")) {
            Files.writeString(dir.resolve("bank-" + part + ".yaml"), bank.replace("id: bank.customers", "id: bank." + part)
                    .replace("dataProduct: customers", "dataProduct: " + part).replace("path: bank.csv", "path: bank-" + part + ".csv"));
            cs.add(ContractLoader.load(dir.resolve("bank-" + part + ".yaml")));
        }
        cs.set(0, ContractLoader.load(dir.resolve("bank.yaml")));
        return cs;
    }

    @Test
    void outOfTimeRowsScoreTheModelExactlyAsTheSameRowsGivenAsAnEvaluationProduct() throws Exception {
        List<DataContract> cs = dated(400, 9);
        try (TestMesh mesh = TestMesh.byDomain(cs, 200)) {
            String cut = job("logistic", 3, 64) + "evaluation: {outOfTime: {column: opened, after: 2024-10-26}}\n";
            HorizontalJobTest.Recorder rec = new HorizontalJobTest.Recorder();
            ObjectNode byTime = mesh.coordinator.runJob(JobLoader.parse(cut, "job.yaml"), cut, rec);
            assertTrue(rec.plan.contains("scored out of time: the rows of bank.customers with opened after 2024-10-26"), rec.plan);
            String products = job("logistic", 3, 64).replace("bank.customers", "bank.old") + "evaluation: {products: [bank.recent]}\n";
            ObjectNode byProduct = mesh.coordinator.runJob(JobLoader.parse(products, "job.yaml"), products, new HorizontalJobTest.Recorder());
            assertEquals(210.0, byTime.path("metrics").path("psi_intersection").asDouble(), "the rows up to the cut train");
            assertEquals(70.0, byTime.path("metrics").path("eval_rows").asDouble(), "the rows after it evaluate");
            for (String m : List.of("auc", "train_auc", "loss", "train_loss", "eval_rows")) {
                assertEquals(byProduct.path("metrics").path(m).asDouble(), byTime.path("metrics").path(m).asDouble(), 1e-12, m);
            }
            assertTrue(byTime.path("diagnostics").path("over").asText().startsWith("out-of-time rows of bank.customers (opened after 2024-10-26)"),
                    byTime.path("diagnostics").toString());

            String badColumn = job("logistic", 1, 64) + "evaluation: {outOfTime: {column: target, after: 2024-10-26}}\n";
            var e = assertThrows(MeshflException.class, () -> mesh.coordinator.runJob(JobLoader.parse(badColumn, "job.yaml"), badColumn,
                    new HorizontalJobTest.Recorder()));
            assertTrue(e.getMessage().contains("evaluation.outOfTime: column 'target' of bank.customers is integer"), e.getMessage());
        }
    }

    @Test
    void evaluationProductsMustBeScoredByTheLabelHolderAndNeverTrain() throws Exception {
        try (TestMesh mesh = new TestMesh(write(100, false, 10), 200)) {
            String training = job("logistic", 1, 64) + "evaluation: {products: [bank.customers]}\n";
            var e = assertThrows(MeshflException.class, () -> mesh.coordinator.runJob(JobLoader.parse(training, "job.yaml"), training,
                    new HorizontalJobTest.Recorder()));
            assertTrue(e.getMessage().contains("evaluation.products: 'bank.customers' is a training product"), e.getMessage());
            String split = job("splitnn", 1, 64) + "evaluation: {products: [bank.customers]}\n";
            var s = assertThrows(MeshflException.class, () -> mesh.coordinator.runJob(JobLoader.parse(split, "job.yaml"), split,
                    new HorizontalJobTest.Recorder()));
            assertTrue(s.getMessage().contains("evaluation.products: 'bank.customers' is a training product"), s.getMessage());
        }
    }

    /**
     * The last generated customers every party holds (each misses a different tenth: 0, 1 and 2),
     * standardized, and softmax regression trained on them centrally with exact gradients; its
     * training accuracy.
     */
    private double centralSoftmaxAccuracy(int epochs, int batch, double lr, long seed) {
        List<Integer> rows = new ArrayList<>();
        for (int i = 0; i < generatedY.length; i++) if (i % 10 > 2) rows.add(i);
        double[] x = new double[rows.size() * 5];
        double[] y = new double[rows.size()];
        for (int i = 0; i < rows.size(); i++) {
            System.arraycopy(generatedX[rows.get(i)], 0, x, i * 5, 5);
            y[i] = generatedY[rows.get(i)];
        }
        io.meshfl.core.data.Dataset raw = new io.meshfl.core.data.Dataset(List.of("a0", "a1", "b0", "b1", "c0"), x, y, null, rows.size());
        io.meshfl.core.data.Dataset data = io.meshfl.core.data.Standardizer.from(io.meshfl.core.data.ColumnStats.of(raw)).apply(raw);
        var spec = new io.meshfl.core.model.ModelSpec(io.meshfl.core.model.ModelSpec.Type.SOFTMAX, List.of(), 4, 0);
        var model = new io.meshfl.core.model.SoftmaxRegression(spec, 5);
        var fit = io.meshfl.core.model.LocalTrainer.train(model, new double[model.numParams()], data,
                new io.meshfl.core.model.LocalConfig(epochs, batch, new io.meshfl.core.model.OptimizerSpec("sgd", lr, 0), 0, 0, seed));
        double[] prob = new double[rows.size() * 4];
        model.predict(fit.params(), data, prob);
        return io.meshfl.core.metrics.EvalSums.of(io.meshfl.core.model.ModelSpec.Task.MULTICLASS, prob, y, 4).toMap().get("accuracy");
    }

    @Test
    void keysThatDoNotOverlapAreAClearError() throws Exception {
        List<DataContract> cs = write(50, false, 3);
        Path shop = dir.resolve("shop.csv");
        Files.writeString(shop, Files.readString(shop).replace("\nC", "\nX"));
        try (TestMesh mesh = new TestMesh(cs, 200)) {
            String yaml = job("logistic", 1, 64);
            var e = assertThrows(MeshflException.class, () -> mesh.coordinator.runJob(JobLoader.parse(yaml, "job.yaml"), yaml,
                    new HorizontalJobTest.Recorder()));
            assertEquals(ErrorCode.DATA_EMPTY, e.code());
            assertTrue(e.getMessage().contains("share no entity key"), e.getMessage());
            assertEquals(RunRecord.FAILED, mesh.catalog.runs().get(0).status());
        }
    }

    @Test
    void duplicateKeysInOneProductAreRefusedWithoutNamingTheKey() throws Exception {
        List<DataContract> cs = write(50, false, 4);
        Path shop = dir.resolve("shop.csv");
        List<String> lines = new ArrayList<>(Files.readAllLines(shop));
        String dupKey = lines.get(1).split(",")[0];
        lines.set(2, dupKey + lines.get(2).substring(lines.get(2).indexOf(',')));
        Files.write(shop, lines);
        // The contract marks cid as primary key, so the reader refuses the file before PSI.
        try (TestMesh mesh = new TestMesh(cs, 200)) {
            String yaml = job("logistic", 1, 64);
            var e = assertThrows(MeshflException.class, () -> mesh.coordinator.runJob(JobLoader.parse(yaml, "job.yaml"), yaml,
                    new HorizontalJobTest.Recorder()));
            assertTrue(e.getMessage().toLowerCase(Locale.ROOT).contains("duplicate"), e.getMessage());
        }
    }

    @Test
    void hostThatDropsOutMidEpochFailsTheJobCleanly() throws Exception {
        try (TestMesh mesh = new TestMesh(write(200, false, 5), 200)) {
            String yaml = job("logistic", 3, 32);
            HorizontalJobTest.Recorder rec = new HorizontalJobTest.Recorder();
            rec.afterRound2 = () -> { };
            Thread killer = new Thread(() -> {
                try {
                    while (rec.rounds.isEmpty()) Thread.sleep(5);
                    mesh.nodes.get(2).close();
                } catch (InterruptedException ignored) {
                    Thread.currentThread().interrupt();
                }
            });
            killer.start();
            var e = assertThrows(MeshflException.class, () -> mesh.coordinator.runJob(JobLoader.parse(yaml, "job.yaml"), yaml, rec));
            killer.join();
            assertTrue(e.getMessage().contains("telco") && e.getMessage().contains("cannot go on"), e.getMessage());
            RunRecord run = mesh.catalog.runs().get(0);
            assertEquals(RunRecord.FAILED, run.status());
            assertTrue(mesh.catalog.modelsForRun(run.id()).isEmpty(), "no model is stored for a failed run");
        }
    }
}

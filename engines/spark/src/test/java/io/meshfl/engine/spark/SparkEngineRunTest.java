package io.meshfl.engine.spark;

import com.fasterxml.jackson.databind.JsonNode;
import io.meshfl.cli.Main;
import io.meshfl.core.report.RunReport;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A vertical job through the command line's embedded mesh (a coordinator and a node per domain, real
 * gRPC over mutual TLS on loopback), once with the nodes' own engine and once with every node's
 * alignment on Spark (and, for vertical logistic regression, its rows and their arithmetic): the
 * protocols do not notice; the same rows align and the same model trains.
 */
class SparkEngineRunTest {

    @TempDir
    Path dir;

    private JsonNode run(String name, String... engine) throws Exception {
        return runJob("job.yaml", name, engine);
    }

    private JsonNode runJob(String job, String name, String... engine) throws Exception {
        List<String> args = new ArrayList<>(List.of("run", "--job", dir.resolve(job).toString(), "--catalog", dir.resolve("catalog-" + name).toString(),
                "--state", dir.resolve("state-" + name).toString(), "--report", dir.resolve(name + ".json").toString()));
        args.addAll(List.of(engine));
        assertEquals(0, Main.execute(args.toArray(String[]::new)), "meshfl run " + args);
        return RunReport.JSON.readTree(dir.resolve(name + ".json").toFile());
    }

    /** {@code job}'s report, what it printed also kept in {@code printed} (the nodes' logs of an embedded mesh). */
    private static JsonNode printing(java.io.ByteArrayOutputStream printed, java.util.concurrent.Callable<JsonNode> job) throws Exception {
        java.io.PrintStream out = System.out;
        System.setOut(new java.io.PrintStream(new java.io.OutputStream() {
            @Override
            public void write(int b) {
                out.write(b);
                printed.write(b);
            }

            @Override
            public void write(byte[] b, int off, int len) {
                out.write(b, off, len);
                printed.write(b, off, len);
            }
        }, true));
        try {
            return job.call();
        } finally {
            System.setOut(out);
        }
    }

    @Test
    void aVerticalJobTrainsTheSameModelWhenItsNodesAlignOnSpark() throws Exception {
        VerticalProducts.write(dir, 3_000);
        JsonNode own = run("jvm");
        java.io.ByteArrayOutputStream printed = new java.io.ByteArrayOutputStream();
        JsonNode spark = printing(printed, () -> run("spark", "--engine", "spark", "--engine-conf", SparkEngine.PARTITION_ROWS + "=300"));
        // every party's rows were read, scaled and worked on by Spark's executors, not the nodes' own reader
        for (String product : List.of("bank", "shop", "telco")) {
            assertTrue(printed.toString().contains("rows of " + product + ".customers: 2100 aligned rows of 2700 in 7 blocks on Spark's executors"),
                    product + ": " + printed);
        }
        assertEquals(2_100.0, own.path("metrics").path("psi_intersection").asDouble(), "each party misses a different tenth");
        assertEquals(own.path("metrics").path("psi_intersection").asDouble(), spark.path("metrics").path("psi_intersection").asDouble());
        double auc = own.path("metrics").path("auc").asDouble();
        assertTrue(auc > 0.7, "AUC " + auc);
        // the same aligned rows in the same order: the same batches, the same fixed-point sums, the same model
        assertEquals(auc, spark.path("metrics").path("auc").asDouble(), 1e-12);
        assertEquals(own.path("metrics").path("loss").asDouble(), spark.path("metrics").path("loss").asDouble(), 1e-12);
    }

    @Test
    void withAQuarterHeldOutBothEnginesLearnTheSameScalingAndBinsAndScoreTheSameRows() throws Exception {
        VerticalProducts.write(dir, 2_000);
        for (String job : List.of("job-holdout.yaml", "job-boost-holdout.yaml")) {
            JsonNode own = runJob(job, job + "-jvm");
            JsonNode spark = runJob(job, job + "-spark", "--engine", "spark", "--engine-conf", SparkEngine.PARTITION_ROWS + "=300");
            double auc = own.path("metrics").path("auc").asDouble();
            assertTrue(auc > 0.7, job + " AUC " + auc);
            assertTrue(own.path("metrics").has("train_auc"), job + ": scored apart on the held-out rows " + own.path("metrics"));
            for (String m : List.of("auc", "train_auc", "loss")) {
                assertEquals(own.path("metrics").path(m).asDouble(), spark.path("metrics").path(m).asDouble(), 1e-12, job + " " + m);
            }
        }
    }

    @Test
    void aHorizontalJobTrainsTheSameModelOnANodeWhoseEngineIsSpark() throws Exception {
        // horizontal training reads its rows in the node's JVM on either engine (its local epochs are not on the executors)
        VerticalProducts.horizontal(dir, 1_500);
        JsonNode own = runJob("job-horizontal.yaml", "horizontal-jvm");
        JsonNode spark = runJob("job-horizontal.yaml", "horizontal-spark", "--engine", "spark");
        double auc = own.path("metrics").path("auc").asDouble();
        assertTrue(auc > 0.7, "AUC " + auc);
        for (String m : List.of("auc", "loss")) {
            assertEquals(own.path("metrics").path(m).asDouble(), spark.path("metrics").path(m).asDouble(), 1e-12, m);
        }
    }

    @Test
    void anEvaluationProductIsScoredAlikeOnBothEngines() throws Exception {
        VerticalProducts.write(dir, 2_000);
        VerticalProducts.withRecent(dir, 1_600);
        for (String job : List.of("job-eval.yaml", "job-boost-eval.yaml")) {
            JsonNode own = runJob(job, job + "-jvm");
            java.io.ByteArrayOutputStream printed = new java.io.ByteArrayOutputStream();
            JsonNode spark = printing(printed, () -> runJob(job, job + "-spark", "--engine", "spark", "--engine-conf", SparkEngine.PARTITION_ROWS + "=300"));
            // vertical names the evaluation rows eval_rows, SecureBoost holdout_rows
            String counted = own.path("metrics").has("eval_rows") ? "eval_rows" : "holdout_rows";
            double rows = own.path("metrics").path(counted).asDouble();
            assertTrue(rows > 200, job + ": the recent customers all three hold " + own.path("metrics"));
            // the evaluation rows were read onto the executors too: in vertical the bank's recent product; in SecureBoost, whose label
            // holder reads in its JVM, a feature holder's rows of those customers
            String evaluated = job.equals("job-eval.yaml") ? "bank.recent" : "shop.customers";
            assertTrue(printed.toString().contains("rows of " + evaluated + ": " + (int) rows + " aligned rows of"), job + ": " + evaluated);
            for (String m : List.of("auc", "train_auc", "loss", "log_loss", counted)) {
                assertEquals(own.path("metrics").path(m).asDouble(), spark.path("metrics").path(m).asDouble(), 1e-12, job + " " + m);
            }
        }
    }

    @Test
    void boostedTreesAndASplitNetworkTrainTheSameModelsWhenTheirNodesAlignOnSpark() throws Exception {
        VerticalProducts.write(dir, 2_000);
        for (String job : List.of("job-boost.yaml", "job-split.yaml")) {
            JsonNode own = runJob(job, job + "-jvm");
            java.io.ByteArrayOutputStream printed = new java.io.ByteArrayOutputStream();
            JsonNode spark = printing(printed, () -> runJob(job, job + "-spark", "--engine", "spark", "--engine-conf", SparkEngine.PARTITION_ROWS + "=300"));
            if (job.equals("job-boost.yaml")) {
                // the feature holders' rows, bins and encrypted histograms were on Spark's executors
                for (String product : List.of("shop", "telco")) {
                    assertTrue(printed.toString().contains("rows of " + product + ".customers: 1400 aligned rows of 1800 in 5 blocks on Spark's executors"),
                            product + ": " + printed);
                }
            }
            assertEquals(1_400.0, own.path("metrics").path("psi_intersection").asDouble(), job);
            assertEquals(own.path("metrics").path("psi_intersection").asDouble(), spark.path("metrics").path("psi_intersection").asDouble(), job);
            double auc = own.path("metrics").path("auc").asDouble();
            assertTrue(auc > 0.7, job + " AUC " + auc);
            // the same aligned rows in the same order: the same bins and exact sums, the same seeded network and batches
            assertEquals(auc, spark.path("metrics").path("auc").asDouble(), 1e-12, job);
            assertEquals(own.path("metrics").path("loss").asDouble(), spark.path("metrics").path("loss").asDouble(), 1e-12, job);
        }
    }
}

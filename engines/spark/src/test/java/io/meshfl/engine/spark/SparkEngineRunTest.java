package io.meshfl.engine.spark;

import com.fasterxml.jackson.databind.JsonNode;
import io.meshfl.cli.Main;
import io.meshfl.core.report.RunReport;
import io.meshfl.core.testing.CustomerContracts;
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
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A vertical job through the command line's embedded mesh (a coordinator and a node per domain, real
 * gRPC over mutual TLS on loopback), once with the nodes' own engine and once with every node's
 * alignment on Spark: the protocols do not notice; the same rows align and the same model trains.
 */
class SparkEngineRunTest {

    @TempDir
    Path dir;

    private void products(int customers) throws Exception {
        Random r = new Random(11);
        String[][] cols = {{"a0", "a1"}, {"b0", "b1"}, {"c0"}};
        String[] domains = {"bank", "shop", "telco"};
        double[][] x = new double[customers][5];
        int[] y = new int[customers];
        for (int i = 0; i < customers; i++) {
            double z = 0;
            for (int j = 0; j < 5; j++) {
                x[i][j] = r.nextGaussian();
                z += (j % 2 == 0 ? 1.2 : -0.8) * x[i][j];
            }
            y[i] = r.nextDouble() < 1 / (1 + Math.exp(-z)) ? 1 : 0;
        }
        for (int d = 0; d < 3; d++) {
            List<Integer> ids = new ArrayList<>();
            for (int i = 0; i < customers; i++) if (i % 10 != d) ids.add(i);
            Collections.shuffle(ids, r);
            StringBuilder csv = new StringBuilder("cid");
            if (d == 0) csv.append(",target");
            for (String c : cols[d]) csv.append(',').append(c);
            csv.append('\n');
            for (int i : ids) {
                csv.append("C").append(i);
                if (d == 0) csv.append(',').append(y[i]);
                for (int k = 0; k < cols[d].length; k++) csv.append(',').append(String.format(Locale.ROOT, "%.6f", x[i][d * 2 + k]));
                csv.append('\n');
            }
            Files.writeString(dir.resolve(domains[d] + ".csv"), csv);
            StringBuilder props = new StringBuilder(CustomerContracts.PII_KEY);
            if (d == 0) props.append("      - {name: target, logicalType: integer}\n");
            for (String c : cols[d]) props.append("      - {name: ").append(c).append(", logicalType: number}\n");
            Files.writeString(dir.resolve(domains[d] + ".yaml"), CustomerContracts.yaml(domains[d], props.toString(),
                    "  consumers: [{identity: 'client:operator'}]\n" + (d == 0 ? "  label: target\n" : "")));
        }
        Files.writeString(dir.resolve("job.yaml"), """
                name: spark-vertical
                products: [bank.customers, shop.customers, telco.customers]
                label: target
                model: {type: logistic}
                vertical: {epochs: 3, batchSize: 256, lr: 0.3, keyBits: 1024, tol: 0}
                seed: 3
                """);
    }

    private JsonNode run(String name, String... engine) throws Exception {
        List<String> args = new ArrayList<>(List.of("run", "--job", dir.resolve("job.yaml").toString(), "--catalog", dir.resolve("catalog-" + name).toString(),
                "--state", dir.resolve("state-" + name).toString(), "--report", dir.resolve(name + ".json").toString()));
        args.addAll(List.of(engine));
        assertEquals(0, Main.execute(args.toArray(String[]::new)), "meshfl run " + args);
        return RunReport.JSON.readTree(dir.resolve(name + ".json").toFile());
    }

    @Test
    void aVerticalJobTrainsTheSameModelWhenItsNodesAlignOnSpark() throws Exception {
        products(3_000);
        JsonNode own = run("jvm");
        JsonNode spark = run("spark", "--engine", "spark", "--engine-conf", SparkEngine.PARTITION_ROWS + "=300");
        assertEquals(2_100.0, own.path("metrics").path("psi_intersection").asDouble(), "each party misses a different tenth");
        assertEquals(own.path("metrics").path("psi_intersection").asDouble(), spark.path("metrics").path("psi_intersection").asDouble());
        double auc = own.path("metrics").path("auc").asDouble();
        assertTrue(auc > 0.7, "AUC " + auc);
        // the same aligned rows in the same order: the same batches, the same fixed-point sums, the same model
        assertEquals(auc, spark.path("metrics").path("auc").asDouble(), 1e-12);
        assertEquals(own.path("metrics").path("loss").asDouble(), spark.path("metrics").path("loss").asDouble(), 1e-12);
    }
}

package io.meshfl.cli;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.meshfl.coordinator.JobObserver;
import io.meshfl.coordinator.PredictOptions;
import io.meshfl.core.catalog.Catalog;
import io.meshfl.core.contract.ContractLoader;
import io.meshfl.core.metrics.Metrics;
import io.meshfl.core.plan.JobLoader;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * The credit example with 8% of the customers (2,400 of 30,000) unknown to payments: the vertical
 * model trains on the 27,600 both domains know, and scoring lists all 30,000 of lending's customers
 * with coverage, the 2,400 scored with payments' part at its means (or left unscored when refused).
 * The derived payments file lives in a temporary folder; the shared files are read in place.
 */
@Tag("realdata")
class RealDataEveryRowTest {

    @TempDir
    Path dir;

    @Test
    void everyCreditCustomerIsScoredWhenPaymentsDoesNotKnowEightPercent() throws Exception {
        assumeTrue(SharedData.present(), "../shared/datasets is absent");
        Path example = SharedData.repoRoot().resolve("examples/default-credit-hetero");
        Path guest = SharedData.datasets().resolve("default_credit_hetero_guest.csv");
        List<String> host = Files.readAllLines(SharedData.datasets().resolve("default_credit_hetero_host.csv"));
        List<String> kept = new ArrayList<>(List.of(host.get(0)));
        int dropped = 0;
        for (int i = 1; i < host.size(); i++) {
            if (i % 25 == 3 || i % 25 == 15) dropped++;
            else kept.add(host.get(i));
        }
        assertEquals(2400, dropped);
        Files.write(dir.resolve("payments.csv"), kept);
        // both owners also grant lending the scoring of their products, which online serving from lending's own process needs
        String grant = "    - {identity: \"client:operator\", may: [train, predict], protocols: [vertical, split, secureboost]}\n";
        String grants = grant + "    - {identity: \"domain:lending\", may: [predict], protocols: [vertical]}\n";
        Files.writeString(dir.resolve("lending.accounts.yaml"), Files.readString(example.resolve("lending.accounts.yaml"))
                .replace("../../../shared/datasets/default_credit_hetero_guest.csv", guest.toString()).replace(grant, grants));
        Files.writeString(dir.resolve("payments.history.yaml"), Files.readString(example.resolve("payments.history.yaml"))
                .replace("../../../shared/datasets/default_credit_hetero_host.csv", "payments.csv").replace(grant, grants));
        assertTrue(Files.readString(dir.resolve("payments.history.yaml")).contains("domain:lending"), "the grant was added");
        String job = Files.readString(example.resolve("job.yaml"));
        JobObserver quiet = JobObserver.logging(line -> System.out.println("  " + line));
        try (Catalog cat = Catalog.inMemory("every-row" + System.nanoTime());
             EmbeddedMesh mesh = new EmbeddedMesh(cat, ContractLoader.loadDirectory(dir), s -> { })) {
            ObjectNode run = mesh.coordinator().runJob(JobLoader.parse(job, "job.yaml"), job, quiet);
            assertEquals(27600.0, run.path("metrics").path("psi_intersection").asDouble());
            String model = run.path("model_id").asText();
            List<String> products = List.of("lending.accounts", "payments.history");

            long t0 = System.nanoTime();
            ObjectNode imputed = mesh.coordinator().predict(model, products, null, new PredictOptions("impute-mean", "default-scores", "parquet"), quiet);
            double seconds = (System.nanoTime() - t0) / 1e9;
            assertEquals(30000, imputed.path("rows").asInt());
            assertEquals(30000, imputed.path("metrics").path("rows_scored").asInt(), "every customer of lending gets a score");
            assertEquals(27600, imputed.path("metrics").path("rows_with:payments").asInt());
            // a version of lending's own product; an embedded node keeps its outputs in the machine's temporary folder, which may hold earlier ones
            assertTrue(imputed.path("product").asText().startsWith("lending.default-scores@1.0."), imputed.path("product").asText());

            // AUC of the rows payments knows against the ones scored with its part at its means, from the file and lending's labels
            Map<String, Double> label = new HashMap<>();
            List<String> g = Files.readAllLines(guest);
            for (String l : g.subList(1, g.size())) {
                String[] f = l.split(",", 3);
                label.put(f[0], Double.parseDouble(f[1]));
            }
            List<String> lines = Files.readAllLines(Path.of(imputed.path("predictions").asText()));
            List<String> head = List.of(lines.get(0).split(","));
            int pred = head.indexOf("prediction"), part = head.indexOf("part_payments");
            List<double[]> known = new ArrayList<>(), unknown = new ArrayList<>();
            for (String l : lines.subList(1, lines.size())) {
                String[] f = l.split(",");
                (f[part].equals("1") ? known : unknown).add(new double[]{Double.parseDouble(f[pred]), label.get(f[0])});
            }
            assertEquals(2400, unknown.size());
            double all = imputed.path("metrics").path("auc").asDouble(), aucKnown = auc(known), aucUnknown = auc(unknown);
            System.out.printf("default-credit, payments missing 8%%: AUC all 30,000 %.4f, the 27,600 payments knows %.4f, the 2,400 imputed %.4f "
                    + "(training AUC %.4f); scored in %.1f s%n", all, aucKnown, aucUnknown, run.path("metrics").path("auc").asDouble(), seconds);
            assertTrue(all > 0.70 && aucKnown > 0.70, "AUC " + all + " / " + aucKnown);
            // payments' columns carry much of the signal (0.563 measured): lending's part alone ranks the imputed rows better than chance only
            assertTrue(aucUnknown > 0.53, "lending's part alone still ranks the imputed rows: AUC " + aucUnknown);

            // online serving of the same model answers every customer as batch scoring did, key by key, without another alignment
            Map<String, Double> batch = new HashMap<>();
            for (String l : lines.subList(1, lines.size())) batch.put(l.split(",")[0], Double.parseDouble(l.split(",")[pred]));
            String[] keys = batch.keySet().toArray(new String[0]);
            long s0 = System.nanoTime();
            try (io.meshfl.coordinator.ServingClient serving = mesh.serve("lending", model, products, io.meshfl.core.protocol.scoring.Missing.IMPUTE_MEAN)) {
                double open = (System.nanoTime() - s0) / 1e9;
                long c0 = System.nanoTime();
                int unknownServed = 0;
                for (int from = 0; from < keys.length; from += 1000) {
                    String[] asked = java.util.Arrays.copyOfRange(keys, from, Math.min(keys.length, from + 1000));
                    var a = serving.score(asked);
                    for (int i = 0; i < asked.length; i++) {
                        assertEquals(batch.get(asked[i]), a.predictions()[i], batch.get(asked[i]) * 6e-6, asked[i]);
                        if (!a.known().get("payments")[i]) unknownServed++;
                    }
                }
                assertEquals(2400, unknownServed);
                System.out.printf("default-credit served online: session opened in %.2f s, 30,000 customers in batches of 1,000 in %.2f s, "
                        + "each as batch scoring gave%n", open, (System.nanoTime() - c0) / 1e9);
            }

            ObjectNode refused = mesh.coordinator().predict(model, products, null, PredictOptions.NONE, quiet);
            assertEquals(30000, refused.path("rows").asInt());
            assertEquals(27600, refused.path("metrics").path("rows_scored").asInt());
            assertEquals(aucKnown, refused.path("metrics").path("auc").asDouble(), 1e-4, "refused rows are left out of the metrics");
        }
    }

    private static double auc(List<double[]> rows) {
        double[] p = new double[rows.size()], y = new double[rows.size()];
        for (int i = 0; i < p.length; i++) {
            p[i] = rows.get(i)[0];
            y[i] = rows.get(i)[1];
        }
        return Metrics.auc(p, y);
    }
}

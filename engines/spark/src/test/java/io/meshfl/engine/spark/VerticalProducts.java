package io.meshfl.engine.spark;

import io.meshfl.core.testing.CustomerContracts;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import java.util.Random;

/**
 * Three domains' products of one set of customers (bank: the label and two columns, shop: two, telco: one; each missing
 * a different tenth, in its own order) and jobs over them in {@code dir}: vertical logistic regression ({@code job.yaml}),
 * SecureBoost ({@code job-boost.yaml}), both with a quarter of the rows held out ({@code job-holdout.yaml},
 * {@code job-boost-holdout.yaml}), and a split network whose label holder keeps its labels ({@code job-split.yaml}).
 */
final class VerticalProducts {

    private VerticalProducts() {
    }

    static void write(Path dir, int customers) throws Exception {
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
        job(dir, "job.yaml", "spark-vertical", "model: {type: logistic}\nvertical: {epochs: 3, batchSize: 256, lr: 0.3, keyBits: 1024, tol: 0}");
        job(dir, "job-boost.yaml", "spark-boost", "model: {type: gbdt}\nboost: {trees: 3, depth: 2, lr: 0.3, bins: 16, keyBits: 1024}");
        // a seeded quarter held out: the scaling and bins learned from the other rows, the model scored on the held-out ones
        job(dir, "job-holdout.yaml", "spark-vertical-holdout", "model: {type: logistic}\nvertical: {epochs: 3, batchSize: 256, lr: 0.3, keyBits: 1024, "
                + "tol: 0}\nevaluation: {holdout: 0.25}");
        job(dir, "job-boost-holdout.yaml", "spark-boost-holdout", "model: {type: gbdt}\nboost: {trees: 3, depth: 2, lr: 0.3, bins: 16, keyBits: 1024}"
                + "\nevaluation: {holdout: 0.25}");
        job(dir, "job-split.yaml", "spark-split", "model: {type: splitnn}\nsplit: {bottomHidden: [8], cutWidth: 4, topHidden: [4], epochs: 3, "
                + "batchSize: 128, lr: 0.01, optimizer: adam, labels: bank}");
    }

    /** A job over the three products, its model and settings given as YAML lines. */
    private static void job(Path dir, String file, String name, String model) throws Exception {
        Files.writeString(dir.resolve(file), "name: " + name + "\nproducts: [bank.customers, shop.customers, telco.customers]\nlabel: target\n"
                + model + "\nseed: 3\n");
    }

    /**
     * Moves the bank's customers from {@code from} on into a product of their own ({@code bank.recent}), which only evaluates,
     * and writes jobs that train on the rest and evaluate on it: vertical ({@code job-eval.yaml}) and SecureBoost
     * ({@code job-boost-eval.yaml}); the other parties score their own rows of those customers.
     */
    static void withRecent(Path dir, int from) throws Exception {
        List<String> lines = Files.readAllLines(dir.resolve("bank.csv"));
        List<String> old = new ArrayList<>(List.of(lines.get(0))), recent = new ArrayList<>(List.of(lines.get(0)));
        for (String line : lines.subList(1, lines.size())) (Integer.parseInt(line.substring(1, line.indexOf(','))) >= from ? recent : old).add(line);
        Files.write(dir.resolve("bank.csv"), old);
        Files.write(dir.resolve("bank-recent.csv"), recent);
        Files.writeString(dir.resolve("bank-recent.yaml"), Files.readString(dir.resolve("bank.yaml")).replace("id: bank.customers", "id: bank.recent")
                .replace("dataProduct: customers", "dataProduct: recent").replace("path: bank.csv", "path: bank-recent.csv"));
        job(dir, "job-eval.yaml", "spark-vertical-eval", "model: {type: logistic}\nvertical: {epochs: 3, batchSize: 256, lr: 0.3, keyBits: 1024, "
                + "tol: 0}\nevaluation: {products: [bank.recent]}");
        job(dir, "job-boost-eval.yaml", "spark-boost-eval", "model: {type: gbdt}\nboost: {trees: 3, depth: 2, lr: 0.3, bins: 16, keyBits: 1024}"
                + "\nevaluation: {products: [bank.recent]}");
    }

    /**
     * Two regions' products of the same columns (north and south, each its own customers, the label included) and a
     * horizontal logistic job over them ({@code job-horizontal.yaml}): federated averaging of local epochs.
     */
    static void horizontal(Path dir, int customers) throws Exception {
        Random r = new Random(12);
        for (String region : List.of("north", "south")) {
            StringBuilder csv = new StringBuilder("cid,target,a0,a1,a2\n");
            for (int i = 0; i < customers; i++) {
                double[] x = {r.nextGaussian(), r.nextGaussian(), r.nextGaussian()};
                double z = 1.2 * x[0] - 0.8 * x[1] + 0.5 * x[2] + (region.equals("north") ? 0.3 : -0.3);
                csv.append(region.charAt(0)).append(i).append(',').append(r.nextDouble() < 1 / (1 + Math.exp(-z)) ? 1 : 0);
                for (double v : x) csv.append(',').append(String.format(Locale.ROOT, "%.6f", v));
                csv.append('\n');
            }
            Files.writeString(dir.resolve(region + ".csv"), csv);
            Files.writeString(dir.resolve(region + ".yaml"), CustomerContracts.yaml(region, CustomerContracts.PII_KEY
                            + "      - {name: target, logicalType: integer}\n      - {name: a0, logicalType: number}\n"
                            + "      - {name: a1, logicalType: number}\n      - {name: a2, logicalType: number}\n",
                    "  consumers: [{identity: 'client:operator'}]\n  label: target\n"));
        }
        Files.writeString(dir.resolve("job-horizontal.yaml"), "name: spark-horizontal\nproducts: [north.customers, south.customers]\nlabel: target\n"
                + "model: {type: logistic}\naggregator: {name: fedavg, fraction: 1.0, minNodes: 2}\n"
                + "local: {epochs: 1, batchSize: 64, optimizer: sgd, lr: 0.05}\nrounds: 5\nseed: 3\n");
    }
}

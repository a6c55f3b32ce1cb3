package io.meshfl.bench;

import io.meshfl.coordinator.JobObserver;
import io.meshfl.core.contract.ContractLoader;
import io.meshfl.core.contract.DataContract;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Random;

/** Tiny seeded products on disk (CSV + contract per domain) and the horizontal job over them. */
final class BenchData {

    /** Follows a job without printing anything. */
    static final JobObserver QUIET = JobObserver.QUIET;

    private BenchData() {
    }

    /** Writes products d0.rows, d1.rows, ... with {@code rows} rows of {@code features} features and a binary label. */
    static List<DataContract> writeProducts(Path dir, int domains, int rows, int features, long seed) throws IOException {
        Random rng = new Random(seed);
        double[] w = new double[features];
        for (int j = 0; j < features; j++) w[j] = rng.nextGaussian();
        List<DataContract> out = new ArrayList<>();
        for (int d = 0; d < domains; d++) {
            StringBuilder csv = new StringBuilder("id");
            for (int j = 0; j < features; j++) csv.append(",f").append(j);
            csv.append(",y\n");
            for (int i = 0; i < rows; i++) {
                double z = 0;
                csv.append("d").append(d).append('-').append(i);
                for (int j = 0; j < features; j++) {
                    double x = rng.nextGaussian();
                    z += w[j] * x;
                    csv.append(',').append(String.format(Locale.ROOT, "%.5f", x));
                }
                // both classes on every node, whatever the draw, so evaluation always has positives and negatives
                int y = i < 2 ? i : (rng.nextDouble() < 1 / (1 + Math.exp(-z)) ? 1 : 0);
                csv.append(',').append(y).append('\n');
            }
            Files.writeString(dir.resolve("d" + d + ".csv"), csv);
            StringBuilder props = new StringBuilder("      - {name: id, logicalType: string, primaryKey: true, classification: pii}\n");
            for (int j = 0; j < features; j++) props.append("      - {name: f").append(j).append(", logicalType: number}\n");
            props.append("      - {name: y, logicalType: integer}\n");
            String yaml = """
                    apiVersion: v3.0.2
                    kind: DataContract
                    id: d%1$d.rows
                    version: 1.0.0
                    domain: d%1$d
                    dataProduct: rows
                    servers:
                      - {server: local, type: csv, path: d%1$d.csv}
                    schema:
                      - name: rows
                        properties:
                    %2$smeshfl:
                      entityKey: id
                      consumers: [{identity: 'client:operator'}]
                      label: y
                    """.formatted(d, props);
            Path file = dir.resolve("d" + d + ".rows.yaml");
            Files.writeString(file, yaml);
            out.add(ContractLoader.load(file));
        }
        return out;
    }

    /** The job the in-process {@code Simulator} runs, over the products written above. */
    static String job(String name, int domains, int rounds, String model, long seed) {
        StringBuilder products = new StringBuilder();
        for (int d = 0; d < domains; d++) products.append(d == 0 ? "" : ", ").append("d").append(d).append(".rows");
        return """
                name: %s
                products: [%s]
                label: y
                model: %s
                aggregator: {name: fedavg, fraction: 1.0, minNodes: 1}
                local: {epochs: 1, batchSize: 32, lr: 0.1}
                rounds: %d
                roundTimeoutSeconds: 600
                evaluation: {holdout: 0.2}
                seed: %d
                """.formatted(name, products, model, rounds, seed);
    }

    static void deleteTree(Path dir) {
        try (var files = Files.walk(dir)) {
            files.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (IOException e) {
            // a temp folder left behind is harmless
        }
    }

    /**
     * A product {@code <domain>.rows} of {@code rows} x {@code features} Gaussian columns keyed by
     * {@code id} (and a 30%-positive label {@code y} if {@code label}), as CSV plus its contract.
     */
    static void writeVerticalProduct(Path dir, String domain, int rows, int features, boolean label, long seed) throws IOException {
        java.util.Random r = new java.util.Random(seed);
        try (java.io.BufferedWriter w = Files.newBufferedWriter(dir.resolve(domain + ".csv"))) {
            w.write("id");
            if (label) w.write(",y");
            for (int j = 0; j < features; j++) w.write(",f" + j);
            w.write('\n');
            java.util.Random lab = new java.util.Random(99);
            for (int i = 0; i < rows; i++) {
                w.write("k" + i);
                if (label) w.write(lab.nextDouble() < 0.3 ? ",1" : ",0");
                for (int j = 0; j < features; j++) w.write(String.format(java.util.Locale.ROOT, ",%.4f", r.nextGaussian()));
                w.write('\n');
            }
        }
        StringBuilder props = new StringBuilder("      - {name: id, logicalType: string, primaryKey: true}\n");
        if (label) props.append("      - {name: y, logicalType: integer}\n");
        for (int j = 0; j < features; j++) props.append("      - {name: f").append(j).append(", logicalType: number}\n");
        Files.writeString(dir.resolve(domain + ".yaml"), """
                apiVersion: v3.0.2
                kind: DataContract
                id: %1$s.rows
                version: 1.0.0
                domain: %1$s
                dataProduct: rows
                servers:
                  - {server: local, type: csv, path: %1$s.csv}
                schema:
                  - name: rows
                    properties:
                %2$smeshfl:
                  entityKey: id
                  consumers: [{identity: 'client:operator'}]
                %3$s
                """.formatted(domain, props, label ? "  label: y" : ""));
    }
}

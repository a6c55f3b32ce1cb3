package io.meshfl.bench;

import io.meshfl.cli.EmbeddedMesh;
import io.meshfl.coordinator.JobObserver;
import io.meshfl.core.catalog.Catalog;
import io.meshfl.core.catalog.IntegrationStore;
import io.meshfl.core.contract.ContractLoader;
import io.meshfl.core.plan.JobLoader;
import io.meshfl.core.protocol.horizontal.RoundSummary;

import java.io.BufferedWriter;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Random;

/**
 * Training over a many-to-one join whose products keep their rows, two nodes over loopback gRPC,
 * 1024-bit Paillier: federated-factorized (the dimension's domain works once per customer)
 * against vertical training over the join built in the dimension's domain (one row per order
 * there, the best a vertical protocol can do with the same products), per full-batch iteration,
 * over a range of tuple ratios. Writes the {@code fedjoin} block of docs/benchmarks.md.
 */
public final class FederatedJoinBench {

    private static final int ORDERS = 20_000;
    private static final int ORDER_FEATURES = 5;
    private static final int CUSTOMER_FEATURES = 20;
    private static final int ITERATIONS = 4;

    public static void main(String[] args) throws Exception {
        StringBuilder md = new StringBuilder();
        md.append(String.format(Locale.ROOT, "%,d orders x %d columns (label holder) many-to-one customers x %d columns, 1024-bit keys, "
                + "%d full-batch iterations, median seconds per iteration (training step and evaluation) over loopback gRPC:%n%n",
                ORDERS, ORDER_FEATURES, CUSTOMER_FEATURES, ITERATIONS));
        md.append("| tuple ratio | customers | federated-factorized s/iter | vertical over the built join s/iter | speed-up "
                + "| bytes/iter factorized | bytes/iter vertical | AUC factorized | AUC vertical |\n|---|---|---|---|---|---|---|---|---|\n");
        for (int ratio : new int[]{1, 5, 20, 50}) {
            int customers = ORDERS / ratio;
            Path dir = Files.createTempDirectory("meshfl-fedjoin");
            try {
                write(dir, customers);
                double[] fed = run(dir, """
                        name: fedjoin
                        products: [sales.orders, crm.customers]
                        label: y
                        model: {type: logistic}
                        integration: orders-customers
                        strategy: federated-factorized
                        joined: {iterations: %d, lr: 0.5, momentum: 0}
                        vertical: {keyBits: 1024, psiBatch: 65536}
                        roundTimeoutSeconds: 3600
                        """.formatted(ITERATIONS));
                double[] ver = run(dir, """
                        name: vertical-built
                        products: [sales.orders, crmjoin.orders]
                        label: y
                        model: {type: logistic}
                        strategy: vertical
                        vertical: {epochs: %d, batchSize: %d, lr: 0.5, tol: 0, keyBits: 1024, psiBatch: 65536}
                        roundTimeoutSeconds: 3600
                        """.formatted(ITERATIONS, ORDERS));
                md.append(String.format(Locale.ROOT, "| %d | %,d | %.2f | %.2f | %.2fx | %,.0f | %,.0f | %.4f | %.4f |%n", ratio, customers,
                        fed[0], ver[0], ver[0] / fed[0], fed[1], ver[1], fed[2], ver[2]));
                System.out.printf(Locale.ROOT, "ratio %d: federated-factorized %.2f s/iter, vertical %.2f s/iter%n", ratio, fed[0], ver[0]);
            } finally {
                BenchData.deleteTree(dir);
            }
        }
        md.append('\n').append(Docs.stamp()).append('\n');
        Docs.replaceBlock(Docs.docPath(args), "fedjoin", md.toString());
    }

    /** Median seconds and bytes per iteration, and the last AUC. */
    private static double[] run(Path dir, String job) throws Exception {
        List<Double> secs = new ArrayList<>();
        List<Double> bytes = new ArrayList<>();
        double[] auc = {Double.NaN};
        try (Catalog cat = Catalog.inMemory("fedjoin-" + System.nanoTime());
             EmbeddedMesh mesh = new EmbeddedMesh(cat, ContractLoader.loadDirectory(dir), s -> { })) {
            new IntegrationStore(cat).register("orders-customers", "1.0.0", Files.readString(dir.resolve("mesh.yaml")));
            mesh.coordinator().runJob(JobLoader.parse(job, "bench"), job, new JobObserver() {
                @Override
                public void plan(String explain) {
                }

                @Override
                public void round(RoundSummary s) {
                    secs.add(s.seconds());
                    bytes.add((double) (s.bytesSent() + s.bytesReceived()));
                    auc[0] = s.metrics().getOrDefault("auc", Double.NaN);
                }

                @Override
                public void log(String line) {
                }
            });
        }
        return new double[]{Stats.median(secs), Stats.median(bytes), auc[0]};
    }

    /** Orders with a label and a customer id, customers, and the join built on the customers' side (one row per order). */
    private static void write(Path dir, int customers) throws IOException {
        Random r = new Random(5);
        double[][] cust = new double[customers][CUSTOMER_FEATURES];
        for (double[] c : cust) for (int j = 0; j < c.length; j++) c[j] = r.nextGaussian();
        try (BufferedWriter o = Files.newBufferedWriter(dir.resolve("orders.csv"));
             BufferedWriter j = Files.newBufferedWriter(dir.resolve("joined.csv"))) {
            o.write("id,y,customer_id" + cols("f", ORDER_FEATURES, true) + "\n");
            j.write("id" + cols("g", CUSTOMER_FEATURES, true) + "\n");
            for (int i = 0; i < ORDERS; i++) {
                int c = r.nextInt(customers);
                double z = 0;
                StringBuilder f = new StringBuilder();
                for (int k = 0; k < ORDER_FEATURES; k++) {
                    double v = r.nextGaussian();
                    z += 0.3 * v;
                    f.append(String.format(Locale.ROOT, ",%.4f", v));
                }
                StringBuilder g = new StringBuilder();
                for (int k = 0; k < CUSTOMER_FEATURES; k++) {
                    z += 0.2 * cust[c][k];
                    g.append(String.format(Locale.ROOT, ",%.4f", cust[c][k]));
                }
                o.write("o" + i + "," + (r.nextDouble() < 1 / (1 + Math.exp(-z)) ? 1 : 0) + ",c" + c + f + "\n");
                j.write("o" + i + g + "\n");
            }
        }
        try (BufferedWriter c = Files.newBufferedWriter(dir.resolve("customers.csv"))) {
            c.write("id" + cols("g", CUSTOMER_FEATURES, true) + "\n");
            for (int i = 0; i < customers; i++) {
                StringBuilder g = new StringBuilder("c" + i);
                for (double v : cust[i]) g.append(String.format(Locale.ROOT, ",%.4f", v));
                c.write(g + "\n");
            }
        }
        contract(dir, "sales.orders", "orders.csv", "y", ORDER_FEATURES, "f", "      - {name: customer_id, logicalType: string}\n");
        contract(dir, "crm.customers", "customers.csv", null, CUSTOMER_FEATURES, "g", "");
        contract(dir, "crmjoin.orders", "joined.csv", null, CUSTOMER_FEATURES, "g", "");
        StringBuilder mesh = new StringBuilder("""
                apiVersion: v1.0.0
                kind: MeshIntegration
                id: orders-customers
                version: 1.0.0
                base: sales.orders
                relationships:
                  - {name: order-customer, from: {product: sales.orders, column: customer_id}, to: {product: crm.customers, column: id}, cardinality: many-to-one}
                columns:
                  - {target: y, product: sales.orders, column: y}
                """);
        for (int k = 0; k < ORDER_FEATURES; k++) mesh.append("  - {target: f").append(k).append(", product: sales.orders, column: f").append(k).append("}\n");
        for (int k = 0; k < CUSTOMER_FEATURES; k++) mesh.append("  - {target: g").append(k).append(", product: crm.customers, column: g").append(k).append("}\n");
        Files.writeString(dir.resolve("mesh.yaml"), mesh.toString());
    }

    private static void contract(Path dir, String id, String csv, String label, int features, String prefix, String extra) throws IOException {
        StringBuilder props = new StringBuilder("      - {name: id, logicalType: string, primaryKey: true}\n");
        if (label != null) props.append("      - {name: ").append(label).append(", logicalType: integer}\n");
        props.append(extra);
        for (int k = 0; k < features; k++) props.append("      - {name: ").append(prefix).append(k).append(", logicalType: number}\n");
        String domain = id.substring(0, id.indexOf('.'));
        Files.writeString(dir.resolve(domain + ".yaml"), """
                apiVersion: v3.0.2
                kind: DataContract
                id: %s
                version: 1.0.0
                domain: %s
                servers:
                  - {server: local, type: csv, path: %s}
                schema:
                  - name: rows
                    properties:
                %smeshfl:
                  entityKey: id
                  consumers: [{identity: 'client:operator'}]
                %s  features: [%s]
                  rawRowsMayLeave: false
                """.formatted(id, domain, csv, props, label == null ? "" : "  label: " + label + "\n", cols(prefix, features, false).substring(2)));
    }

    private static String cols(String prefix, int n, boolean leadingComma) {
        StringBuilder s = new StringBuilder();
        for (int k = 0; k < n; k++) s.append(", ").append(prefix).append(k);
        return leadingComma ? s.toString().replace(" ", "") : s.toString();
    }
}

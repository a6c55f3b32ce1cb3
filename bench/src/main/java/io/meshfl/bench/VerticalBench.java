package io.meshfl.bench;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.meshfl.cli.EmbeddedMesh;
import io.meshfl.coordinator.JobObserver;
import io.meshfl.core.catalog.Catalog;
import io.meshfl.core.contract.ContractLoader;
import io.meshfl.core.plan.JobLoader;
import io.meshfl.core.protocol.horizontal.RoundSummary;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;

/**
 * One vertical logistic-regression epoch between two nodes over loopback gRPC: a guest with
 * {@code rows} x 30 features and the label, a host with {@code rows} x 300 features, 1024-bit
 * Paillier keys; prints the PSI time (every key blinded by both sides, over the wire) and the
 * epoch time. Usage: {@code java -cp ... io.meshfl.bench.VerticalBench [rows] [hostFeatures] [batch]}.
 */
public final class VerticalBench {

    public static void main(String[] args) throws Exception {
        int rows = args.length > 0 ? Integer.parseInt(args[0]) : 100_000;
        int hostFeatures = args.length > 1 ? Integer.parseInt(args[1]) : 300;
        int batch = args.length > 2 ? Integer.parseInt(args[2]) : 8192;
        Path dir = Files.createTempDirectory("meshfl-vbench");
        BenchData.writeVerticalProduct(dir, "guest", rows, 30, true, 1);
        BenchData.writeVerticalProduct(dir, "host", rows, hostFeatures, false, 2);
        String job = """
                name: vertical-bench
                products: [guest.rows, host.rows]
                label: y
                model: {type: logistic}
                vertical: {epochs: 1, batchSize: %d, lr: 0.1, keyBits: 1024, psiBatch: 65536}
                roundTimeoutSeconds: 3600
                seed: 1
                """.formatted(batch);
        long t0 = System.nanoTime();
        try (Catalog cat = Catalog.inMemory("vbench"); EmbeddedMesh mesh = new EmbeddedMesh(cat, ContractLoader.loadDirectory(dir), s -> { })) {
            ObjectNode r = mesh.coordinator().runJob(JobLoader.parse(job, "bench"), job, new JobObserver() {
                @Override
                public void plan(String explain) {
                }

                @Override
                public void round(RoundSummary s) {
                    System.out.printf(Locale.ROOT, "epoch %d: %.1f s, %d bytes sent, %d received, auc %.4f%n", s.round(), s.seconds(),
                            s.bytesSent(), s.bytesReceived(), s.metrics().getOrDefault("auc", Double.NaN));
                }

                @Override
                public void log(String line) {
                    System.out.printf(Locale.ROOT, "[%6.1f s] %s%n", (System.nanoTime() - t0) / 1e9, line);
                }
            });
            System.out.printf(Locale.ROOT, "rows %d, guest 30 + host %d features, batch %d, total %.1f s, wire %d bytes%n", rows, hostFeatures,
                    batch, r.path("wall_seconds").asDouble(), r.path("bytes_sent").asLong() + r.path("bytes_received").asLong());
        } finally {
            BenchData.deleteTree(dir);
        }
    }
}

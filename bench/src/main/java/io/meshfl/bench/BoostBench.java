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
import java.util.Map;

/**
 * SecureBoost trees between two nodes over loopback gRPC: a guest with {@code rows} x 30 features
 * and the label, a host with {@code rows} x {@code hostFeatures}, 1024-bit Paillier keys, depth 3,
 * 32 bins; prints the PSI time and, per tree, the wall time and where it went (encryption,
 * histograms, decryption, split finding, the rest: network and bookkeeping).
 * Usage: {@code java -cp ... io.meshfl.bench.BoostBench [rows] [hostFeatures] [trees]}.
 */
public final class BoostBench {

    public static void main(String[] args) throws Exception {
        int rows = args.length > 0 ? Integer.parseInt(args[0]) : 100_000;
        int hostFeatures = args.length > 1 ? Integer.parseInt(args[1]) : 300;
        int trees = args.length > 2 ? Integer.parseInt(args[2]) : 2;
        Path dir = Files.createTempDirectory("meshfl-bbench");
        BenchData.writeVerticalProduct(dir, "guest", rows, 30, true, 1);
        BenchData.writeVerticalProduct(dir, "host", rows, hostFeatures, false, 2);
        String job = """
                name: boost-bench
                products: [guest.rows, host.rows]
                label: y
                model: {type: gbdt}
                boost: {trees: %d, depth: 3, bins: 32, lr: 0.3, keyBits: 1024}
                roundTimeoutSeconds: 3600
                seed: 1
                """.formatted(trees);
        long t0 = System.nanoTime();
        try (Catalog cat = Catalog.inMemory("bbench"); EmbeddedMesh mesh = new EmbeddedMesh(cat, ContractLoader.loadDirectory(dir), s -> { })) {
            ObjectNode r = mesh.coordinator().runJob(JobLoader.parse(job, "bench"), job, new JobObserver() {
                @Override
                public void plan(String explain) {
                }

                @Override
                public void round(RoundSummary s) {
                    System.out.println(treeLine(s));
                }

                @Override
                public void log(String line) {
                    System.out.printf(Locale.ROOT, "[%6.1f s] %s%n", (System.nanoTime() - t0) / 1e9, line);
                }
            });
            System.out.printf(Locale.ROOT, "rows %d, guest 30 + host %d features, %d trees, total %.1f s, wire %d bytes%n", rows, hostFeatures,
                    trees, r.path("wall_seconds").asDouble(), r.path("bytes_sent").asLong() + r.path("bytes_received").asLong());
        } finally {
            BenchData.deleteTree(dir);
        }
    }

    /** One tree's time and its breakdown, from the metrics the protocol reports per tree. */
    static String treeLine(RoundSummary s) {
        Map<String, Double> m = s.metrics();
        double enc = m.getOrDefault("encrypt_seconds", 0.0);
        double hist = m.getOrDefault("histogram_seconds", 0.0);
        double dec = m.getOrDefault("decrypt_seconds", 0.0);
        double split = m.getOrDefault("split_seconds", 0.0);
        return String.format(Locale.ROOT, "tree %d: %.1f s = encrypt %.1f + histograms %.1f + decrypt %.1f + splits %.1f + network/other %.1f;"
                        + " %.1f MB on the wire, auc %.4f", s.round(), s.seconds(), enc, hist, dec, split,
                Math.max(0, s.seconds() - enc - hist - dec - split), (s.bytesSent() + s.bytesReceived()) / 1e6,
                m.getOrDefault("auc", Double.NaN));
    }
}

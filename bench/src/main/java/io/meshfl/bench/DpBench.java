package io.meshfl.bench;

import com.fasterxml.jackson.databind.JsonNode;
import io.meshfl.cli.EmbeddedMesh;
import io.meshfl.core.catalog.Catalog;
import io.meshfl.core.contract.ContractLoader;
import io.meshfl.core.contract.DataContract;
import io.meshfl.core.plan.JobLoader;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * The cost of client-level DP on the default_credit_homo example (three card units of 8,000 rows,
 * 23 features, scored on the 6,000-row test product): seconds per round with and without the DP
 * wrapper over loopback gRPC, jobs alternating, then AUC against ε over a sweep of noise multipliers.
 */
public final class DpBench {

    static final String EXAMPLE = "examples/default-credit-homo";
    static final int WARMUP = 1;
    static final int MEASURED = 5;
    static final String DP = "privacy: {mode: central, clipping: fixed, clip: %s, noiseMultiplier: %s}\n";

    private DpBench() {
    }

    public static void main(String[] args) throws Exception {
        Path dir = Path.of(EXAMPLE);
        List<DataContract> contracts = ContractLoader.loadDirectory(dir);
        String plain = Files.readString(dir.resolve("job.yaml"));
        String withDp = plain + DP.formatted("0.1", "1.0");
        StringBuilder md = new StringBuilder();
        try (Catalog cat = Catalog.inMemory("bench-dp-" + System.nanoTime());
             EmbeddedMesh mesh = new EmbeddedMesh(cat, contracts, s -> { })) {
            List<Double> plainMs = new ArrayList<>();
            List<Double> dpMs = new ArrayList<>();
            JsonNode lastPlain = null;
            for (int i = 0; i < WARMUP + MEASURED; i++) {
                JsonNode p = mesh.coordinator().runJob(JobLoader.parse(plain, "plain"), plain, BenchData.QUIET);
                JsonNode d = mesh.coordinator().runJob(JobLoader.parse(withDp, "dp"), withDp, BenchData.QUIET);
                if (i >= WARMUP) {
                    plainMs.addAll(ms(p));
                    dpMs.addAll(ms(d));
                }
                lastPlain = p;
            }
            md.append(String.format(Locale.ROOT, "default_credit_homo (`%s`): 3 nodes x 8,000 rows, 23 features, logistic model, "
                    + "FedAvg over all nodes, 20 rounds of 1 local epoch, loopback gRPC (`EmbeddedMesh`). Plain and DP jobs alternate: "
                    + "%d warm-up pair, then %d measured pairs (%d rounds each kind).%n%n", EXAMPLE, WARMUP, MEASURED, plainMs.size()));
            md.append("| job | median round ms | p95 round ms | mean round ms |\n|---|---:|---:|---:|\n");
            md.append(row("FedAvg", plainMs)).append(row("DP-FedAvg (central, fixed clip 0.1, z 1.0)", dpMs));
            md.append(String.format(Locale.ROOT, "%nDP overhead per round (median DP - median plain): %.2f ms (%.1f%%).%n%n",
                    Stats.median(dpMs) - Stats.median(plainMs), 100 * (Stats.median(dpMs) / Stats.median(plainMs) - 1)));

            md.append("AUC on default_credit_homo_test against ε (δ = 1e-5, q = 1: every node trains every round, so there is "
                    + "no amplification by sampling), one seeded run each:\n\n");
            md.append("| privacy | clip | noise multiplier | ε after 20 rounds | AUC |\n|---|---:|---:|---:|---:|\n");
            md.append(String.format(Locale.ROOT, "| none | - | - | inf | %.4f |%n", lastPlain.path("metrics").path("auc").asDouble()));
            for (String[] c : new String[][]{{"1.0", "1.0"}, {"0.1", "0.5"}, {"0.1", "1.0"}, {"0.1", "2.0"}, {"0.1", "4.0"}, {"0.1", "8.0"}}) {
                String yaml = plain + DP.formatted(c[0], c[1]);
                JsonNode r = mesh.coordinator().runJob(JobLoader.parse(yaml, "dp"), yaml, BenchData.QUIET);
                md.append(String.format(Locale.ROOT, "| central, fixed | %s | %s | %.2f | %.4f |%n", c[0], c[1],
                        r.path("privacy").path("epsilon").asDouble(), r.path("metrics").path("auc").asDouble()));
            }
            String adaptive = plain + "privacy: {clipping: adaptive, clip: 0.1, noiseMultiplier: 2.0}\n";
            JsonNode a = mesh.coordinator().runJob(JobLoader.parse(adaptive, "adaptive"), adaptive, BenchData.QUIET);
            md.append(String.format(Locale.ROOT, "| central, adaptive (final clip %.3f) | 0.1 at start | 2.0 | %.2f | %.4f |%n",
                    a.path("metrics").path("dp_clip").asDouble(), a.path("privacy").path("epsilon").asDouble(),
                    a.path("metrics").path("auc").asDouble()));
            String local = plain + "privacy: {mode: local, clip: 0.1, noiseMultiplier: 1.0}\n";
            JsonNode r = mesh.coordinator().runJob(JobLoader.parse(local, "local"), local, BenchData.QUIET);
            md.append(String.format(Locale.ROOT, "| local (per node) | 0.1 | 1.0 | %.2f | %.4f |%n",
                    r.path("privacy").path("epsilon").asDouble(), r.path("metrics").path("auc").asDouble()));
        }
        md.append('\n').append(Docs.stamp()).append('\n');
        System.out.println(md);
        Docs.replaceBlock(Docs.docPath(args), "dp", md.toString());
    }

    private static List<Double> ms(JsonNode report) {
        List<Double> out = new ArrayList<>();
        for (JsonNode h : report.path("history")) out.add(1e3 * h.path("seconds").asDouble());
        return out;
    }

    private static String row(String name, List<Double> ms) {
        return String.format(Locale.ROOT, "| %s | %.2f | %.2f | %.2f |%n", name, Stats.median(ms), Stats.percentile(ms, 95), Stats.mean(ms));
    }
}

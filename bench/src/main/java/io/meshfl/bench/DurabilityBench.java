package io.meshfl.bench;

import com.fasterxml.jackson.databind.JsonNode;
import io.meshfl.cli.EmbeddedMesh;
import io.meshfl.coordinator.JobRunner;
import io.meshfl.core.catalog.Catalog;
import io.meshfl.core.contract.ContractLoader;
import io.meshfl.core.contract.DataContract;
import io.meshfl.core.plan.JobLoader;
import io.meshfl.core.testing.PostgresCluster;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * What committing every round costs a horizontal run: the default_credit_homo example for 100
 * rounds on an embedded mesh, its rounds committed at the end only (the floor), each as a record
 * (the previous version), or each with the checkpoint a resumed run goes on from (now), runs of
 * the three kinds interleaved; on the embedded catalog (H2 file, every commit written before it
 * returns) and on PostgreSQL (a throw-away cluster over TLS on loopback, fsync on).
 */
public final class DurabilityBench {

    static final String EXAMPLE = "examples/default-credit-homo";
    static final int ROUNDS = 100;
    static final int WARMUP = 1;
    static final int MEASURED = 5;

    private DurabilityBench() {
    }

    public static void main(String[] args) throws Exception {
        Path dir = Path.of(EXAMPLE);
        List<DataContract> contracts = ContractLoader.loadDirectory(dir);
        String yaml = Files.readString(dir.resolve("job.yaml")).replace("rounds: 20", "rounds: " + ROUNDS);
        if (!yaml.contains("rounds: " + ROUNDS)) throw new IllegalStateException(EXAMPLE + "/job.yaml no longer says 'rounds: 20'");
        StringBuilder md = new StringBuilder();
        md.append(String.format(Locale.ROOT, "default_credit_homo (`%s`): 3 nodes x 8,000 rows, 23 features, logistic model, FedAvg, "
                + "%d rounds, embedded mesh over loopback gRPC. The three kinds of run alternate: %d warm-up set, then %d measured sets; "
                + "wall time of the whole run as the coordinator drives it.%n%n", EXAMPLE, ROUNDS, WARMUP, MEASURED));
        md.append("| catalog | rounds committed | median run s | min run s | per round ms | against the floor | against the previous version |\n"
                + "|---|---|---:|---:|---:|---:|---:|\n");
        Path tmp = Files.createTempDirectory("meshfl-durability-");
        try (Catalog h2 = Catalog.open(tmp.resolve("catalog"))) {
            measure("H2 file (embedded)", h2, contracts, yaml, md);
        }
        if (PostgresCluster.binaries().isPresent()) {
            try (PostgresCluster pg = PostgresCluster.start();
                 Catalog c = Catalog.postgres(pg.createDatabase("durability"), PostgresCluster.USER, pg.password())) {
                measure("PostgreSQL (TLS on loopback, fsync on)", c, contracts, yaml, md);
            }
        } else {
            md.append("| PostgreSQL | not measured: the server binaries are not installed (Debian package postgresql) | | | | | |\n");
        }
        md.append('\n').append(Docs.stamp()).append('\n');
        System.out.println(md);
        Docs.replaceBlock(Docs.docPath(args), "durability", md.toString());
    }

    private static void measure(String name, Catalog catalog, List<DataContract> contracts, String yaml, StringBuilder md) throws Exception {
        Map<JobRunner.Durability, List<Double>> seconds = new EnumMap<>(JobRunner.Durability.class);
        try (EmbeddedMesh mesh = new EmbeddedMesh(catalog, contracts, s -> { })) {
            JobRunner runner = mesh.coordinator().runner();
            for (int i = 0; i < WARMUP + MEASURED; i++) {
                for (JobRunner.Durability d : JobRunner.Durability.values()) {
                    runner.durability(d);
                    long t0 = System.nanoTime();
                    JsonNode report = mesh.coordinator().runJob(JobLoader.parse(yaml, "job.yaml"), yaml, BenchData.QUIET);
                    double s = (System.nanoTime() - t0) / 1e9;
                    if (report.path("history").size() != ROUNDS) throw new IllegalStateException("a run did not do " + ROUNDS + " rounds");
                    if (catalog.rounds(report.path("run_id").asText()).size() != ROUNDS) {
                        throw new IllegalStateException("a run's rounds are not all in the catalog (" + d + ")");
                    }
                    if (i >= WARMUP) seconds.computeIfAbsent(d, k -> new ArrayList<>()).add(s);
                    System.out.printf(Locale.ROOT, "%s %s %.3f s%n", name, d, s);
                }
            }
            runner.durability(JobRunner.Durability.CHECKPOINT);
        }
        double floor = Stats.median(seconds.get(JobRunner.Durability.END));
        double previous = Stats.median(seconds.get(JobRunner.Durability.ROUND));
        for (JobRunner.Durability d : JobRunner.Durability.values()) {
            List<Double> s = seconds.get(d);
            double med = Stats.median(s);
            String label = switch (d) {
                case END -> "at the end only (floor)";
                case ROUND -> "each round, record only (previous version)";
                case CHECKPOINT -> "each round with its checkpoint (now)";
            };
            md.append(String.format(Locale.ROOT, "| %s | %s | %.3f | %.3f | %.2f | %.3f | %.3f |%n", name, label, med,
                    s.stream().mapToDouble(Double::doubleValue).min().orElseThrow(), 1e3 * med / ROUNDS, med / floor, med / previous));
        }
    }
}

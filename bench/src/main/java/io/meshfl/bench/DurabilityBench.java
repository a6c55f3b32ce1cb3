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
    static final int WARMUP = 2;
    static final int MEASURED = 25;

    private DurabilityBench() {
    }

    public static void main(String[] args) throws Exception {
        Path dir = Path.of(EXAMPLE);
        List<DataContract> contracts = ContractLoader.loadDirectory(dir);
        String yaml = Files.readString(dir.resolve("job.yaml")).replace("rounds: 20", "rounds: " + ROUNDS);
        if (!yaml.contains("rounds: " + ROUNDS)) throw new IllegalStateException(EXAMPLE + "/job.yaml no longer says 'rounds: 20'");
        StringBuilder md = new StringBuilder();
        md.append(String.format(Locale.ROOT, "default_credit_homo (`%s`): 3 nodes x 8,000 rows, 23 features, logistic model, FedAvg, "
                + "%d rounds, embedded mesh over loopback gRPC. The three kinds of run alternate, each set starting with the next kind: "
                + "%d warm-up set, then %d measured sets; wall time of the whole run as the coordinator drives it; the ratios are of medians.%n%n", EXAMPLE, ROUNDS, WARMUP, MEASURED));
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
        md.append("\nThe commits alone, timed one by one (250 rounds after 50 warm-up ones, a 24-parameter checkpoint as the job's and the six audit records of a round of three nodes), "
                + "against a round of the floor runs above:\n\n").append(commits);
        md.append('\n').append(Docs.stamp()).append('\n');
        System.out.println(md);
        Docs.replaceBlock(Docs.docPath(args), "durability", md.toString());
    }

    /** The table of commits timed alone, filled as each catalog is measured. */
    private static final StringBuilder commits = new StringBuilder("| catalog | the round's audit alone ms (the floor's commit) "
            + "| round record alone ms (the previous version's second commit) | round + checkpoint + audit ms (median) "
            + "| round + checkpoint + audit ms (p95) | floor round ms | added to a floor round (now minus the floor's commit) |\n"
            + "|---|---:|---:|---:|---:|---:|---:|\n");

    /** The six audit records of a round of three nodes (the model out, the update back). */
    private static List<io.meshfl.core.catalog.AuditRecord> audit(String jobId, String runId, int round) {
        List<io.meshfl.core.catalog.AuditRecord> out = new ArrayList<>();
        for (String node : List.of("bank", "shop", "telco")) {
            out.add(io.meshfl.core.catalog.AuditRecord.of(null, jobId, runId, "horizontal/fit", "coordinator", node, 400, "plain | grpc-mtls", round));
            out.add(io.meshfl.core.catalog.AuditRecord.of(null, jobId, runId, "horizontal/fit", node, "coordinator", 420, "plain | grpc-mtls", round));
        }
        return out;
    }

    private static void measure(String name, Catalog catalog, List<DataContract> contracts, String yaml, StringBuilder md) throws Exception {
        Map<JobRunner.Durability, List<Double>> seconds = new EnumMap<>(JobRunner.Durability.class);
        try (EmbeddedMesh mesh = new EmbeddedMesh(catalog, contracts, s -> { })) {
            JobRunner runner = mesh.coordinator().runner();
            for (int i = 0; i < WARMUP + MEASURED; i++) {
                JobRunner.Durability[] kinds = JobRunner.Durability.values();
                for (int k = 0; k < kinds.length; k++) {
                    // each set starts with another kind, so no kind always runs first (or last) in a set
                    JobRunner.Durability d = kinds[(i + k) % kinds.length];
                    runner.durability(d);
                    long t0 = System.nanoTime();
                    JsonNode report = mesh.coordinator().runJob(JobLoader.parse(yaml, "job.yaml"), yaml, BenchData.QUIET);
                    double s = (System.nanoTime() - t0) / 1e9;
                    if (report.path("history").size() != ROUNDS) throw new IllegalStateException("a run did not do " + ROUNDS + " rounds");
                    if (catalog.rounds(report.path("run_id").asText()).size() != ROUNDS) {
                        throw new IllegalStateException("a run's rounds are not all in the catalog (" + d + ")");
                    }
                    if (i >= WARMUP) seconds.computeIfAbsent(d, x -> new ArrayList<>()).add(s);
                    System.out.printf(Locale.ROOT, "%s %s %.3f s%n", name, d, s);
                }
            }
            runner.durability(JobRunner.Durability.CHECKPOINT);
        }
        // the commits alone, timed one by one on a run of their own: what each round waits for
        List<Double> commitMs = new ArrayList<>();
        List<Double> recordMs = new ArrayList<>();
        List<Double> auditMs = new ArrayList<>();
        var job = catalog.createJob("durability-commits", "name: durability-commits");
        var run = catalog.startRun(job.id(), "horizontal", "{}", "{}", 1, List.of());
        var run2 = catalog.startRun(job.id(), "horizontal", "{}", "{}", 1, List.of());
        var store = new io.meshfl.core.catalog.RunCheckpoints(catalog);
        double[] params = new double[24];
        for (int r = 1; r <= 300; r++) {
            var round = new io.meshfl.core.catalog.RoundRecord(r, 0.01, 1000, 1000, 3, 0, "{\"auc\":0.7,\"loss\":0.45}");
            long t0 = System.nanoTime();
            store.commit(run.id(), round, new io.meshfl.core.protocol.RunCheckpoint(r, Map.of("params", params), Map.of("seconds", 1.0)),
                    audit(job.id(), run.id(), r));
            long t1 = System.nanoTime();
            catalog.recordRound(run2.id(), round);
            long t2 = System.nanoTime();
            catalog.auditBatch(audit(job.id(), run2.id(), r));
            long t3 = System.nanoTime();
            if (r > 50) {
                commitMs.add((t1 - t0) / 1e6);
                recordMs.add((t2 - t1) / 1e6);
                auditMs.add((t3 - t2) / 1e6);
            }
        }
        catalog.finishRun(run.id(), "{}", 0, 0);
        catalog.finishRun(run2.id(), "{}", 0, 0);
        double floor = Stats.median(seconds.get(JobRunner.Durability.END));
        double added = Stats.median(commitMs) - Stats.median(auditMs);
        commits.append(String.format(Locale.ROOT, "| %s | %.3f | %.3f | %.3f | %.3f | %.3f | %.1f%% |%n", name, Stats.median(auditMs),
                Stats.median(recordMs), Stats.median(commitMs), Stats.percentile(commitMs, 95), 1e3 * floor / ROUNDS,
                100 * added / (1e3 * floor / ROUNDS)));
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

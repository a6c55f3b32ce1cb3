package io.meshfl.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.meshfl.cli.EmbeddedMesh;
import io.meshfl.cli.Simulator;
import io.meshfl.core.catalog.Catalog;
import io.meshfl.core.contract.DataContract;
import io.meshfl.core.plan.JobLoader;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * Seconds per round with trivial local work: 10 nodes with 20 rows of 4 features each, a
 * logistic model, every node fitting and evaluating every round. The same job runs over loopback
 * gRPC ({@link EmbeddedMesh}: a Netty server per node and for the coordinator on 127.0.0.1) and
 * over gRPC's in-process transport ({@link Simulator}); the difference is the transport.
 */
public final class RoundTimeBench {

    static final int NODES = 10;
    static final int ROWS = 20;
    static final int FEATURES = 4;
    static final int ROUNDS = 30;
    static final long SEED = 17;
    static final int WARMUP = 2;

    private RoundTimeBench() {
    }

    public static void main(String[] args) throws Exception {
        Path dir = Files.createTempDirectory("meshfl-bench-rounds");
        List<DataContract> contracts = BenchData.writeProducts(dir, NODES, ROWS, FEATURES, SEED);
        String yaml = BenchData.job("bench-rounds", NODES, ROUNDS, "{type: logistic}", SEED);
        ObjectNode loopback = null;
        ObjectNode inProcess = null;
        var spec = JobLoader.parse(yaml, "bench");
        try (Catalog cat = Catalog.inMemory("bench-rounds-" + System.nanoTime());
             EmbeddedMesh mesh = new EmbeddedMesh(cat, contracts, s -> { });
             Simulator sim = new Simulator(new Simulator.Config(NODES, ROWS, FEATURES, ROUNDS, 1.0, "logistic", SEED))) {
            // both meshes up at once and their jobs alternating, so both see the same JIT state and machine load;
            // the first WARMUP jobs on each are not measured
            for (int i = 0; i <= WARMUP; i++) {
                loopback = mesh.coordinator().runJob(spec, yaml, BenchData.QUIET);
                inProcess = sim.run(BenchData.QUIET);
            }
        }
        BenchData.deleteTree(dir);

        StringBuilder md = new StringBuilder();
        md.append(String.format(Locale.ROOT, "%d nodes x %d rows x %d features, logistic model (%d parameters), FedAvg over all nodes, "
                        + "1 local epoch; a round = fit on every node + federated evaluation on every node. "
                        + "Both meshes run side by side in one JVM, their jobs alternating: %d warm-up jobs of %d rounds on each, then the measured "
                        + "job of %d rounds on each.%n%n",
                NODES, ROWS, FEATURES, loopback.path("plan").path("num_params").asInt(), WARMUP, ROUNDS, ROUNDS));
        md.append("| transport | median round ms | p95 round ms | mean ms | min ms | max ms | job wall s | median bytes per round (sent+received) | wire_overhead |\n");
        md.append("|---|---:|---:|---:|---:|---:|---:|---:|---:|\n");
        row(md, "loopback gRPC (`EmbeddedMesh`, Netty on 127.0.0.1)", loopback);
        row(md, "in-process gRPC (`Simulator`)", inProcess);
        List<Double> lb = seconds(loopback);
        List<Double> ip = seconds(inProcess);
        md.append(String.format(Locale.ROOT, "%nTransport cost per round (median loopback - median in-process): %.2f ms for %d node calls "
                + "(a fit and an evaluate per node, the nodes of a step called in parallel). p95 is the nearest-rank 95th percentile "
                + "of the %d rounds.%n", 1e3 * (Stats.median(lb) - Stats.median(ip)), 2 * NODES, ROUNDS));
        md.append('\n').append(Docs.stamp()).append('\n');
        System.out.println(md);
        Docs.replaceBlock(Docs.docPath(args), "rounds", md.toString());
    }

    static List<Double> seconds(JsonNode report) {
        List<Double> out = new ArrayList<>();
        for (JsonNode h : report.path("history")) out.add(h.path("seconds").asDouble());
        return out;
    }

    private static void row(StringBuilder md, String name, JsonNode r) {
        List<Double> s = seconds(r);
        List<Double> bytes = new ArrayList<>();
        for (JsonNode h : r.path("history")) bytes.add((double) (h.path("bytes_sent").asLong() + h.path("bytes_received").asLong()));
        md.append(String.format(Locale.ROOT, "| %s | %.2f | %.2f | %.2f | %.2f | %.2f | %.2f | %,d | %.2f |%n", name,
                1e3 * Stats.median(s), 1e3 * Stats.percentile(s, 95), 1e3 * Stats.mean(s), 1e3 * Stats.min(s), 1e3 * Stats.max(s),
                r.path("wall_seconds").asDouble(), (long) Stats.median(bytes), r.path("wire_overhead").asDouble()));
    }
}

package io.meshfl.cli;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.grpc.ManagedChannel;
import io.grpc.inprocess.InProcessChannelBuilder;
import io.grpc.inprocess.InProcessServerBuilder;
import io.meshfl.coordinator.Coordinator;
import io.meshfl.coordinator.JobObserver;
import io.meshfl.core.catalog.Catalog;
import io.meshfl.core.contract.ContractLoader;
import io.meshfl.core.contract.DataContract;
import io.meshfl.core.data.Dataset;
import io.meshfl.core.plan.JobLoader;
import io.meshfl.core.plan.JobSpec;
import io.meshfl.node.DomainNode;

import java.lang.management.ManagementFactory;
import java.lang.management.MemoryPoolMXBean;
import java.lang.management.MemoryType;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;

/**
 * Many virtual domain nodes in one JVM: the real node and coordinator services over gRPC's
 * in-process transport, each node with its own seeded rows. For scale tests and benchmarks.
 */
public final class Simulator implements AutoCloseable {

    /** What to simulate. */
    public record Config(int nodes, int rowsPerNode, int features, int rounds, double fraction, String model, long seed) {
        public Config {
            if (nodes < 1) throw new IllegalArgumentException("--nodes must be >= 1, got " + nodes);
            if (rowsPerNode < 2) throw new IllegalArgumentException("--rows must be >= 2, got " + rowsPerNode);
            if (features < 1) throw new IllegalArgumentException("--features must be >= 1, got " + features);
        }
    }

    private final Config config;
    private final Catalog catalog;
    private final Coordinator coordinator;
    private final List<DomainNode> nodes = new ArrayList<>();
    private final List<ManagedChannel> channels = new ArrayList<>();

    public Simulator(Config config) throws Exception {
        this.config = config;
        catalog = Catalog.inMemory("sim-" + System.nanoTime());
        String coordName = InProcessServerBuilder.generateName();
        coordinator = new Coordinator(catalog, addr -> InProcessChannelBuilder.forName(addr).directExecutor().build(), 2000, s -> { })
                .transport("in-process gRPC")
                .start(InProcessServerBuilder.forName(coordName));
        ManagedChannel toCoordinator = InProcessChannelBuilder.forName(coordName).build();
        channels.add(toCoordinator);
        double[] truth = new Random(config.seed()).doubles(config.features(), -1, 1).toArray();
        for (int i = 0; i < config.nodes(); i++) {
            String domain = "sim" + i;
            DataContract c = ContractLoader.parse(contractYaml(domain, config.features()), null, false);
            long nodeSeed = config.seed() * 31 + i;
            DomainNode n = new DomainNode(domain, List.of(c), s -> { }, (contract, f, label) -> rows(nodeSeed, truth, config.rowsPerNode()));
            String name = InProcessServerBuilder.generateName();
            n.start(InProcessServerBuilder.forName(name).directExecutor(), name);
            n.joinCoordinator(toCoordinator);
            nodes.add(n);
        }
    }

    public Coordinator coordinator() {
        return coordinator;
    }

    /** Runs one horizontal job over every virtual node. */
    public ObjectNode run(JobObserver observer) {
        StringBuilder products = new StringBuilder();
        for (int i = 0; i < config.nodes(); i++) products.append(i == 0 ? "" : ", ").append("sim").append(i).append(".rows");
        String yaml = """
                name: simulation
                products: [%s]
                label: y
                model: {type: %s}
                aggregator: {name: fedavg, fraction: %s, minNodes: 1}
                local: {epochs: 1, batchSize: 32, lr: 0.1}
                rounds: %d
                roundTimeoutSeconds: 600
                evaluation: {holdout: 0.2}
                seed: %d
                """.formatted(products, config.model(), config.fraction(), config.rounds(), config.seed());
        JobSpec job = JobLoader.parse(yaml, "simulation");
        return coordinator.runJob(job, yaml, observer);
    }

    static Dataset rows(long seed, double[] truth, int rows) {
        Random r = new Random(seed);
        int d = truth.length;
        double[] x = new double[rows * d];
        double[] y = new double[rows];
        for (int i = 0; i < rows; i++) {
            double z = 0;
            for (int j = 0; j < d; j++) {
                double v = r.nextGaussian();
                x[i * d + j] = v;
                z += truth[j] * v;
            }
            y[i] = r.nextDouble() < 1 / (1 + Math.exp(-z)) ? 1 : 0;
        }
        List<String> names = new ArrayList<>();
        for (int j = 0; j < d; j++) names.add("f" + j);
        return new Dataset(names, x, y, null, rows);
    }

    static String contractYaml(String domain, int features) {
        StringBuilder props = new StringBuilder("      - {name: id, logicalType: string, primaryKey: true}\n");
        for (int j = 0; j < features; j++) props.append("      - {name: f").append(j).append(", logicalType: number}\n");
        props.append("      - {name: y, logicalType: integer}\n");
        return """
                apiVersion: v3.0.2
                kind: DataContract
                id: %1$s.rows
                version: 1.0.0
                domain: %1$s
                dataProduct: rows
                servers:
                  - {server: simulated, type: csv, path: %1$s.csv}
                schema:
                  - name: rows
                    properties:
                %2$smeshfl:
                  entityKey: id
                  consumers: [{identity: 'client:operator'}]
                  label: y
                """.formatted(domain, props);
    }

    /** Peak heap use across all heap pools since the JVM started or the last reset, in bytes. */
    public static long peakHeapBytes() {
        long peak = 0;
        for (MemoryPoolMXBean p : ManagementFactory.getMemoryPoolMXBeans()) {
            if (p.getType() == MemoryType.HEAP && p.getPeakUsage() != null) peak += p.getPeakUsage().getUsed();
        }
        return peak;
    }

    public static void resetPeaks() {
        for (MemoryPoolMXBean p : ManagementFactory.getMemoryPoolMXBeans()) p.resetPeakUsage();
    }

    @Override
    public void close() {
        for (DomainNode n : nodes) n.close();
        for (ManagedChannel c : channels) c.shutdownNow();
        coordinator.close();
        catalog.close();
    }
}

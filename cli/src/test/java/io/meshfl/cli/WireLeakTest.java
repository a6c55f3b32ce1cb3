package io.meshfl.cli;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.grpc.ManagedChannel;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import io.meshfl.coordinator.Coordinator;
import io.meshfl.coordinator.JobObserver;
import io.meshfl.core.catalog.Catalog;
import io.meshfl.core.catalog.IntegrationStore;
import io.meshfl.core.contract.ContractLoader;
import io.meshfl.core.contract.DataContract;
import io.meshfl.core.data.Dataset;
import io.meshfl.core.data.ProductReader;
import io.meshfl.core.plan.JobLoader;
import io.meshfl.node.DomainNode;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * Captures every byte between the coordinator and the nodes (both directions, registration and
 * heartbeats included) during a horizontal, a vertical and a split job on the FATE breast data,
 * and looks in it for any raw feature value of any row (as a float64 in either byte order, or as
 * text) and for any run of labels (32 or more float64 values that are all 0 or 1, both present).
 * Plaintext gRPC on purpose: the capture sees what mutual TLS would carry inside. Two positive
 * controls show the search finds what does cross when a job lets it: label sharing in split
 * learning, and rows a policy lets leave.
 */
@Tag("realdata")
class WireLeakTest {

    @TempDir
    Path tmp;

    /** What crossed, and what in it looked like data. */
    record Scan(long bytes, int featureHits, int labelRuns, String firstHit) {
    }

    @Test
    void horizontalVerticalAndSplitJobsCarryNoRawFeatureValueAndNoLabel() throws Exception {
        assumeTrue(SharedData.present(), "../shared/datasets is absent");
        Path examples = SharedData.repoRoot().resolve("examples");
        Map<String, Scan> scans = new TreeMap<>();
        scans.put("horizontal", capture(examples.resolve("breast-homo"), Files.readString(examples.resolve("breast-homo/job.yaml")), null));
        scans.put("vertical", capture(examples.resolve("breast-hetero"), Files.readString(examples.resolve("breast-hetero/job.yaml")), null));
        scans.put("split", capture(examples.resolve("breast-hetero"), Files.readString(examples.resolve("breast-hetero/job-splitnn.yaml"))
                .replace("epochs: 40", "epochs: 3"), null));
        scans.forEach((job, s) -> System.out.println("wire capture " + job + ": " + s));
        for (var e : scans.entrySet()) {
            assertTrue(e.getValue().bytes() > 50_000, e.getKey() + " job: the capture saw the traffic: " + e.getValue());
            assertEquals(0, e.getValue().featureHits(), e.getKey() + " job sent raw feature values: " + e.getValue());
            assertEquals(0, e.getValue().labelRuns(), e.getKey() + " job sent labels: " + e.getValue());
        }
    }

    @Test
    void theSearchFindsLabelsAndRowsWhereAJobLetsThemCross() throws Exception {
        assumeTrue(SharedData.present(), "../shared/datasets is absent");
        Path examples = SharedData.repoRoot().resolve("examples");
        String sharing = Files.readString(examples.resolve("breast-hetero/job-splitnn.yaml")).replace("epochs: 40", "epochs: 1")
                .replace("labels: oncology", "labels: coordinator");
        Scan labels = capture(examples.resolve("breast-hetero"), sharing, null);
        assertTrue(labels.labelRuns() > 0, "label sharing sends the labels to the coordinator: " + labels);

        // The same products with policies that let their rows leave, joined on the coordinator.
        Path open = tmp.resolve("open");
        Files.createDirectories(open);
        for (String f : List.of("oncology.diagnosis.yaml", "radiology.imaging.yaml")) {
            String yaml = Files.readString(examples.resolve("breast-hetero").resolve(f)).replace("rawRowsMayLeave: false", "rawRowsMayLeave: true")
                    .replace("protocols: [vertical, split, secureboost]", "protocols: [pooled]")
                    .replace("../../../shared/datasets", SharedData.datasets().toString());
            Files.writeString(open.resolve(f), yaml);
        }
        String job = """
                name: breast-pooled
                products: [oncology.diagnosis, radiology.imaging]
                label: y
                model: {type: logistic}
                integration: breast.patients
                strategy: materialized
                joined: {iterations: 5}
                """;
        Scan rows = capture(open, job, Files.readString(examples.resolve("breast-hetero/integration.yaml")));
        assertTrue(rows.featureHits() > 1000, "pooled rows carry their feature values: " + rows);
    }

    /**
     * Runs one job on a coordinator and one node per domain, every connection through a capturing
     * relay, and scans what crossed against the products' raw values and labels.
     */
    private Scan capture(Path contractsDir, String jobYaml, String integrationYaml) throws Exception {
        List<DataContract> contracts = ContractLoader.loadDirectory(contractsDir);
        List<TcpRelay> proxies = new ArrayList<>();
        List<DomainNode> nodes = new ArrayList<>();
        List<ManagedChannel> channels = new ArrayList<>();
        try (Catalog cat = Catalog.inMemory("wire-" + System.nanoTime())) {
            if (integrationYaml != null) {
                var in = io.meshfl.core.integration.IntegrationLoader.parse(integrationYaml, null, contracts);
                new IntegrationStore(cat).register(in.id(), in.version(), integrationYaml);
            }
            Coordinator coordinator = new Coordinator(cat, EmbeddedMesh::dial, 1000, s -> { })
                    .start(NettyServerBuilder.forAddress(new InetSocketAddress("127.0.0.1", 0)));
            try {
                TcpRelay toCoordinator = new TcpRelay(coordinator.port());
                proxies.add(toCoordinator);
                Map<String, List<DataContract>> byDomain = new TreeMap<>();
                for (DataContract c : contracts) byDomain.computeIfAbsent(c.domain(), k -> new ArrayList<>()).add(c);
                for (var e : byDomain.entrySet()) {
                    // the node's port is chosen before the relay in front of it opens its own, which the system may hand the
                    // same number: a port taken in between is chosen again
                    DomainNode n = null;
                    for (int attempt = 1; n == null; attempt++) {
                        int port = ProcessMesh.freePort();
                        TcpRelay toNode = new TcpRelay(port);
                        try {
                            n = new DomainNode(e.getKey(), e.getValue(), s -> { })
                                    .start(NettyServerBuilder.forAddress(new InetSocketAddress("127.0.0.1", port)), "127.0.0.1:" + toNode.port());
                            proxies.add(toNode);
                        } catch (java.io.IOException taken) {
                            toNode.close();
                            if (attempt == 5) throw taken;
                        }
                    }
                    nodes.add(n);
                    ManagedChannel ch = EmbeddedMesh.dial("127.0.0.1:" + toCoordinator.port());
                    channels.add(ch);
                    n.joinCoordinator(ch);
                }
                ObjectNode report = coordinator.runJob(JobLoader.parse(jobYaml, "job.yaml"), jobYaml, JobObserver.QUIET);
                assertTrue(report.path("metrics").path("auc").asDouble() > 0.9, report.path("metrics").toString());
            } finally {
                for (DomainNode n : nodes) n.close();
                for (ManagedChannel ch : channels) ch.shutdownNow();
                coordinator.close();
            }
        } finally {
            proxies.forEach(TcpRelay::close);
        }
        List<byte[]> streams = new ArrayList<>();
        for (TcpRelay p : proxies) streams.addAll(p.captured());
        return scan(streams, contracts);
    }

    private static Scan scan(List<byte[]> streams, List<DataContract> contracts) {
        Set<Long> values = new HashSet<>();
        for (DataContract c : contracts) {
            Dataset d = ProductReader.read(c, c.featureColumns(), null);
            for (double v : d.x()) {
                // Integers (counts, flags, small codes) also occur as sizes and indices; a leak shows in the fractional values.
                if (v != Math.rint(v)) values.add(Double.doubleToRawLongBits(v));
            }
        }
        long bytes = 0;
        int hits = 0;
        int runs = 0;
        String first = null;
        for (byte[] s : streams) {
            bytes += s.length;
            ByteBuffer le = ByteBuffer.wrap(s).order(ByteOrder.LITTLE_ENDIAN);
            ByteBuffer be = ByteBuffer.wrap(s).order(ByteOrder.BIG_ENDIAN);
            for (int i = 0; i + 8 <= s.length; i++) {
                long a = le.getLong(i);
                if (values.contains(a) || values.contains(be.getLong(i))) {
                    hits++;
                    if (first == null) first = "float64 " + Double.longBitsToDouble(values.contains(a) ? a : be.getLong(i)) + " at byte " + i;
                }
            }
            String text = new String(s, StandardCharsets.ISO_8859_1);
            java.util.regex.Matcher m = java.util.regex.Pattern.compile("-?[0-9]+\\.[0-9]{3,}").matcher(text);
            while (m.find()) {
                // the seconds of a time of day ("08:14:00.421110" in a ticket's or a seal's timestamp) are not a cell value,
                // however their fraction happens to read
                if (m.start() > 0 && text.charAt(m.start() - 1) == ':') continue;
                double v = Double.parseDouble(m.group());
                if (values.contains(Double.doubleToRawLongBits(v))) {
                    hits++;
                    if (first == null) first = "text '" + m.group() + "'";
                }
            }
            runs += labelRuns(le, s.length);
        }
        return new Scan(bytes, hits, runs, first);
    }

    /** Runs of 32 or more consecutive float64 values (at any byte alignment) that are all 0 or 1, with both present. */
    static int labelRuns(ByteBuffer le, int length) {
        int found = 0;
        for (int align = 0; align < 8; align++) {
            int run = 0;
            boolean zero = false;
            boolean one = false;
            for (int i = align; i + 8 <= length; i += 8) {
                double v = Double.longBitsToDouble(le.getLong(i));
                if (v == 0.0 || v == 1.0) {
                    run++;
                    zero |= v == 0.0;
                    one |= v == 1.0;
                    continue;
                }
                if (run >= 32 && zero && one) found++;
                run = 0;
                zero = one = false;
            }
            if (run >= 32 && zero && one) found++;
        }
        return found;
    }
}

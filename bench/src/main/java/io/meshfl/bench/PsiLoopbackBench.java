package io.meshfl.bench;

import io.meshfl.cli.EmbeddedMesh;
import io.meshfl.core.catalog.Catalog;
import io.meshfl.core.contract.ContractLoader;
import io.meshfl.core.protocol.NodeChannel;
import io.meshfl.core.protocol.psi.PsiRunner;

import java.io.BufferedWriter;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Private set intersection between two domain nodes over loopback gRPC, through the coordinator:
 * {@code n} keys on each side, half of them shared. Prints the time and the coordinator JVM's
 * peak heap. Usage: {@code java -cp ... io.meshfl.bench.PsiLoopbackBench [n]}.
 */
public final class PsiLoopbackBench {

    public static void main(String[] args) throws Exception {
        int n = args.length > 0 ? Integer.parseInt(args[0]) : 100_000;
        Path dir = Files.createTempDirectory("meshfl-psibench");
        write(dir, "left", 0, n);
        write(dir, "right", n / 2, n);
        List<io.meshfl.core.contract.DataContract> contracts = ContractLoader.loadDirectory(dir);
        try (Catalog cat = Catalog.inMemory("psibench"); EmbeddedMesh mesh = new EmbeddedMesh(cat, contracts, s -> { })) {
            Map<String, NodeChannel> ch = Map.of("left", mesh.coordinator().registry().channel("left").orElseThrow(),
                    "right", mesh.coordinator().registry().channel("right").orElseThrow());
            // the run opened on both nodes as the coordinator opens one: a job ticket signed by the mesh's operator (a scoring run aligns as a training run does, without a job spec to check)
            io.meshfl.core.trust.JobTicket ticket = new io.meshfl.core.trust.JobTicket(io.meshfl.core.trust.JobTicket.VERSION, "client:operator",
                    io.meshfl.core.trust.JobTicket.PREDICT, "psi-bench", "vertical", "0".repeat(64), io.meshfl.core.trust.JobTicket.freshNonce(),
                    contracts.stream().map(c -> new io.meshfl.core.trust.JobTicket.ProductVersion(c.id(), c.version())).toList(), null,
                    System.currentTimeMillis());
            for (NodeChannel c : ch.values()) {
                c.call(io.meshfl.core.protocol.Message.request("psi-bench", "psi-bench", io.meshfl.core.protocol.session.SessionSteps.PROTOCOL,
                        io.meshfl.core.protocol.session.SessionSteps.AUTHORIZE, 0, "node").withBlobs(Map.of("ticket",
                        io.meshfl.core.trust.SignedTicket.sign(ticket, io.meshfl.core.trust.Signer.load(
                                mesh.certs().resolve("client-" + EmbeddedMesh.OPERATOR + ".pem"),
                                mesh.certs().resolve("client-" + EmbeddedMesh.OPERATOR + "-key.pem"))).encode())), Duration.ofMinutes(1)).orThrow();
            }
            long t0 = System.nanoTime();
            PsiRunner.Result r = new PsiRunner(ch, Duration.ofMinutes(30), System.out::println, 1 << 16).run("psi-bench", "psi-bench",
                    List.of(new PsiRunner.Party("left", "left.keys"), new PsiRunner.Party("right", "right.keys")), false);
            double secs = (System.nanoTime() - t0) / 1e9;
            long peak = 0;
            for (var p : ManagementFactory.getMemoryPoolMXBeans()) {
                if (p.getType() == java.lang.management.MemoryType.HEAP) peak += p.getPeakUsage().getUsed();
            }
            long bytes = ch.values().stream().mapToLong(c -> c.bytesSent() + c.bytesReceived()).sum();
            System.out.printf(Locale.ROOT, "PSI %d x %d over loopback: %d common, %.1f s, %d wire bytes, peak heap (one JVM, both nodes and coordinator) %.0f MB%n",
                    n, n, r.intersection(), secs, bytes, peak / 1e6);
        } finally {
            BenchData.deleteTree(dir);
        }
    }

    private static void write(Path dir, String domain, int from, int n) throws Exception {
        try (BufferedWriter w = Files.newBufferedWriter(dir.resolve(domain + ".csv"))) {
            w.write("id,v\n");
            for (int i = from; i < from + n; i++) {
                w.write("customer-" + i + ",0\n");
            }
        }
        Files.writeString(dir.resolve(domain + ".yaml"), """
                apiVersion: v3.0.2
                kind: DataContract
                id: %1$s.keys
                version: 1.0.0
                domain: %1$s
                dataProduct: keys
                servers:
                  - {server: local, type: csv, path: %1$s.csv}
                schema:
                  - name: keys
                    properties:
                      - {name: id, logicalType: string, primaryKey: true}
                      - {name: v, logicalType: number}
                meshfl:
                  entityKey: id
                  consumers: [{identity: 'client:operator'}]
                """.formatted(domain));
    }
}

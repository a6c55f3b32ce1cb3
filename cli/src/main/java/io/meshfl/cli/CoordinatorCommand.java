package io.meshfl.cli;

import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import io.meshfl.coordinator.Coordinator;
import io.meshfl.coordinator.NodeDialer;
import io.meshfl.core.catalog.Catalog;
import io.meshfl.core.catalog.CatalogLease;
import io.meshfl.core.trust.MeshIdentity;
import io.meshfl.core.trust.TicketVerifier;
import io.meshfl.wire.tls.MeshTls;
import io.meshfl.wire.tls.PeerPolicy;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.util.concurrent.Callable;

/** {@code meshfl coordinator}: runs the coordinator process until stopped. */
@Command(name = "coordinator", mixinStandardHelpOptions = true, description = "Run the coordinator (catalog, planner, job runner).")
final class CoordinatorCommand implements Callable<Integer> {

    @Option(names = "--host", defaultValue = "127.0.0.1", description = "Address to listen on (default: ${DEFAULT-VALUE}).")
    String host;

    @Option(names = "--port", defaultValue = "7070", description = "Port to listen on; 0 picks a free one (default: ${DEFAULT-VALUE}).")
    int port;

    @picocli.CommandLine.Mixin
    CatalogOptions catalog;

    @Option(names = "--heartbeat-ms", defaultValue = "1000", description = "Node heartbeat interval; 3 missed beats mark a node lost.")
    int heartbeatMs;

    @Mixin
    TlsOptions tls;

    @Option(names = "--health", paramLabel = "HOST:PORT",
            description = "Serve liveness (GET /livez) and readiness (GET /readyz: catalog answering) probes over plain HTTP here. Off by default.")
    String health;

    @Option(names = "--http", paramLabel = "PORT",
            description = "Serve the REST API (HTTPS with the mesh's certificates; OpenAPI at /api/openapi.json) on this port of --host. Off by default.")
    Integer http;

    @Option(names = "--lineage", paramLabel = "TARGET",
            description = "Send the OpenLineage events of every run and promotion to file:PATH (one JSON event per line, appended) or "
                    + "http(s)://HOST:PORT (POST /api/v1/lineage, as Marquez, DataHub and OpenMetadata take them). Off by default.")
    String lineage;

    @Option(names = "--drift-alert", paramLabel = "PSI", defaultValue = "0.2",
            description = "The population stability index above which a scoring batch's drift of a feature or of the score is an alert "
                    + "(meshfl_drift_alerts_total and a line in the prediction's log). Default: ${DEFAULT-VALUE}, the usual significant shift.")
    double driftAlert;

    /** How often a standby asks for the catalog's lease, and the holder checks it still has it. */
    static final java.time.Duration LEASE_POLL = java.time.Duration.ofSeconds(1);

    @Override
    public Integer call() throws Exception {
        // an unusable target stops the coordinator before it serves, not at its first run
        io.meshfl.coordinator.lineage.LineageSink lineageSink = lineage == null ? null
                : io.meshfl.coordinator.lineage.LineageSink.parse("--lineage", lineage);
        MeshTls mtls = tls.load(MeshIdentity.Role.COORDINATOR, "coordinator");
        if (mtls != null) {
            mtls.log(System.out::println);
            String soon = mtls.expiryWarning();
            if (soon != null) System.out.println(soon);
        }
        if (http != null && mtls == null) {
            throw new io.meshfl.core.MeshflException(io.meshfl.core.ErrorCode.CRYPTO_FAILURE, "--http serves HTTPS with the mesh's certificates "
                    + "and takes callers by their client certificates: give the coordinator's key folder (--tls-dir), not --insecure");
        }
        InetSocketAddress at = new InetSocketAddress(host, port);
        // Nodes and clients present mesh certificates; Register checks the node's domain per call.
        NodeDialer dial = mtls == null ? (domain, address) -> EmbeddedMesh.dial(address)
                : (domain, address) -> mtls.dial(address, PeerPolicy.domain(domain));
        java.util.concurrent.atomic.AtomicReference<Coordinator> active = new java.util.concurrent.atomic.AtomicReference<>();
        // probes answer while this coordinator stands by too: alive, not ready
        io.meshfl.wire.health.HealthEndpoint probes = health == null ? null : io.meshfl.wire.health.HealthEndpoint.start(health, () -> {
            Coordinator c = active.get();
            return c == null ? "standing by for the catalog's lease" : c.notReady();
        });
        if (probes != null) System.out.println("health probes on " + health);
        try (Catalog cat = catalog.open();
             CatalogLease lease = CatalogLease.acquire(cat, LEASE_POLL, System.out::println);
             Coordinator c = new Coordinator(cat, dial, heartbeatMs, System.out::println)
                     .transport(mtls == null ? "plaintext gRPC" : "mutual TLS")
                     .trust(mtls == null ? TicketVerifier.unauthenticated() : mtls.ticketVerifier(), mtls == null ? null : mtls.signer())
                     .lineage(lineageSink)
                     .driftAlert(driftAlert)
                     .start(mtls == null ? NettyServerBuilder.forAddress(at) : mtls.server(at, PeerPolicy.anyMember()))) {
            active.set(c);
            // only the lease holder drives runs: one that loses it stops at once, as if it had crashed, and the standby resumes its runs
            lease.watch(LEASE_POLL, System.out::println, c::resumeOrphans, why -> {
                System.out.println("stopping: " + why + "; another coordinator resumes this one's runs");
                System.out.flush();
                Runtime.getRuntime().halt(3);
            });
            System.out.println("coordinator listening on " + host + ":" + c.port() + (mtls == null ? " (plaintext)" : " (mutual TLS)")
                    + ", catalog " + catalog.describe());
            // the arbiter of vertical training decrypts: on GMP, or the fallback and why
            System.out.println("crypto: " + io.meshfl.core.crypto.bigint.ModPow.choice());
            io.meshfl.web.ApiServer api = http == null ? null : io.meshfl.web.ApiServer.start(new InetSocketAddress(host, http), mtls,
                    new io.meshfl.web.Backend(cat, c.runner()::plan, mtls.ca(), new io.meshfl.web.RunnerJobs(c.runner(), System.out::println)),
                    System.out::println);
            if (api != null) System.out.println("REST API on https://" + host + ":" + api.port() + "/api (OpenAPI at /api/openapi.json), console at /console");
            System.out.flush();
            Runtime.getRuntime().addShutdownHook(new Thread(() -> {
                if (probes != null) probes.close();
                if (api != null) api.close();
                c.close();
            }));
            c.awaitTermination();
        }
        return 0;
    }
}

package io.meshfl.cli;

import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import io.meshfl.core.contract.ContractLoader;
import io.meshfl.core.contract.DataContract;
import io.meshfl.node.DomainNode;
import io.meshfl.core.trust.MeshIdentity;
import io.meshfl.wire.tls.MeshTls;
import io.meshfl.wire.tls.PeerPolicy;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;

/** {@code meshfl node}: runs one domain's node beside its data until stopped. */
@Command(name = "node", mixinStandardHelpOptions = true, description = "Run a domain node serving its own data products.")
final class NodeCommand implements Callable<Integer> {

    @Option(names = "--domain", required = true, description = "The domain this node serves.")
    String domain;

    @Option(names = "--contracts", required = true, description = "Folder of contracts; only this domain's are served.")
    Path contracts;

    @Option(names = "--coordinator", required = true, split = ",", paramLabel = "HOST:PORT",
            description = "host:port of the coordinator; several, comma-separated, for a coordinator with a standby: the node registers with "
                    + "the first that answers and moves on when it stops answering.")
    List<String> coordinators;

    @Option(names = "--host", defaultValue = "127.0.0.1", description = "Address to listen on (default: ${DEFAULT-VALUE}).")
    String host;

    @Option(names = "--port", defaultValue = "0", description = "Port to listen on; 0 picks a free one.")
    int port;

    @Option(names = "--advertise", paramLabel = "HOST:PORT", description = "The address the coordinator calls this node at, when it is not "
            + "where it listens (behind a Service, a NAT or another host name). Default: --host and --port when both are given and "
            + "--host is one address (not 0.0.0.0 or ::); else 127.0.0.1 and the port it listens on.")
    String advertise;

    /** Where the coordinator calls this node: as given, else the one address it listens on, else null (127.0.0.1 and its port). */
    String advertised() {
        if (advertise != null) return advertise;
        boolean one = !host.equals("0.0.0.0") && !host.equals("::") && !host.equals("127.0.0.1") && !host.equals("localhost");
        return one && port != 0 ? (host.contains(":") ? "[" + host + "]" : host) + ":" + port : null;
    }

    @Option(names = "--trainer", paramLabel = "NAME=COMMAND", description = "An external trainer this node may start for jobs whose model "
            + "is external and names it (repeatable); COMMAND is split on spaces and runs in this directory with MESHFL_TRAINER_SOCKET and "
            + "MESHFL_TRAINER_TOKEN set (docs/trainers.md).")
    List<String> trainers;

    @Option(names = "--state", description = "Folder for this node's model parts and predictions. Default: .meshfl/node-<domain>")
    Path state;

    @Option(names = "--engine", defaultValue = io.meshfl.node.engine.NodeEngines.JVM, description = "Where this node's per-row work runs: "
            + "jvm (this process, default) or spark (Apache Spark, local[2] unless --engine-conf spark.master=... names a cluster; "
            + "started with ./meshfl-spark, docs/scale.md).")
    String engine;

    @Option(names = "--engine-conf", paramLabel = "KEY=VALUE", description = "A setting of the engine (repeatable), e.g. spark.master=yarn.")
    java.util.Map<String, String> engineConf = new java.util.LinkedHashMap<>();

    @Mixin
    TlsOptions tls;

    @Option(names = "--health", paramLabel = "HOST:PORT", description = "Serve liveness (GET /livez) and readiness (GET /readyz: registered, "
            + "data readable) probes over plain HTTP here. Off by default.")
    String health;

    @Override
    public Integer call() throws Exception {
        // loads <domain>.pem and checks it is this domain's, unexpired and unrevoked before anything listens
        MeshTls mtls = tls.load(MeshIdentity.Role.DOMAIN, domain);
        if (mtls != null) {
            mtls.log(System.out::println);
            String soon = mtls.expiryWarning();
            if (soon != null) System.out.println(soon);
        }
        Path stateDir = state != null ? state : Path.of(".meshfl", "node-" + domain);
        List<DataContract> own = new java.util.ArrayList<>(ContractLoader.loadDirectory(contracts).stream().filter(c -> c.domain().equals(domain)).toList());
        own.addAll(published(stateDir, domain));
        InetSocketAddress at = new InetSocketAddress(host, port);
        // the native engines this node computes with (PSI blinding, Paillier decryption), or the fallbacks and why; a setting that cannot be met stops here
        String psi = io.meshfl.core.crypto.curve.X25519Engine.choice();
        String paillier = io.meshfl.core.crypto.bigint.ModPow.choice();
        DomainNode n = new DomainNode(domain, own, System.out::println)
                .engine(io.meshfl.node.engine.NodeEngines.open(engine, domain, own, engineConf, System.out::println));
        if (mtls != null) n.trust(mtls.ca(), mtls.revocations(), mtls.signer());
        n.trainers(io.meshfl.node.trainer.Trainers.parse(trainers));
        try (DomainNode node = n.stateDir(stateDir)
                .start(mtls == null ? NettyServerBuilder.forAddress(at) : mtls.server(at, PeerPolicy.coordinator()), advertised())) {
            // the probes answer while the node waits for a coordinator: alive, not ready
            io.meshfl.wire.health.HealthEndpoint probes = health == null ? null : io.meshfl.wire.health.HealthEndpoint.start(health, node::notReady);
            if (probes != null) System.out.println("health probes on " + health);
            Runtime.getRuntime().addShutdownHook(new Thread(() -> {
                if (probes != null) probes.close();
                node.close();
            }));
            List<io.grpc.ManagedChannel> channels = coordinators.stream()
                    .map(c -> mtls == null ? EmbeddedMesh.dial(c) : mtls.dial(c, PeerPolicy.coordinator())).toList();
            // retried with back-off until a coordinator answers or the node is stopped
            node.joinCoordinators(channels, coordinators, null, target -> TlsOptions.mismatch(target, mtls != null));
            System.out.println("node " + node.nodeId() + " of " + domain + " serving " + own.size() + " product(s) on "
                    + node.address() + ", registered with " + String.join(",", coordinators) + (mtls == null ? " (plaintext)" : " (mutual TLS)"));
            System.out.println("crypto: " + psi + "; " + paillier);
            System.out.flush();
            node.awaitTermination();
        }
        return 0;
    }

    /** The products this node published its predictions as ({@code products/NAME/contract.yaml} in its state folder): it serves them too. */
    static List<DataContract> published(Path stateDir, String domain) throws java.io.IOException {
        Path root = stateDir.resolve("products");
        if (!java.nio.file.Files.isDirectory(root)) return List.of();
        List<DataContract> out = new java.util.ArrayList<>();
        try (var folders = java.nio.file.Files.list(root)) {
            for (Path f : folders.sorted().toList()) {
                Path c = f.resolve("contract.yaml");
                if (!java.nio.file.Files.isRegularFile(c)) continue;
                DataContract dc = ContractLoader.load(c);
                if (!dc.domain().equals(domain)) {
                    throw new io.meshfl.core.MeshflException(io.meshfl.core.ErrorCode.CONTRACT_INVALID, c + ": a published product of domain '"
                            + dc.domain() + "' in the state folder of a node of '" + domain + "'");
                }
                System.out.println("serving published product " + dc.id() + " version " + dc.version());
                out.add(dc);
            }
        }
        return out;
    }
}

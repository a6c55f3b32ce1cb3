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

    @Option(names = "--coordinator", required = true, description = "host:port of the coordinator.")
    String coordinator;

    @Option(names = "--host", defaultValue = "127.0.0.1", description = "Address to listen on (default: ${DEFAULT-VALUE}).")
    String host;

    @Option(names = "--port", defaultValue = "0", description = "Port to listen on; 0 picks a free one.")
    int port;

    @Option(names = "--state", description = "Folder for this node's model parts and predictions. Default: .meshfl/node-<domain>")
    Path state;

    @Mixin
    TlsOptions tls;

    @Override
    public Integer call() throws Exception {
        // loads <domain>.pem and checks it is this domain's, unexpired and unrevoked before anything listens
        MeshTls mtls = tls.load(MeshIdentity.Role.DOMAIN, domain);
        if (mtls != null) {
            mtls.log(System.out::println);
            String soon = mtls.expiryWarning();
            if (soon != null) System.out.println(soon);
        }
        List<DataContract> own = ContractLoader.loadDirectory(contracts).stream().filter(c -> c.domain().equals(domain)).toList();
        InetSocketAddress at = new InetSocketAddress(host, port);
        DomainNode n = new DomainNode(domain, own, System.out::println);
        if (mtls != null) n.trust(mtls.ca(), mtls.revocations());
        try (DomainNode node = n.stateDir(state != null ? state : Path.of(".meshfl", "node-" + domain))
                .start(mtls == null ? NettyServerBuilder.forAddress(at) : mtls.server(at, PeerPolicy.coordinator()), null)) {
            TlsOptions.explainRefusal(coordinator, mtls != null, () ->
                    node.joinCoordinator(mtls == null ? EmbeddedMesh.dial(coordinator) : mtls.dial(coordinator, PeerPolicy.coordinator())));
            System.out.println("node " + node.nodeId() + " of " + domain + " serving " + own.size() + " product(s) on "
                    + node.address() + ", registered with " + coordinator + (mtls == null ? " (plaintext)" : " (mutual TLS)"));
            System.out.flush();
            Runtime.getRuntime().addShutdownHook(new Thread(node::close));
            node.awaitTermination();
        }
        return 0;
    }
}

package io.meshfl.cli;

import com.fasterxml.jackson.databind.JsonNode;
import io.grpc.ManagedChannel;
import io.meshfl.coordinator.ServingClient;
import io.meshfl.core.ErrorCode;
import io.meshfl.core.MeshflException;
import io.meshfl.core.protocol.scoring.Missing;
import io.meshfl.core.report.RunReport;
import io.meshfl.core.trust.MeshIdentity;
import io.meshfl.proto.CoordinatorServiceGrpc;
import io.meshfl.serving.ScoreEndpoint;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.net.InetSocketAddress;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;

/**
 * {@code meshfl serve}: online scoring with a stored model (vertical, boosted trees, split network or
 * horizontal), run by the requesting domain. It opens
 * a serving session at the coordinator under its own signed ticket (every party warms its index of
 * blinded keys once) and answers {@code POST /score} over HTTPS with mutual TLS to the identities it
 * allows; entity keys and predictions stay in this process.
 */
@Command(name = "serve", mixinStandardHelpOptions = true,
        description = "Serve a model online (vertical, secureboost, split, horizontal): POST /score {\"keys\": [...]} over HTTPS with the mesh's identities.")
final class ServeCommand implements Callable<Integer> {

    @Option(names = "--model", required = true, paramLabel = "MODEL|NAME[@VERSION]",
            description = "A model id, or a registered name or its output port model.NAME (its production version), with @VERSION for another version.")
    String model;

    @Option(names = "--products", required = true, split = ",", description = "One product per domain of the model, the requester's first.")
    List<String> products;

    @Option(names = "--missing", defaultValue = "refuse", paramLabel = "MODE",
            description = "A key a domain does not know: impute-mean (that domain's part at its means) or refuse (no score; default).")
    String missing;

    @Option(names = "--coordinator", required = true, description = "host:port of the running coordinator.")
    String coordinator;

    @Option(names = "--host", defaultValue = "127.0.0.1", description = "Address to listen on (default: ${DEFAULT-VALUE}).")
    String host;

    @Option(names = "--port", defaultValue = "8443", description = "HTTPS port; 0 picks a free one (default: ${DEFAULT-VALUE}).")
    int port;

    @Option(names = "--allow", split = ",", paramLabel = "ID",
            description = "Identities that may call /score (client:NAME, domain:NAME). Default: the serving identity only.")
    List<String> allow;

    @Option(names = "--refresh-seconds", defaultValue = "60", description = "How often the catalog is asked for newer versions of the "
            + "products; a newer one opens a new session over it (default: ${DEFAULT-VALUE}).")
    int refreshSeconds;

    @picocli.CommandLine.Mixin
    SubmitterTlsOptions tls;

    /** A running endpoint and its session, until closed. */
    record Served(io.meshfl.coordinator.RenewingServing client, ScoreEndpoint endpoint, ManagedChannel channel,
                  java.util.concurrent.ScheduledExecutorService checks) implements AutoCloseable {
        @Override
        public void close() {
            checks.shutdownNow();
            try (endpoint) {
                client.close();
            } finally {
                channel.shutdownNow();
            }
        }
    }

    @Override
    public Integer call() throws Exception {
        try (Served s = start()) {
            CountDownLatch stop = new CountDownLatch(1);
            Runtime.getRuntime().addShutdownHook(new Thread(() -> {
                s.close();
                stop.countDown();
            }));
            stop.await();
        }
        return 0;
    }

    /** Opens the session and starts the endpoint. */
    Served start() throws Exception {
        if (!tls.usingTls()) {
            throw new MeshflException(ErrorCode.JOB_INVALID, "--insecure: serving answers over HTTPS to the mesh's identities only; give --tls-dir");
        }
        Missing mode = Missing.parse(missing, "--missing");
        if (TlsOptions.role(tls.tlsIdentity) != MeshIdentity.Role.DOMAIN) {
            throw new MeshflException(ErrorCode.JOB_INVALID, "--tls-identity: the requesting domain serves its model (domain:NAME), whose "
                    + "certificate signs the session's key for the other parties; " + tls.tlsIdentity + " is not a domain");
        }
        var mtls = tls.load(TlsOptions.role(tls.tlsIdentity), TlsOptions.name(tls.tlsIdentity));
        ManagedChannel ch = tls.dialCoordinator(coordinator);
        try {
            var stub = CoordinatorServiceGrpc.newBlockingStub(ch);
            String modelId = resolve(stub);
            io.meshfl.proto.PlanReply[] plan = new io.meshfl.proto.PlanReply[1];
            TlsOptions.explainRefusal(coordinator, true, () -> plan[0] = stub.planPredict(io.meshfl.proto.PredictRequest.newBuilder()
                    .setModelId(modelId).addAllProducts(products).build()));
            var submitter = tls.submitter();
            var request = io.meshfl.proto.PredictRequest.newBuilder().setModelId(modelId).addAllProducts(products).build();
            java.util.function.Supplier<List<io.meshfl.core.trust.JobTicket.ProductVersion>> versions = () -> stub
                    .withDeadlineAfter(30, java.util.concurrent.TimeUnit.SECONDS).planPredict(request).getProductsList().stream()
                    .map(p -> new io.meshfl.core.trust.JobTicket.ProductVersion(p.getId(), p.getVersion())).toList();
            ServingClient.Link link = c -> {
                try {
                    return stub.withDeadlineAfter(30, java.util.concurrent.TimeUnit.SECONDS).serve(c);
                } catch (io.grpc.StatusRuntimeException e) {
                    throw new MeshflException(ErrorCode.COORDINATOR_FAILURE, "serving " + c.getStep() + " refused by the coordinator: "
                            + e.getStatus().getDescription());
                }
            };
            var keys = new ServingClient.Keys(tls.signer(), mtls.ca(), mtls.revocations());
            // each session under a fresh ticket over the products' versions of the moment: a node takes a ticket's nonce once
            java.util.function.Supplier<ServingClient> opener = () -> ServingClient.open(link, modelId, products,
                    submitter.sign(io.meshfl.coordinator.Tickets.draft(submitter.identity(), io.meshfl.core.trust.JobTicket.PREDICT,
                            "serve-" + modelId, plan[0].getStrategy(), ServingClient.spec(modelId, products), versions.get(), modelId)), mode, keys);
            var client = new io.meshfl.coordinator.RenewingServing(opener, versions, java.time.Duration.ofSeconds(5), System.out::println);
            Set<String> allowed = new LinkedHashSet<>(allow == null || allow.isEmpty() ? List.of(mtls.self().label()) : allow);
            ScoreEndpoint endpoint;
            try {
                endpoint = ScoreEndpoint.start(new InetSocketAddress(host, port), mtls, client, allowed, System.out::println);
            } catch (java.io.IOException | RuntimeException e) {
                client.close();
                throw e;
            }
            var checks = java.util.concurrent.Executors.newSingleThreadScheduledExecutor(r -> {
                Thread t = new Thread(r, "meshfl-serve-refresh");
                t.setDaemon(true);
                return t;
            });
            checks.scheduleWithFixedDelay(client::check, refreshSeconds, refreshSeconds, java.util.concurrent.TimeUnit.SECONDS);
            System.out.println("serving " + client.model() + " v" + client.version() + " (" + modelId + ", session " + client.current().session()
                    + ") at https://" + host + ":" + endpoint.port() + "/score for " + allowed + "; parties " + client.current().parties()
                    + "; unknown keys: " + mode.label());
            return new Served(client, endpoint, ch, checks);
        } catch (Exception e) {
            ch.shutdownNow();
            throw e;
        }
    }

    /** The model id {@code --model} names (see {@link ModelRefs}). */
    private String resolve(CoordinatorServiceGrpc.CoordinatorServiceBlockingStub stub) throws Exception {
        if (ModelRefs.isId(model)) return model;
        String[] json = new String[1];
        TlsOptions.explainRefusal(coordinator, true, () -> json[0] = stub.models(io.meshfl.proto.ModelsRequest.newBuilder().setAction("list").build())
                .getJson());
        return ModelRefs.resolve(model, RunReport.JSON.readTree(json[0]).path("models"), tls.tlsIdentity);
    }
}

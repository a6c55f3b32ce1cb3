package io.meshfl.cli;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.meshfl.coordinator.JobObserver;
import io.meshfl.core.catalog.Catalog;
import io.meshfl.core.contract.ContractLoader;
import io.meshfl.core.report.RunReport;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;

/** {@code meshfl predict}: scores rows spread over domains with a stored vertical, split-network or SecureBoost model. */
@Command(name = "predict", mixinStandardHelpOptions = true,
        description = "Score rows whose features are spread over domains; only partial scores move, the result lands with the requester.")
final class PredictCommand implements Callable<Integer> {

    @Option(names = "--model", required = true, paramLabel = "MODEL|NAME[@VERSION]", description = "A model id (see 'meshfl catalog models'), or a "
            + "registered name or its output port model.NAME (its production version), with @VERSION for another version.")
    String model;

    @Option(names = "--products", required = true, split = ",", description = "Scoring products, one per domain of the model.")
    List<String> products;

    @Option(names = "--requester", description = "Domain that receives the predictions. Default: the model's label holder.")
    String requester;

    @Option(names = "--missing", paramLabel = "MODE", description = "How a row of the requester's product that a domain of the model does "
            + "not know is scored: impute-mean (that domain's part at its means), fallback-model (by --fallback) or refuse (listed without a score; the default). "
            + "Every row is listed with coverage columns saying which parts were present.")
    String missing;

    @Option(names = "--fallback", paramLabel = "MODEL", description = "With --missing fallback-model: the model (same strategy, parts only "
            + "in domains given here) that scores the rows a domain of --model does not know.")
    String fallback;

    @Option(names = "--output", paramLabel = "NAME", description = "Publish the predictions as the requester's data product NAME "
            + "(each scoring a new version, with its contract, registered in the catalog).")
    String output;

    @Option(names = "--format", paramLabel = "csv|parquet", description = "Format of the --output product (default: csv).")
    String format;

    @Option(names = "--contracts", description = "Folder of data product contracts for the embedded mesh (without --coordinator).")
    Path contracts;

    @picocli.CommandLine.Mixin
    SubmitterTlsOptions tls;


    @Option(names = "--coordinator", description = "host:port of a running coordinator; several, comma-separated, for one with a standby.")
    String coordinator;

    @picocli.CommandLine.Mixin
    CatalogOptions catalog;

    @Option(names = "--state", paramLabel = "DIR", description = "Without --coordinator: the embedded mesh's folder for node state and "
            + "certificates (default: beside an embedded catalog; .meshfl with a PostgreSQL catalog).")
    Path state;

    @Option(names = "--report", description = "Write the scoring summary as JSON here.")
    Path report;

    @Override
    public Integer call() throws Exception {
        if (coordinator != null) return remote();
        if (contracts == null) {
            throw new io.meshfl.core.MeshflException(io.meshfl.core.ErrorCode.JOB_INVALID, "give --coordinator, or --contracts for an embedded mesh");
        }
        var all = ContractLoader.loadDirectory(contracts);
        try (Catalog cat = catalog.open();
             EmbeddedMesh mesh = new EmbeddedMesh(cat, all, s -> { }, (state != null ? state.resolve("nodes") : catalog.nodeState()))) {
            model = ModelRefs.resolve(model, ModelRefs.of(cat), "the operator");
            ObjectNode r = mesh.coordinator().predict(model, products, requester, options(), JobObserver.logging(line -> System.out.println("  " + line)));
            System.out.println(RunReport.JSON.writeValueAsString(r));
            if (report != null) java.nio.file.Files.writeString(report, RunReport.JSON.writeValueAsString(r));
        }
        return 0;
    }

    private io.meshfl.coordinator.PredictOptions options() {
        return new io.meshfl.coordinator.PredictOptions(missing, output, format, fallback);
    }

    private int remote() throws Exception {
        io.grpc.ManagedChannel ch = tls.dialCoordinator(coordinator);
        var submitter = tls.submitter();
        try {
            var stub = io.meshfl.proto.CoordinatorServiceGrpc.newBlockingStub(ch);
            if (!ModelRefs.isId(model)) {
                String[] json = new String[1];
                TlsOptions.explainRefusal(coordinator, tls.usingTls(), () -> json[0] = stub.models(io.meshfl.proto.ModelsRequest.newBuilder()
                        .setAction("list").build()).getJson());
                model = ModelRefs.resolve(model, RunReport.JSON.readTree(json[0]).path("models"), submitter.identity());
            }
            var request = io.meshfl.proto.PredictRequest.newBuilder().setModelId(model).addAllProducts(products)
                    .setRequester(requester == null ? "" : requester).setMissing(missing == null ? "" : missing)
                    .setOutputProduct(output == null ? "" : output).setOutputFormat(format == null ? "" : format)
                    .setFallbackModel(fallback == null ? "" : fallback).build();
            io.meshfl.proto.PlanReply[] plan = new io.meshfl.proto.PlanReply[1];
            TlsOptions.explainRefusal(coordinator, tls.usingTls(), () -> plan[0] = stub.planPredict(request));
            var ticket = submitter.sign(io.meshfl.coordinator.Tickets.draft(submitter.identity(), io.meshfl.core.trust.JobTicket.PREDICT,
                    plan[0].getJobName(), plan[0].getStrategy(), io.meshfl.coordinator.Tickets.predictSpec(model, products, requester, options()),
                    plan[0].getProductsList().stream().map(p -> new io.meshfl.core.trust.JobTicket.ProductVersion(p.getId(), p.getVersion())).toList(),
                    model));
            var events = stub.predict(request.toBuilder().setSignedTicket(com.google.protobuf.ByteString.copyFrom(ticket.encode())).build());
            while (TlsOptions.next(events, coordinator, "; the prediction's outcome is in the catalog ('meshfl catalog runs')")) {
                var e = events.next();
                switch (e.getKindCase()) {
                    case LOG -> System.out.println("  " + e.getLog());
                    case ERROR -> throw new io.meshfl.core.MeshflException(io.meshfl.core.ErrorCode.COORDINATOR_FAILURE,
                            "prediction failed on the coordinator: " + e.getError());
                    case REPORT_JSON -> {
                        var r = RunReport.JSON.readTree(e.getReportJson());
                        System.out.println(RunReport.JSON.writeValueAsString(r));
                        if (report != null) java.nio.file.Files.writeString(report, RunReport.JSON.writeValueAsString(r));
                        return 0;
                    }
                    default -> { }
                }
            }
            throw new io.meshfl.core.MeshflException(io.meshfl.core.ErrorCode.COORDINATOR_FAILURE, "coordinator closed the stream without a result");
        } finally {
            ch.shutdownNow();
        }
    }
}

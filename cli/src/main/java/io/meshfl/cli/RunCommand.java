package io.meshfl.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.grpc.ManagedChannel;
import io.meshfl.core.ErrorCode;
import io.meshfl.core.MeshflException;
import io.meshfl.core.catalog.Catalog;
import io.meshfl.core.catalog.IntegrationStore;
import io.meshfl.core.contract.ContractLoader;
import io.meshfl.core.integration.Integration;
import io.meshfl.core.integration.IntegrationLoader;
import io.meshfl.core.plan.JobLoader;
import io.meshfl.core.plan.JobSpec;
import io.meshfl.core.report.RunReport;
import io.meshfl.proto.CoordinatorServiceGrpc;
import io.meshfl.proto.JobEvent;
import io.meshfl.proto.JobRequest;
import io.meshfl.proto.PlanReply;
import io.meshfl.coordinator.Tickets;
import io.meshfl.core.trust.JobTicket;
import io.meshfl.core.trust.SignedTicket;
import io.meshfl.core.trust.StandingTicket;
import io.meshfl.core.trust.Submitter;
import com.google.protobuf.ByteString;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDateTime;
import java.time.format.DateTimeFormatter;
import java.util.Iterator;
import java.util.concurrent.Callable;

/** {@code meshfl run}: runs a job, on a coordinator if given, else on an embedded mesh in this JVM. */
@Command(name = "run", mixinStandardHelpOptions = true, description = "Run a training job and write its report.")
final class RunCommand implements Callable<Integer> {

    @Option(names = "--job", required = true, description = "Job YAML file.")
    Path job;

    @Option(names = "--report", description = "Report JSON file (an HTML report is written beside it). Default: reports/<job>-<time>.json")
    Path report;

    @picocli.CommandLine.Mixin
    SubmitterTlsOptions tls;


    @Option(names = "--coordinator", description = "host:port of a running coordinator (several, comma-separated, for one with a standby). Without it, an embedded coordinator and one node per domain start in this JVM.")
    String coordinator;

    @Option(names = "--contracts", description = "Folder of data product contracts for the embedded mesh. Default: the job file's folder.")
    Path contracts;

    @Option(names = "--engine", defaultValue = io.meshfl.node.engine.NodeEngines.JVM, description = "Where the embedded nodes' per-row work "
            + "runs: jvm (this process, default) or spark (Apache Spark, started with ./meshfl-spark; docs/scale.md).")
    String engine;

    @Option(names = "--engine-conf", paramLabel = "KEY=VALUE", description = "A setting of the engine (repeatable), e.g. spark.master=local[4].")
    java.util.Map<String, String> engineConf = new java.util.LinkedHashMap<>();

    @picocli.CommandLine.Mixin
    CatalogOptions catalog;

    @Option(names = "--state", paramLabel = "DIR", description = "Without --coordinator: the embedded mesh's folder for node state and "
            + "certificates (default: beside an embedded catalog; .meshfl with a PostgreSQL catalog).")
    Path state;

    @Option(names = "--sweep-noise", split = ",", paramLabel = "SD",
            description = "Split networks, embedded mesh: run the job once per noise sd on the cut-layer outputs (e.g. 0,0.1,0.5) "
                    + "and put the privacy/accuracy trade-off in the report.")
    double[] sweepNoise;

    @Option(names = "--accept-warnings", description = "Run even when the plan has warnings (columns left out, noise that drowns the "
            + "signal); without it such a plan is shown and refused.")
    boolean acceptWarnings;

    @Option(names = "--lineage", paramLabel = "TARGET",
            description = "Without --coordinator: send the run's OpenLineage events to file:PATH (one JSON event per line, appended) or "
                    + "http(s)://HOST:PORT (POST /api/v1/lineage). A running coordinator sends them as its own --lineage says.")
    String lineage;

    @Option(names = {"-v", "--verbose"}, description = "Print node and protocol log lines.")
    boolean verbose;

    @Option(names = "--retrain-valid-days", paramLabel = "DAYS", defaultValue = "90",
            description = "For a job with a retrain: section: how many days (1 to 366, default ${DEFAULT-VALUE}) the standing retraining "
                    + "ticket signed with it is valid, under which the coordinator may train challengers without your key, once per new "
                    + "version of each product.")
    int retrainValidDays;

    /** The validity {@code --retrain-valid-days} asks for, or a JOB_INVALID naming the flag. */
    static java.time.Duration retrainValidity(int days) {
        long most = io.meshfl.core.trust.StandingTicket.MAX_VALIDITY.toDays();
        if (days < 1 || days > most) {
            throw new MeshflException(ErrorCode.JOB_INVALID, "--retrain-valid-days must be between 1 and " + most + " (got " + days + ")");
        }
        return java.time.Duration.ofDays(days);
    }

    @Override
    public Integer call() throws Exception {
        if (lineage != null && coordinator != null) {
            throw new MeshflException(ErrorCode.COORDINATOR_FAILURE, "--lineage applies to the embedded mesh; a running coordinator sends "
                    + "lineage events as its own --lineage says");
        }
        // checked before any mesh starts: an unusable target is an error naming the option
        lineageSink = lineage == null ? null : io.meshfl.coordinator.lineage.LineageSink.parse("--lineage", lineage);
        retrainValidity = retrainValidity(retrainValidDays);
        JobSpec spec = JobLoader.load(job);
        String yaml = Files.readString(job);
        Path out = report != null ? report : Path.of("reports", spec.name() + "-"
                + LocalDateTime.now().format(DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss")) + ".json");
        if (coordinator != null && (!engine.equals(io.meshfl.node.engine.NodeEngines.JVM) || !engineConf.isEmpty())) {
            throw new IllegalArgumentException("--engine and --engine-conf set the engine of an embedded mesh's nodes; a node of a running mesh "
                    + "is started with its own (meshfl node --engine)");
        }
        JsonNode result = coordinator == null ? runEmbedded(spec, yaml) : runRemote(spec, yaml);
        Reports.printSummary(result, System.out);
        for (JsonNode d : result.path("lineage")) {
            // the coordinator logged it too; an embedded one logs quietly, so the run's own output says it as well
            if (!d.path("delivered").asBoolean(true)) {
                System.out.println("LINEAGE EVENT NOT DELIVERED: the " + d.path("event").asText() + " event: " + d.path("reason").asText());
            }
        }
        Path html = Reports.write(result, out);
        System.out.println("report: " + out.toAbsolutePath() + "  (curves: " + html + ")");
        return 0;
    }

    private io.meshfl.coordinator.lineage.LineageSink lineageSink;
    private java.time.Duration retrainValidity;

    private ObjectNode runEmbedded(JobSpec spec, String yaml) throws Exception {
        Path dir = contracts != null ? contracts : job.toAbsolutePath().getParent();
        var all = ContractLoader.loadDirectory(dir);
        try (Catalog cat = catalog.open()) {
            // Mesh integration files beside the contracts join the catalog as well (a version already there is kept as is).
            for (Integration in : IntegrationLoader.loadDirectory(dir, all)) new IntegrationStore(cat).register(in.id(), in.version(), in.rawYaml());
        }
        // one engine serves every node of the embedded mesh (one Spark driver per JVM), closed with the last of them
        io.meshfl.node.engine.NodeEngine eng = io.meshfl.node.engine.NodeEngines.open(engine, "embedded", all, engineConf, System.out::println);
        try (Catalog cat = catalog.open(); EmbeddedMesh mesh = new EmbeddedMesh(cat, all, verbose ? System.out::println : s -> { },
                (state != null ? state.resolve("nodes") : catalog.nodeState()), null, (domain, node) -> node.engine(eng))) {
            System.out.println("embedded mesh: coordinator on 127.0.0.1:" + mesh.coordinator().port() + ", "
                    + mesh.nodes().size() + " domain node(s) " + mesh.nodes().stream().map(n -> n.domain() + "@" + n.address()).toList());
            mesh.coordinator().standingValidity(retrainValidity);
            if (lineageSink != null) {
                mesh.coordinator().lineage(lineageSink);
                System.out.println("lineage: OpenLineage events go to " + lineageSink.describe());
            }
            if (sweepNoise == null) return mesh.coordinator().runJob(spec, yaml, acceptWarnings, new Progress(System.out, verbose));
            return sweep(mesh, spec, yaml);
        }
    }

    /** One run per noise level; the last run's report, with the trade-off of all of them. */
    private ObjectNode sweep(EmbeddedMesh mesh, JobSpec spec, String yaml) {
        if (spec.model().type() != io.meshfl.core.model.ModelSpec.Type.SPLITNN) {
            throw new MeshflException(ErrorCode.JOB_INVALID, job + ": --sweep-noise applies to split networks (model.type: splitnn)");
        }
        ObjectNode last = null;
        var rows = RunReport.JSON.createArrayNode();
        for (double sd : sweepNoise) {
            System.out.printf(java.util.Locale.ROOT, "== activation noise sd %.3g%n", sd);
            JobSpec s;
            try {
                s = spec.withSplit(spec.split().withActivationNoise(sd));
            } catch (IllegalArgumentException e) {
                throw new MeshflException(ErrorCode.JOB_INVALID, "--sweep-noise: " + e.getMessage());
            }
            last = mesh.coordinator().runJob(s, yaml, acceptWarnings, new Progress(System.out, verbose));
            ObjectNode row = rows.addObject();
            row.put("activation_noise_sd", sd);
            for (String k : new String[]{"auc", "log_loss", "activation_snr"}) {
                if (last.path("metrics").has(k)) row.set(k, last.path("metrics").get(k));
            }
            row.put("run_id", last.path("run_id").asText());
        }
        System.out.println("privacy/accuracy trade-off:");
        for (JsonNode r : rows) {
            System.out.printf(java.util.Locale.ROOT, "  noise sd %-6.3g  snr %-10s  auc %.4f%n", r.path("activation_noise_sd").asDouble(),
                    r.has("activation_snr") ? String.format(java.util.Locale.ROOT, "%.3g", r.path("activation_snr").asDouble()) : "-",
                    r.path("auc").asDouble());
        }
        last.set("tradeoff", rows);
        return last;
    }

    private JsonNode runRemote(JobSpec spec, String yaml) throws Exception {
        ManagedChannel ch = tls.dialCoordinator(coordinator);
        Submitter submitter = tls.submitter();
        try {
            var stub = CoordinatorServiceGrpc.newBlockingStub(ch);
            JobRequest request = JobRequest.newBuilder().setJobYaml(yaml).setBaseDir(job.toString()).setAcceptWarnings(acceptWarnings).build();
            PlanReply[] plan = new PlanReply[1];
            TlsOptions.explainRefusal(coordinator, tls.usingTls(), () -> plan[0] = planned(stub, request));
            // the submitter signs exactly what the plan will run: this spec, strategy and product versions, once
            SignedTicket ticket = submitter.sign(Tickets.draft(submitter.identity(), JobTicket.TRAIN, plan[0].getJobName(),
                    plan[0].getStrategy(), yaml, plan[0].getProductsList().stream().map(p -> new JobTicket.ProductVersion(p.getId(), p.getVersion()))
                            .toList(), null));
            JobRequest.Builder submitted = request.toBuilder().setSignedTicket(ByteString.copyFrom(ticket.encode()));
            if (spec.retrain() != null) {
                // arms retraining: the coordinator may train challengers of exactly this job under this name, once per new product version
                StandingTicket standing = StandingTicket.draft(submitter.identity(), plan[0].getJobName(), plan[0].getStrategy(), yaml,
                        ticket.content().products(), retrainValidity);
                submitted.setStandingTicket(ByteString.copyFrom(submitter.sign(standing).encode()));
                System.out.println("retraining armed until " + standing.validUntil() + " (--retrain-valid-days " + retrainValidDays + ")");
            }
            Iterator<JobEvent> events = stub.submitJob(submitted.build());
            long start = System.nanoTime();
            String[] runId = {null};
            while (TlsOptions.next(events, coordinator, runId[0] == null ? "" : "; the run may go on there: follow it with 'meshfl runs follow "
                    + runId[0] + " --coordinator " + coordinator + "'")) {
                JobEvent e = events.next();
                switch (e.getKindCase()) {
                    case STARTED -> {
                        runId[0] = e.getStarted().getRunId();
                        System.out.println("run " + runId[0] + " of job " + e.getStarted().getJobId() + " started");
                    }
                    case PLAN_TEXT -> System.out.println(e.getPlanText());
                    case ROUND -> System.out.println(Progress.line(e.getRound(), (System.nanoTime() - start) / 1e9));
                    case LOG -> {
                        if (verbose) System.out.println("  " + e.getLog());
                    }
                    case ERROR -> throw new MeshflException(ErrorCode.COORDINATOR_FAILURE, "job failed on the coordinator: " + e.getError());
                    case REPORT_JSON -> {
                        return RunReport.JSON.readTree(e.getReportJson());
                    }
                    default -> { }
                }
            }
            throw new MeshflException(ErrorCode.COORDINATOR_FAILURE, "coordinator closed the job stream without a report");
        } finally {
            ch.shutdownNow();
        }
    }

    /** The coordinator's plan for the job, or its refusal as one line. */
    static PlanReply planned(CoordinatorServiceGrpc.CoordinatorServiceBlockingStub stub, JobRequest request) {
        try {
            return stub.planJob(request);
        } catch (io.grpc.StatusRuntimeException e) {
            if (e.getStatus().getCode() != io.grpc.Status.Code.FAILED_PRECONDITION) throw e;
            throw new MeshflException(ErrorCode.PLAN_REFUSED, "the coordinator refused the job: " + e.getStatus().getDescription());
        }
    }
}

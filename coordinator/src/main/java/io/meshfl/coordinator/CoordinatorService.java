package io.meshfl.coordinator;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.grpc.stub.ServerCallStreamObserver;
import io.grpc.stub.StreamObserver;
import io.meshfl.core.MeshflException;
import io.meshfl.core.catalog.Catalog;
import io.meshfl.core.plan.JobLoader;
import io.meshfl.core.plan.JobSpec;
import io.meshfl.core.protocol.horizontal.RoundSummary;
import io.meshfl.proto.CoordinatorServiceGrpc;
import io.meshfl.proto.HeartbeatReply;
import io.meshfl.proto.HeartbeatRequest;
import io.meshfl.proto.JobEvent;
import io.meshfl.proto.JobRequest;
import io.meshfl.proto.NodeInfo;
import io.meshfl.proto.RegisterReply;
import io.meshfl.proto.RoundEvent;
import io.meshfl.core.trust.HashChain;
import io.meshfl.core.trust.MeshIdentity;
import io.meshfl.core.trust.SignedTicket;
import io.meshfl.wire.tls.MeshTls;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/** The coordinator's gRPC face: nodes register and heartbeat, users plan, submit, follow, cancel, predict, serve and manage models. */
final class CoordinatorService extends CoordinatorServiceGrpc.CoordinatorServiceImplBase {

    private final Coordinator coordinator;
    private final Catalog catalog;
    private final NodeRegistry registry;
    private final JobRunner runner;
    private final Serving serving;
    private final Consumer<String> log;

    CoordinatorService(Coordinator coordinator) {
        this.coordinator = coordinator;
        this.catalog = coordinator.catalog;
        this.registry = coordinator.registry;
        this.runner = coordinator.runner;
        this.serving = coordinator.serving;
        this.log = coordinator.log;
    }

    @Override
    public void register(NodeInfo request, StreamObserver<RegisterReply> out) {
        out.onNext(coordinator.register(request, MeshTls.PEER.get()));
        out.onCompleted();
    }

    @Override
    public void heartbeat(HeartbeatRequest request, StreamObserver<HeartbeatReply> out) {
        MeshIdentity peer = MeshTls.PEER.get();
        String domain = registry.domainOf(request.getNodeId()).orElse(null);
        if (peer != null && domain != null && !peer.isDomain(domain)) {
            // only the node itself may keep its registration alive
            out.onError(io.grpc.Status.PERMISSION_DENIED.withDescription("node " + request.getNodeId() + " is of domain '" + domain
                    + "'; the caller is " + peer.describe()).asRuntimeException());
            return;
        }
        out.onNext(HeartbeatReply.newBuilder().setKnown(registry.heartbeat(request.getNodeId())).build());
        out.onCompleted();
    }

    @Override
    public void planPredict(io.meshfl.proto.PredictRequest request, StreamObserver<io.meshfl.proto.PlanReply> out) {
        answerPlan(out, () -> {
            JobRunner.PredictPlan pp = runner.planPredict(request.getModelId(), request.getProductsList());
            io.meshfl.proto.PlanReply.Builder b = io.meshfl.proto.PlanReply.newBuilder().setStrategy(pp.strategy())
                    .setJobName("predict-" + request.getModelId()).setSpecSha256(HashChain.sha256Hex(Tickets.predictSpec(request.getModelId(),
                            request.getProductsList(), request.getRequester().isEmpty() ? null : request.getRequester(), Coordinator.options(request))));
            pp.products().forEach(p -> b.addProducts(io.meshfl.proto.ProductVersion.newBuilder().setId(p.id()).setVersion(p.version())));
            return b.build();
        });
    }

    /** Answers a planning call: the plan, or the refusal as FAILED_PRECONDITION with its message. */
    private void answerPlan(StreamObserver<io.meshfl.proto.PlanReply> out, java.util.function.Supplier<io.meshfl.proto.PlanReply> plan) {
        try {
            out.onNext(plan.get());
            out.onCompleted();
        } catch (MeshflException e) {
            out.onError(io.grpc.Status.FAILED_PRECONDITION.withDescription(e.toString()).asRuntimeException());
        } catch (RuntimeException e) {
            log.accept("planning failed: " + e);
            out.onError(io.grpc.Status.INTERNAL.withDescription("MeshFL-900 INTERNAL: " + e).asRuntimeException());
        }
    }

    @Override
    public void predict(io.meshfl.proto.PredictRequest request, StreamObserver<JobEvent> out) {
        try {
            SignedTicket ticket = ticket(request.getSignedTicket());
            String requester = request.getRequester().isEmpty() ? null : request.getRequester();
            ObjectNode r = runner.predict(request.getModelId(), request.getProductsList(), requester,
                    Coordinator.options(request), (strategy, products) -> ticket,
                    caller(), JobObserver.logging(line -> {
                        synchronized (out) {
                            out.onNext(JobEvent.newBuilder().setLog(line).build());
                        }
                    }));
            out.onNext(JobEvent.newBuilder().setReportJson(r.toString()).build());
        } catch (MeshflException e) {
            refused(e);
            out.onNext(JobEvent.newBuilder().setError(e.toString()).build());
        } catch (RuntimeException e) {
            out.onNext(JobEvent.newBuilder().setError("MeshFL-900 INTERNAL: " + e).build());
        }
        out.onCompleted();
    }

    @Override
    public void planJob(JobRequest request, StreamObserver<io.meshfl.proto.PlanReply> out) {
        answerPlan(out, () -> {
            JobSpec job = JobLoader.parse(request.getJobYaml(), request.getBaseDir().isEmpty() ? "job" : request.getBaseDir());
            io.meshfl.core.plan.Plan plan = runner.plan(job);
            io.meshfl.proto.PlanReply.Builder b = io.meshfl.proto.PlanReply.newBuilder().setPlanText(plan.explain())
                    .setStrategy(plan.strategy()).setSpecSha256(HashChain.sha256Hex(request.getJobYaml())).setJobName(job.name());
            Tickets.products(plan).forEach(p -> b.addProducts(io.meshfl.proto.ProductVersion.newBuilder().setId(p.id()).setVersion(p.version())));
            return b.build();
        });
    }

    @Override
    public void cancelRun(io.meshfl.proto.RunRef request, StreamObserver<io.meshfl.proto.CancelReply> out) {
        String why = runner.cancel(request.getRunId(), caller());
        if (why == null) log.accept("run " + request.getRunId() + " is asked to stop by " + (caller() == null ? "the operator" : caller()));
        out.onNext(io.meshfl.proto.CancelReply.newBuilder().setAccepted(why == null).setMessage(why == null
                ? "run " + request.getRunId() + " stops after its current round" : why).build());
        out.onCompleted();
    }

    @Override
    public void models(io.meshfl.proto.ModelsRequest request, StreamObserver<io.meshfl.proto.ModelsReply> out) {
        answer(out, "registry", () -> io.meshfl.proto.ModelsReply.newBuilder().setJson(runner.models().handle(request.getAction(),
                request.getModelId(), request.getProduct(), request.getSignature().toByteArray(), request.getCertificate().toByteArray(),
                request.getReason(), caller()).toString()).build());
    }

    @Override
    public void serve(io.meshfl.proto.ServeCall request, StreamObserver<io.meshfl.proto.ServeReply> out) {
        answer(out, "serving", () -> serving.handle(request, caller()));
    }

    /**
     * Answers a unary call of the registry or serving ({@code what}): the reply, or a refusal as
     * FAILED_PRECONDITION with its message (logged when it is a policy violation), or INTERNAL.
     */
    private <T> void answer(StreamObserver<T> out, String what, java.util.function.Supplier<T> reply) {
        try {
            out.onNext(reply.get());
            out.onCompleted();
        } catch (MeshflException e) {
            if (e.code() == io.meshfl.core.ErrorCode.POLICY_VIOLATION) log.accept(what + ": refused " + (caller() == null ? "a caller" : caller())
                    + ": " + e.getMessage());
            out.onError(io.grpc.Status.FAILED_PRECONDITION.withDescription(e.toString()).asRuntimeException());
        } catch (RuntimeException e) {
            log.accept(what + " failed: " + e);
            out.onError(io.grpc.Status.INTERNAL.withDescription("MeshFL-900 INTERNAL: " + e).asRuntimeException());
        }
    }

    @Override
    public void followRun(io.meshfl.proto.RunRef request, StreamObserver<JobEvent> out) {
        var serverOut = (ServerCallStreamObserver<JobEvent>) out;
        String runId = request.getRunId();
        var run = catalog.run(runId);
        if (run.isEmpty()) {
            out.onNext(JobEvent.newBuilder().setError("MeshFL-301 CATALOG_NOT_FOUND: no run '" + runId + "' in the catalog").build());
            out.onCompleted();
            return;
        }
        java.util.concurrent.CountDownLatch done = new java.util.concurrent.CountDownLatch(1);
        JobObserver follower = new JobObserver() {
            @Override
            public void plan(String explain) {
            }

            @Override
            public void round(RoundSummary s) {
                send(JobEvent.newBuilder().setRound(RoundEvent.newBuilder().setRound(s.round()).setRounds(s.rounds())
                        .setSeconds(s.seconds()).putAllMetrics(s.metrics()).setNodesOk(s.nodesOk()).setNodesFailed(s.failures().size())).build());
            }

            @Override
            public void log(String line) {
                send(JobEvent.newBuilder().setLog(line).build());
            }

            @Override
            public void ended(String id, String status, String reason) {
                try {
                    send(JobEvent.newBuilder().setEnded(io.meshfl.proto.RunEnded.newBuilder().setRunId(id).setStatus(status)
                            .setReason(reason == null ? "" : reason)).build());
                } finally {
                    done.countDown();
                }
            }

            private void send(JobEvent e) {
                synchronized (serverOut) {
                    if (!serverOut.isCancelled()) serverOut.onNext(e);
                }
            }
        };
        boolean live = runner.follow(runId, follower);
        // what the run did so far comes from the catalog; live rounds follow
        for (var r : catalog.rounds(runId)) {
            synchronized (serverOut) {
                serverOut.onNext(JobEvent.newBuilder().setLog("round " + r.round() + ": " + r.metricsJson()
                        + (r.failuresJson() == null ? "" : " failed: " + r.failuresJson())).build());
            }
        }
        for (var r : new io.meshfl.core.catalog.RunCheckpoints(catalog).resumes(runId)) {
            synchronized (serverOut) {
                serverOut.onNext(JobEvent.newBuilder().setLog("resumed after round " + r.fromRound() + " at " + r.at() + " (attempt "
                        + r.attempt() + (r.note() == null ? "" : "; " + r.note()) + ")").build());
            }
        }
        if (live) {
            try {
                while (!done.await(1, java.util.concurrent.TimeUnit.SECONDS)) {
                    if (serverOut.isCancelled()) break;
                    // a run that ended while this follower was being added: its end comes from the catalog
                    if (!runner.isLive(runId)) {
                        var ended = catalog.run(runId).orElseThrow();
                        if (!ended.status().equals(io.meshfl.core.catalog.RunRecord.RUNNING) && done.getCount() > 0) {
                            follower.ended(runId, ended.status(), ended.error());
                        }
                        break;
                    }
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            } finally {
                runner.unfollow(runId, follower);
            }
        } else {
            var ended = catalog.run(runId).orElseThrow();
            synchronized (serverOut) {
                serverOut.onNext(JobEvent.newBuilder().setEnded(io.meshfl.proto.RunEnded.newBuilder().setRunId(runId).setStatus(ended.status())
                        .setReason(ended.error() == null ? "" : ended.error())).build());
            }
        }
        out.onCompleted();
    }

    /** The identity of the connection calling now (null without TLS). */
    private String caller() {
        MeshIdentity peer = MeshTls.PEER.get();
        return peer == null ? null : peer.label();
    }

    private SignedTicket ticket(com.google.protobuf.ByteString bytes) {
        if (bytes.isEmpty()) {
            throw new MeshflException(io.meshfl.core.ErrorCode.POLICY_VIOLATION, "the job carries no signed ticket; submit it with "
                    + "'meshfl run' or 'meshfl predict', which sign it with the submitter's certificate (--tls-identity)");
        }
        return SignedTicket.decode(bytes.toByteArray());
    }

    private void refused(MeshflException e) {
        if (e.code() == io.meshfl.core.ErrorCode.POLICY_VIOLATION || e.code() == io.meshfl.core.ErrorCode.PLAN_REFUSED) {
            log.accept("refused a job of " + (caller() == null ? "an unauthenticated caller" : caller()) + ": " + e.getMessage());
        }
    }

    @Override
    public void submitJob(JobRequest request, StreamObserver<JobEvent> out) {
        var serverOut = (ServerCallStreamObserver<JobEvent>) out;
        try {
            JobSpec job = JobLoader.parse(request.getJobYaml(), request.getBaseDir().isEmpty() ? "job" : request.getBaseDir());
            SignedTicket ticket = ticket(request.getSignedTicket());
            SignedTicket standing = request.getStandingTicket().isEmpty() ? null : SignedTicket.decode(request.getStandingTicket().toByteArray());
            ObjectNode report = runner.run(job, request.getJobYaml(), plan -> ticket, standing == null ? null : plan -> standing, caller(),
                    request.getAcceptWarnings(), new JobObserver() {
                @Override
                public void plan(String explain) {
                    send(JobEvent.newBuilder().setPlanText(explain).build());
                }

                @Override
                public void round(RoundSummary s) {
                    send(JobEvent.newBuilder().setRound(RoundEvent.newBuilder().setRound(s.round()).setRounds(s.rounds())
                            .setSeconds(s.seconds()).putAllMetrics(s.metrics()).setNodesOk(s.nodesOk())
                            .setNodesFailed(s.failures().size())).build());
                }

                @Override
                public void log(String line) {
                    send(JobEvent.newBuilder().setLog(line).build());
                }

                @Override
                public void started(String runId, String jobId) {
                    send(JobEvent.newBuilder().setStarted(io.meshfl.proto.RunStarted.newBuilder().setRunId(runId).setJobId(jobId)).build());
                }

                private void send(JobEvent e) {
                    synchronized (serverOut) {
                        if (!serverOut.isCancelled()) serverOut.onNext(e);
                    }
                }
            });
            out.onNext(JobEvent.newBuilder().setReportJson(report.toString()).build());
        } catch (MeshflException e) {
            refused(e);
            out.onNext(JobEvent.newBuilder().setError(e.toString()).build());
        } catch (RuntimeException e) {
            out.onNext(JobEvent.newBuilder().setError("MeshFL-900 INTERNAL: " + e).build());
        }
        out.onCompleted();
    }
}

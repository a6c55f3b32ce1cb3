package io.meshfl.coordinator;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.meshfl.coordinator.lineage.Lineage;
import io.meshfl.core.ErrorCode;
import io.meshfl.core.MeshflException;
import io.meshfl.core.catalog.Catalog;
import io.meshfl.core.catalog.ChainSeals;
import io.meshfl.core.catalog.RoundRecord;
import io.meshfl.core.catalog.RunCheckpoints;
import io.meshfl.core.catalog.RunRecord;
import io.meshfl.core.integration.Integration;
import io.meshfl.core.plan.JobSpec;
import io.meshfl.core.plan.Plan;
import io.meshfl.core.plan.Planner;
import io.meshfl.core.protocol.NodeChannel;
import io.meshfl.core.protocol.PartyResume;
import io.meshfl.core.protocol.PartyStateRunner;
import io.meshfl.core.protocol.RunCheckpoint;
import io.meshfl.core.protocol.boost.BoostRunner;
import io.meshfl.core.protocol.factorized.JoinedRunner;
import io.meshfl.core.protocol.horizontal.HorizontalRunner;
import io.meshfl.core.protocol.horizontal.RoundSummary;
import io.meshfl.core.protocol.horizontal.RunObserver;
import io.meshfl.core.protocol.horizontal.RunOutcome;
import io.meshfl.core.protocol.split.SplitRunner;
import io.meshfl.core.protocol.vertical.VerticalRunner;
import io.meshfl.core.report.RunReport;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * One run driven to its end, fresh or resumed: the session with its nodes, the protocol, each
 * round into the catalog as the runner's durability says, and the outcome (model, metrics, seal)
 * or the reason it did not succeed. Every run, failed or not, ends in the catalog.
 */
final class RunExecution {

    private final JobRunner runner;
    private final Catalog catalog;
    private final NodeRegistry registry;
    private final String transport;
    private final JobRunner.Durability durability;

    RunExecution(JobRunner runner, JobRunner.Durability durability) {
        this.runner = runner;
        this.catalog = runner.catalog();
        this.registry = runner.registry();
        this.transport = runner.transport();
        this.durability = durability;
    }

    private Map<String, Planner.ProductView> productViews() {
        return runner.productViews();
    }

    private Integration integration(String id, Map<String, Planner.ProductView> views) {
        return runner.integration(id, views);
    }

    private ChainSeals.Seal seal(String runId) {
        return runner.seal(runId);
    }

    /**
     * The run's outcome with the planner's predicted seconds and the actual ones in its metrics
     * (joined runs record their own), so every run in the log can re-fit the cost model.
     */
    private static RunOutcome withPrediction(RunOutcome out, Plan plan) {
        if (out.metrics().containsKey("predicted_seconds")) return out;
        double est = plan.candidates().stream().filter(c -> c.strategy().equals(plan.strategy())).mapToDouble(Plan.Candidate::estSeconds)
                .findFirst().orElse(0);
        Map<String, Double> m = new LinkedHashMap<>(out.metrics());
        if (est > 0) {
            // vertical, split and boosted-tree candidates are priced per round; the others per run
            boolean perRound = List.of("vertical", "split", "secureboost").contains(plan.strategy());
            m.put("predicted_seconds", perRound ? est * out.rounds().size() : est);
        }
        m.put("actual_seconds", out.wallSeconds());
        return new RunOutcome(out.params(), m, out.rounds(), out.bytesSent(), out.bytesReceived(), out.payloadBytes(), out.wallSeconds(),
                out.diagnostics());
    }

    /** The relationships of a star join, as links from the base product's domain to each joined product's. */
    private List<VerticalRunner.Link> links(Integration in) {
        Map<String, Planner.ProductView> views = productViews();
        List<VerticalRunner.Link> out = new ArrayList<>();
        for (var s : in.plan().steps()) {
            out.add(new VerticalRunner.Link(views.get(s.product()).contract().domain(), s.parentKey().column(), s.childKey().column()));
        }
        return out;
    }

    /** Runs a registered run to its end, through its protocol, and records how it ended; {@code live} ends with it. */
    ObjectNode execute(JobRunner.Execution x, LiveRuns.LiveRun live, JobObserver observer) {
        JobSpec job = x.job();
        Plan plan = x.plan();
        RunRecord run = x.run();
        String jobId = run.jobId();
        Map<String, NodeChannel> channels = new LinkedHashMap<>();
        var audit = new java.util.concurrent.ConcurrentLinkedQueue<io.meshfl.core.catalog.AuditRecord>();
        for (String d : plan.domains()) {
            // whichever node of the domain is registered at each call: one that restarts is reached again;
            // a resumed attempt numbers its messages past any its nodes saw from the attempt before
            channels.put(d, AuditingChannel.wrap(new RegistryChannel(registry, d), audit, transport, (long) x.attempt() << 32));
        }
        // a fresh run is opened on each node by the ticket its first request there carries; a resumed one is open already
        if (x.from() == null) {
            channels = TicketChannel.wrapAll(channels, x.ticket(), catalog.job(jobId).map(io.meshfl.core.catalog.JobRecord::specYaml)
                    .orElseThrow(() -> new MeshflException(ErrorCode.INTERNAL, "job " + jobId + " of run " + run.id() + " is not in the catalog")));
        }
        long[] start = JobRunner.traffic(channels);
        Privacy dp = Privacy.of(job, plan, catalog);
        RunSession session = new RunSession(channels, jobId, run.id());
        RunCheckpoints checkpoints = new RunCheckpoints(catalog);
        int[] roundsDone = {x.from() == null ? 0 : x.from().round()};
        JobRunner.Durability durable = durability;
        List<RoundRecord> held = new ArrayList<>();
        JobObserver obs = live.fanOut(observer);
        obs.started(run.id(), jobId);
        RunLineage lineage = runner.runLineage();
        List<Lineage.Delivery> deliveries = new ArrayList<>();
        // a resumed run said START on its first attempt; its end carries the same OpenLineage run id
        if (x.from() == null && lineage.on()) deliveries.add(lineage.trainingStarted(run, job.name(), plan, x.submitter(), obs::log));
        if (durable != JobRunner.Durability.CHECKPOINT && plan.strategy().equals("horizontal")) {
            obs.log("rounds of this run are committed " + (durable == JobRunner.Durability.ROUND ? "each without a checkpoint" : "at its end")
                    + ": it cannot resume if its coordinator stops");
        }
        try {
            if (x.from() == null) {
                dp.charge(run.id());
            } else {
                session.resume(x.from().round(), obs::log);
            }
            RunObserver ro = new RunObserver() {
                @Override
                public void round(RoundSummary s) {
                    roundsDone[0] = s.round();
                    MeshMetrics.round(run.strategy(), s.seconds());
                    // the round and the audit of its messages in one commit
                    AuditingChannel.withPending(audit, batch -> catalog.recordRound(run.id(), roundRecord(s), batch));
                    obs.round(s);
                }

                @Override
                public void round(RoundSummary s, RunCheckpoint checkpoint) {
                    roundsDone[0] = s.round();
                    MeshMetrics.round(run.strategy(), s.seconds());
                    // committed before the next round starts: a coordinator that dies after this goes on from here
                    switch (durable) {
                        case CHECKPOINT -> AuditingChannel.withPending(audit, batch -> checkpoints.commit(run.id(), roundRecord(s), checkpoint, batch));
                        case ROUND -> {
                            // the previous version, kept for the durability benchmark: a commit for the round, another for its audit
                            catalog.recordRound(run.id(), roundRecord(s));
                            AuditingChannel.flush(catalog, audit);
                        }
                        case END -> {
                            held.add(roundRecord(s));
                            AuditingChannel.flush(catalog, audit);
                        }
                    }
                    obs.round(s);
                }

                @Override
                public void log(String line) {
                    obs.log(line);
                }
            };
            String runJobId = jobId;
            PartyResume.Recovery recovery = (lost, fromRound) -> awaitParties(plan.domains(), live, obs, run.id(), lost, fromRound);
            io.meshfl.core.data.Standardizer[] scaling = new io.meshfl.core.data.Standardizer[1];
            // held to the catalog again: the model it names may have gone since the plan was made
            io.meshfl.core.protocol.WarmStart warm = WarmStarts.resolve(catalog, job, plan);
            RunOutcome out = switch (plan.strategy()) {
                case "vertical" -> onParties(new VerticalRunner(job, plan, channels, ro).warmStart(warm), x, recovery).run(runJobId, run.id());
                case "split" -> onParties(new SplitRunner(job, plan, channels, ro).warmStart(warm), x, recovery).run(runJobId, run.id());
                case "secureboost" -> onParties(new BoostRunner(job, plan, channels, ro), x, recovery).run(runJobId, run.id());
                case "materialized", "factorized" -> new JoinedRunner(job, plan, integration(job.integration(), productViews()), channels, ro)
                        .run(runJobId, run.id());
                case "federated-factorized" -> new VerticalRunner(job, plan, channels, ro, links(integration(job.integration(), productViews())))
                        .run(runJobId, run.id());
                default -> {
                    HorizontalRunner h = new HorizontalRunner(job, plan, channels, registry::alive, ro).warmStart(warm);
                    if (x.from() != null) h.resume(x.from(), x.before());
                    RunOutcome o = h.run(runJobId, run.id());
                    scaling[0] = h.scaling();
                    yield o;
                }
            };
            out = withPrediction(out, plan);
            String metricsJson = RunReport.JSON.valueToTree(out.metrics()).toString();
            ObjectNode prov = Provenances.of(jobId, run.id(), job, plan, out);
            if (plan.strategy().equals("horizontal")) {
                // what a horizontal model's inputs are scaled by (null: not at all), so that it scores new rows as it was trained (online serving)
                if (scaling[0] == null) prov.putNull("scaling");
                else prov.putObject("scaling").<ObjectNode>set("mean", RunReport.JSON.valueToTree(scaling[0].mean()))
                        .set("std", RunReport.JSON.valueToTree(scaling[0].std()));
            }
            prov.put("submitter", x.submitter()).put("ticket_sha256", x.ticketSha256());
            // what the model went on from: its lineage runs back through the models it started from
            if (warm != null) prov.putObject("warm_start").put("model_id", warm.modelId()).put("run_id", warm.partsKey());
            if (plan.strategy().equals("federated-factorized")) {
                // scoring new base rows aligns them with the joined products the same way
                var arr = prov.putArray("links");
                for (VerticalRunner.Link l : links(integration(job.integration(), productViews()))) {
                    arr.addObject().put("host", l.host()).put("foreign_key", l.foreignKey()).put("key", l.key());
                }
            }
            List<RunCheckpoints.Resume> resumes = checkpoints.resumes(run.id());
            if (!resumes.isEmpty()) {
                var arr = prov.putArray("resumed");
                for (var r : resumes) arr.addObject().put("from_round", r.fromRound()).put("at", r.at().toString());
            }
            String provenance = prov.toString();
            for (RoundRecord r : held) catalog.recordRound(run.id(), r);
            // a count of common entities (vertical.cardinalityOnly) trains nothing: the run keeps its count, no model
            boolean countOnly = plan.strategy().equals("vertical") && job.vertical().cardinalityOnly();
            var model = countOnly ? null : catalog.saveModel(run.id(), plan.model().type().name().toLowerCase(), out.params(), provenance);
            // a candidate version of the job's model, owned by its submitter, until every owner of its inputs approves it
            if (model != null) obs.log(runner.models().register(model.id(), job.name(), x.submitter()));
            ObjectNode report = RunReport.build(jobId, run.id(), model == null ? null : model.id(), job, plan, out);
            report.set("provenance", prov.deepCopy());
            // kept before the run is seen ended, so whoever sees it ended finds its report; kept again with its seal below
            EndReports.keep(catalog, run.id(), report, RunRecord.SUCCEEDED, null, obs::log);
            catalog.finishRun(run.id(), metricsJson, out.bytesSent(), out.bytesReceived());
            checkpoints.discard(run.id());
            AuditingChannel.flush(catalog, audit);
            dp.settle(run.id(), out.metrics());
            ChainSeals.Seal seal = seal(run.id());
            // the result does not wait for the parties to hear of it; what they answer reaches the audit after
            runner.endsLater(session.endLater(RunRecord.SUCCEEDED, seal, obs::log).whenComplete((v, err) -> flushLate(audit, run.id(), obs)));
            report.put("seal", seal.hash());
            if (lineage.on()) {
                deliveries.add(lineage.trainingCompleted(run, job.name(), plan, x.submitter(), model == null ? null : model.id(), obs::log));
                report.set("lineage", Lineage.toJson(deliveries));
            }
            EndReports.keep(catalog, run.id(), report, RunRecord.SUCCEEDED, null, obs::log);
            obs.ended(run.id(), RunRecord.SUCCEEDED, "");
            return report;
        } catch (RuntimeException e) {
            long[] now = JobRunner.traffic(channels);
            String msg = e instanceof MeshflException me ? me.toString() : e.toString();
            boolean cancelled = e instanceof MeshflException me && me.code() == ErrorCode.RUN_CANCELLED;
            String status = cancelled ? RunRecord.CANCELLED : RunRecord.FAILED;
            long before = x.from() == null ? 0 : (long) x.from().number("bytes_sent", 0);
            long beforeIn = x.from() == null ? 0 : (long) x.from().number("bytes_received", 0);
            ObjectNode partial;
            try {
                for (RoundRecord r : held) catalog.recordRound(run.id(), r);
                long sent = now[0] - start[0] + before, received = now[1] - start[1] + beforeIn;
                partial = keepPartial(run, job, plan, status, msg, sent, received, obs);
                if (cancelled) catalog.cancelRun(run.id(), msg, sent, received);
                else catalog.failRun(run.id(), msg, sent, received);
            } catch (MeshflException unrecorded) {
                // the catalog is the record: an end it did not take is not told to the parties either; the run stays
                // RUNNING there, and the coordinator holding the catalog's lease next resumes or ends it
                e.addSuppressed(unrecorded);
                obs.log("run " + run.id() + " stopped (" + msg + ") but the catalog did not take its end (" + unrecorded.getMessage()
                        + "); it stays RUNNING there until the coordinator holding the catalog's lease resumes or ends it");
                throw e;
            }
            checkpoints.discard(run.id());
            AuditingChannel.flush(catalog, audit);
            dp.settleFailed(run.id(), roundsDone[0]);
            ChainSeals.Seal seal = seal(run.id());
            // the parties discard what they hold of a run that did not succeed
            session.end(status, seal, obs::log);
            AuditingChannel.flush(catalog, audit);
            if (lineage.on()) {
                // said only once the catalog took the end: a run it did not take stays RUNNING and may still complete
                deliveries.add(lineage.trainingEnded(run, job.name(), plan, x.submitter(), cancelled, msg, obs::log));
                if (partial != null) EndReports.keep(catalog, run.id(), partial.set("lineage", Lineage.toJson(deliveries)), status, msg, obs::log);
            }
            obs.ended(run.id(), status, msg);
            throw e;
        } finally {
            runner.liveRuns().end(run.id());
        }
    }

    /**
     * Keeps the report of how far a run that did not succeed got, before its end is recorded, and
     * answers it; one that cannot be made is logged (null).
     */
    private ObjectNode keepPartial(RunRecord run, JobSpec job, Plan plan, String status, String why, long sent, long received, JobObserver obs) {
        try {
            ObjectNode report = EndReports.partial(catalog, run, job, plan, sent, received);
            EndReports.keep(catalog, run.id(), report, status, why, obs::log);
            return report;
        } catch (RuntimeException e) {
            obs.log("run " + run.id() + " ends without a report: " + e.getMessage());
            return null;
        }
    }

    /** A runner whose state lives on its parties, set to go on after a lost party and, for a resumed run, from its checkpoint. */
    private static PartyStateRunner onParties(PartyStateRunner r, JobRunner.Execution x, PartyResume.Recovery recovery) {
        r.recovery(recovery);
        if (x.from() != null) r.resume(x.from(), x.before());
        return r;
    }

    /**
     * A run whose state lives on its parties lost one: waits (up to {@link #PARTY_GRACE}) until every
     * party is registered again, notes in the catalog that the run goes on after round
     * {@code fromRound}, and says so; false when a party stays away.
     */
    private boolean awaitParties(List<String> domains, LiveRuns.LiveRun live, JobObserver obs, String runId, MeshflException lost,
                                 int fromRound) {
        long deadline = System.nanoTime() + PARTY_GRACE.toNanos();
        try {
            // a party cut off is marked away only after its missed heartbeats; one that restarted registers again
            Thread.sleep(2000);
            while (System.nanoTime() < deadline) {
                live.checkCancelled();
                if (domains.stream().allMatch(registry::alive)) {
                    var r = new RunCheckpoints(catalog).resumed(runId, fromRound, "went on after losing a party: " + lost.getMessage());
                    obs.log("every party is back: the run goes on after round " + fromRound + " (attempt " + r.attempt() + ")");
                    return true;
                }
                Thread.sleep(200);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
        obs.log("not every party of " + domains + " was back within " + PARTY_GRACE.toSeconds() + " s: the run ends");
        return false;
    }

    /** How long a run whose state lives on its parties waits for a lost party to come back. */
    static final java.time.Duration PARTY_GRACE = java.time.Duration.ofSeconds(60);

    /** Writes the audit records of a run's end once its parties answered; one that cannot be written is said, not lost silently. */
    private void flushLate(java.util.concurrent.ConcurrentLinkedQueue<io.meshfl.core.catalog.AuditRecord> audit, String runId, JobObserver obs) {
        try {
            AuditingChannel.flush(catalog, audit);
        } catch (RuntimeException e) {
            obs.log("the audit records of run " + runId + "'s end did not reach the catalog: " + e.getMessage());
        }
    }

    private static RoundRecord roundRecord(RoundSummary s) {
        return new RoundRecord(s.round(), s.seconds(), s.bytesSent(), s.bytesReceived(), s.nodesOk(), s.failures().size(),
                RunReport.JSON.valueToTree(s.metrics()).toString(), failures(s));
    }

    /** The failures of a round as {@code {"domain": "reason"}}, null when every node delivered. */
    private static String failures(RoundSummary s) {
        if (s.failures().isEmpty()) return null;
        ObjectNode o = RunReport.JSON.createObjectNode();
        for (var f : s.failures()) o.put(f.nodeId(), f.code() + ": " + f.reason());
        return o.toString();
    }
}

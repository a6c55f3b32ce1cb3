package io.meshfl.coordinator;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.meshfl.core.ErrorCode;
import io.meshfl.core.MeshflException;
import io.meshfl.core.catalog.Catalog;
import io.meshfl.core.catalog.ChainSeals;
import io.meshfl.core.catalog.RoundRecord;
import io.meshfl.core.catalog.RunCheckpoints;
import io.meshfl.core.catalog.RunRecord;
import io.meshfl.core.plan.JobLoader;
import io.meshfl.core.plan.JobSpec;
import io.meshfl.core.plan.Plan;
import io.meshfl.core.protocol.RunCheckpoint;
import io.meshfl.core.protocol.horizontal.Failure;
import io.meshfl.core.protocol.horizontal.RoundSummary;

import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;

/**
 * What a starting coordinator does with the runs its catalog still shows RUNNING (no coordinator
 * drives them any more): a horizontal run with a committed round goes on from there once its
 * nodes are back (those still away rejoin later), a vertical, split-network or boosted-tree one
 * with a committed epoch or tree (every party's part persisted) once all its parties are back; any other ends INTERRUPTED with the
 * reason, sealed like every ended run. Either way no run stays RUNNING without a live coordinator.
 */
final class Resumptions {

    /** The strategies whose runs go on from a committed checkpoint. */
    private static final java.util.Set<String> RESUMABLE = java.util.Set.of("horizontal", "vertical", "split", "secureboost");

    private static final ObjectMapper PLANS = new ObjectMapper().configure(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES, false);

    private final JobRunner runner;
    private final Consumer<String> log;
    private final Duration grace;
    private final boolean takesUp;
    private final Tellings tellings;

    /**
     * @param grace    how long a resumed run waits for all its nodes to register again before it goes
     *                 on with those that have (at least the job's minimum), or ends INTERRUPTED
     * @param tellings the coordinator's, which tell the parties of the runs ended INTERRUPTED here
     */
    Resumptions(JobRunner runner, Consumer<String> log, Duration grace, boolean takesUp, Tellings tellings) {
        this.runner = runner;
        this.log = log;
        this.grace = grace;
        this.takesUp = takesUp;
        this.tellings = tellings;
    }

    /** Decides every orphaned run now; resumed ones go on in their own threads. Returns the threads (tests join them). */
    List<Thread> start() {
        Catalog catalog = runner.catalog();
        List<Thread> threads = new ArrayList<>();
        for (RunRecord r : catalog.runningRuns()) {
            if (runner.isLive(r.id())) continue;
            Resumable how;
            try {
                how = resumable(r);
            } catch (MeshflException e) {
                how = new Resumable(null, null, null, List.of(), "its coordinator stopped while it ran (started " + r.startedAt()
                        + "); it cannot be resumed: " + e.getMessage());
            }
            if (how.why() != null) {
                interrupt(r, how.why());
                continue;
            }
            Resumable go = how;
            LiveRuns.LiveRun live = runner.live(r, r.submitter());
            Thread t = new Thread(() -> resume(r, go, live), "meshfl-resume-" + r.id());
            t.setDaemon(true);
            t.start();
            threads.add(t);
            log.accept("run " + r.id() + " of job " + r.jobId() + " was left RUNNING; it resumes after round " + go.from().round()
                    + " once its nodes are back");
        }
        return threads;
    }

    /** How a run goes on: its job, plan, checkpoint and the rounds before it; or why it cannot ({@code why} not null). */
    private record Resumable(JobSpec job, Plan plan, RunCheckpoint from, List<RoundSummary> before, String why) {
    }

    private Resumable resumable(RunRecord r) {
        Catalog catalog = runner.catalog();
        String stopped = "its coordinator stopped while it ran (started " + r.startedAt() + ")";
        if (!takesUp) {
            return new Resumable(null, null, null, List.of(), stopped + "; an embedded mesh lives for one command and does not take runs up "
                    + "in the background: submit the job again, or run it on a standing coordinator to have it resumed");
        }
        if (!RESUMABLE.contains(r.strategy())) {
            return new Resumable(null, null, null, List.of(), stopped + "; " + r.strategy() + " runs are not resumed: their parties' "
                    + "per-run state is not checkpointed, so the parties discard it when they hear of it");
        }
        var jobRecord = catalog.job(r.jobId()).orElseThrow(() -> new MeshflException(ErrorCode.CATALOG_NOT_FOUND, "job " + r.jobId() + " is gone"));
        JobSpec job = JobLoader.parse(jobRecord.specYaml(), "catalog:job " + r.jobId());
        if (job.privacy() != null) {
            return new Resumable(null, null, null, List.of(), stopped + "; differentially private runs are not resumed: the updates of the "
                    + "round in flight may have left their domains, and running it again would spend budget the run was not charged");
        }
        if (r.strategy().equals("split") && job.split() != null && job.split().activationNoise() > 0) {
            return new Resumable(null, null, null, List.of(), stopped + "; split runs with activation noise are not resumed: the noisy "
                    + "activations of the epoch in flight may have left their domains, and running it again would release more of them");
        }
        var from = new RunCheckpoints(catalog).latest(r.id());
        if (from.isEmpty()) {
            String unit = switch (r.strategy()) {
                case "horizontal" -> "round";
                case "secureboost" -> "tree";
                default -> "epoch";
            };
            return new Resumable(null, null, null, List.of(), stopped + " before any " + unit + " was committed"
                    + (r.strategy().equals("horizontal") ? "" : " with every party's part persisted") + "; submit the job again");
        }
        Plan plan;
        try {
            plan = PLANS.readValue(r.planJson(), Plan.class);
        } catch (java.io.IOException e) {
            return new Resumable(null, null, null, List.of(), stopped + "; its plan in the catalog cannot be read back (" + e.getMessage() + ")");
        }
        List<RoundSummary> before = new ArrayList<>();
        for (RoundRecord rr : catalog.rounds(r.id())) {
            if (rr.round() <= from.get().round()) before.add(summary(rr, job.rounds()));
        }
        return new Resumable(job, plan, from.get(), before, null);
    }

    private void resume(RunRecord r, Resumable how, LiveRuns.LiveRun live) {
        JobObserver obs = live.fanOut(logging(r.id()));
        try {
            List<String> domains = how.plan().participants().stream().map(Plan.Participant::domain).distinct().toList();
            long deadline = System.nanoTime() + grace.toNanos();
            while (System.nanoTime() < deadline && !domains.stream().allMatch(runner.registry()::alive)) {
                live.checkCancelled();
                Thread.sleep(200);
            }
            List<String> away = domains.stream().filter(d -> !runner.registry().alive(d)).toList();
            // a horizontal run goes on with enough of its nodes; every party of the others holds columns it cannot do without
            int needed = r.strategy().equals("horizontal") ? how.job().aggregator().minNodes() : domains.size();
            if (domains.size() - away.size() < needed) {
                String why = interrupt(r, "its coordinator stopped while it ran; the nodes of " + away + " did not register again within "
                        + grace.toSeconds() + " s, and the job needs " + needed + " node(s)");
                obs.ended(r.id(), RunRecord.INTERRUPTED, why);
                return;
            }
            var resume = new RunCheckpoints(runner.catalog()).resumed(r.id(), how.from().round(),
                    away.isEmpty() ? null : "went on without " + away + ", which rejoin when they register again");
            log.accept("run " + r.id() + " resumes after round " + how.from().round() + " (attempt " + resume.attempt() + ")"
                    + (away.isEmpty() ? "" : "; " + away + " not back yet"));
            runner.execute(new JobRunner.Execution(how.job(), how.plan(), r, r.submitter(), null, null, how.from(), how.before(),
                    resume.attempt()), live, logging(r.id()));
            log.accept("run " + r.id() + " ended SUCCEEDED after resuming");
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (MeshflException e) {
            if (e.code() == ErrorCode.RUN_CANCELLED && runner.catalog().run(r.id()).map(x -> x.status().equals(RunRecord.RUNNING)).orElse(false)) {
                // cancelled while it waited for its nodes: it never went on
                EndReports.keepPartial(runner.catalog(), r, RunRecord.CANCELLED, e.getMessage(), log);
                runner.catalog().cancelRun(r.id(), e.getMessage(), r.bytesSent(), r.bytesReceived());
                new RunCheckpoints(runner.catalog()).discard(r.id());
                runner.seal(r.id());
                obs.ended(r.id(), RunRecord.CANCELLED, e.getMessage());
            }
            log.accept("run " + r.id() + " ended after resuming: " + e.getMessage());
        } catch (RuntimeException e) {
            log.accept("run " + r.id() + " ended after resuming: " + e);
        } finally {
            runner.endLive(r.id());
        }
    }

    private String interrupt(RunRecord r, String why) {
        EndReports.keepPartial(runner.catalog(), r, RunRecord.INTERRUPTED, why, log);
        runner.catalog().interruptRun(r.id(), why);
        new RunCheckpoints(runner.catalog()).discard(r.id());
        ChainSeals.Seal seal = runner.seal(r.id());
        log.accept("run " + r.id() + " of job " + r.jobId() + " was left RUNNING; marked INTERRUPTED: " + why);
        tellParties(r, seal);
        return why;
    }

    /**
     * Tells the run's parties, once they are registered again (up to the grace), that it ended
     * INTERRUPTED, with its seal: they drop what they hold of it and close its authorization. A
     * party still away is logged; its authorization stays open until it is told.
     */
    private void tellParties(RunRecord r, ChainSeals.Seal seal) {
        List<String> domains = runner.catalog().runProducts(r.id()).stream().map(io.meshfl.core.catalog.ProductRecord::domain).distinct().toList();
        if (domains.isEmpty()) return;
        // numbered past every message of the attempts before, as a resumed attempt's are
        long after = (long) (new RunCheckpoints(runner.catalog()).resumes(r.id()).size() + 1) << 32;
        tellings.start(r.id(), runner.catalog(), audit -> {
            boolean stopping;
            try {
                stopping = !tellings.await(grace, () -> domains.stream().allMatch(runner.registry()::alive));
            } catch (InterruptedException e) {
                return;
            }
            Map<String, io.meshfl.core.protocol.NodeChannel> channels = new LinkedHashMap<>();
            for (String d : domains) {
                if (runner.registry().alive(d)) {
                    channels.put(d, AuditingChannel.wrap(new RegistryChannel(runner.registry(), d), audit, runner.transport(), after));
                } else {
                    log.accept("node of " + d + " did not register again " + (stopping ? "before the coordinator stopped" : "within "
                            + grace.toSeconds() + " s") + "; it has not heard that run " + r.id() + " ended INTERRUPTED");
                }
            }
            new RunSession(channels, r.jobId(), r.id()).end(RunRecord.INTERRUPTED, seal, log);
        });
    }

    /** A resumed run has no submitter's stream: its rounds go to the coordinator's log (followers see them too). */
    private JobObserver logging(String runId) {
        return new JobObserver() {
            @Override
            public void plan(String explain) {
            }

            @Override
            public void round(RoundSummary s) {
                log.accept("run " + runId + " round " + s.round() + "/" + s.rounds() + " " + s.metrics());
            }

            @Override
            public void log(String line) {
                log.accept("run " + runId + ": " + line);
            }
        };
    }

    /** A recorded round as the runner's history holds it. */
    static RoundSummary summary(RoundRecord r, int rounds) {
        Map<String, Double> metrics = new LinkedHashMap<>();
        List<Failure> failures = new ArrayList<>();
        try {
            if (r.metricsJson() != null) PLANS.readTree(r.metricsJson()).fields().forEachRemaining(e -> metrics.put(e.getKey(), e.getValue().asDouble()));
            if (r.failuresJson() != null) {
                PLANS.readTree(r.failuresJson()).fields().forEachRemaining(e -> {
                    String text = e.getValue().asText();
                    int colon = text.indexOf(": ");
                    ErrorCode code = ErrorCode.NODE_FAILURE;
                    if (colon > 0) {
                        try {
                            code = ErrorCode.valueOf(text.substring(0, colon));
                            text = text.substring(colon + 2);
                        } catch (IllegalArgumentException ignored) {
                            // a reason without a code prefix keeps its whole text
                        }
                    }
                    failures.add(new Failure(e.getKey(), code, text));
                });
            }
        } catch (java.io.IOException e) {
            throw new MeshflException(ErrorCode.CATALOG_FAILURE, "round " + r.round() + " in the catalog is unreadable: " + e.getMessage(), e);
        }
        return new RoundSummary(r.round(), rounds, r.seconds(), r.bytesSent(), r.bytesReceived(), r.nodesOk(), failures, metrics);
    }
}

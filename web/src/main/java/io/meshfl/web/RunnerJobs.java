package io.meshfl.web;

import io.meshfl.coordinator.JobObserver;
import io.meshfl.coordinator.JobRunner;
import io.meshfl.core.protocol.horizontal.RoundSummary;
import io.meshfl.core.ErrorCode;
import io.meshfl.core.MeshflException;
import io.meshfl.core.plan.JobSpec;
import io.meshfl.core.trust.SignedTicket;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Consumer;

/**
 * The coordinator's {@link JobRunner} as the API starts runs: each job on a thread of its own,
 * answered as soon as its run is registered (or refused); its rounds reach the catalog, and so the
 * API's followers, as any run's do, its report is kept there when it ends (served at
 * {@code /api/runs/{id}/report}), and how it ended goes to the coordinator's log.
 */
public final class RunnerJobs implements JobService, AutoCloseable {

    /** How long a submission waits for its run to be admitted (planning, the ticket's checks, nodes alive). */
    static final long ADMIT_SECONDS = 120;

    private final JobRunner runner;
    private final Consumer<String> log;
    private final ExecutorService pool = Executors.newCachedThreadPool(r -> {
        Thread t = new Thread(r, "meshfl-api-run");
        t.setDaemon(true);
        return t;
    });

    public RunnerJobs(JobRunner runner, Consumer<String> log) {
        this.runner = runner;
        this.log = log;
    }

    @Override
    public Started submit(JobSpec job, String yaml, SignedTicket ticket, String caller, boolean acceptWarnings) {
        CompletableFuture<Started> started = new CompletableFuture<>();
        pool.submit(() -> {
            try {
                runner.run(job, yaml, plan -> ticket, caller, acceptWarnings, new JobObserver() {
                    @Override
                    public void plan(String explain) {
                    }

                    @Override
                    public void round(RoundSummary round) {
                    }

                    @Override
                    public void log(String line) {
                        log.accept(line);
                    }

                    @Override
                    public void started(String runId, String jobId) {
                        log.accept("run " + runId + " of job " + jobId + " started, submitted by " + caller + " over HTTPS");
                        started.complete(new Started(runId, jobId));
                    }
                });
            } catch (RuntimeException e) {
                if (!started.completeExceptionally(e)) log.accept("a run submitted by " + caller + " over HTTPS ended: " + e.getMessage());
            }
        });
        try {
            return started.get(ADMIT_SECONDS, TimeUnit.SECONDS);
        } catch (ExecutionException e) {
            if (e.getCause() instanceof MeshflException m) throw m;
            throw new MeshflException(ErrorCode.COORDINATOR_FAILURE, "the job could not start: " + e.getCause().getClass().getSimpleName());
        } catch (TimeoutException e) {
            throw new MeshflException(ErrorCode.COORDINATOR_FAILURE, "the job was not admitted within " + ADMIT_SECONDS + " s; see runs for its state");
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new MeshflException(ErrorCode.COORDINATOR_FAILURE, "interrupted while the job was admitted");
        }
    }

    @Override
    public String cancel(String runId, String who) {
        return runner.cancel(runId, who);
    }

    @Override
    public void close() {
        pool.shutdownNow();
    }
}

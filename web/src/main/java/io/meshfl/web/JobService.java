package io.meshfl.web;

import io.meshfl.core.plan.JobSpec;
import io.meshfl.core.trust.SignedTicket;

/** The coordinator's runs as the API starts and stops them. */
public interface JobService {

    /** A run that started: its id and its job's. */
    record Started(String runId, String jobId) {
    }

    /**
     * Starts {@code job} (its file's text {@code yaml}) under the ticket {@code caller} signed, and
     * returns once its run is registered; a refusal (ticket, grants, budget, plan) is thrown as the
     * coordinator's error, before any node works. The run goes on after this returns.
     */
    Started submit(JobSpec job, String yaml, SignedTicket ticket, String caller, boolean acceptWarnings);

    /** Asks a running run to stop after its current round on behalf of {@code who}; why it cannot, or null. */
    String cancel(String runId, String who);
}

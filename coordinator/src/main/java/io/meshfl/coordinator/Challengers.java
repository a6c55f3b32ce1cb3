package io.meshfl.coordinator;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.meshfl.core.catalog.JobRecord;
import io.meshfl.core.catalog.RetrainTickets;
import io.meshfl.core.plan.JobSpec;
import io.meshfl.core.plan.Plan;
import io.meshfl.core.trust.JobTicket;
import io.meshfl.core.trust.StandingRun;
import io.meshfl.core.trust.TicketVerifier;

import java.util.List;

/** Challengers that run under their owner's standing retraining ticket (see {@link Retraining}). */
final class Challengers {

    private Challengers() {
    }

    /**
     * Runs a challenger of the model of job {@code armed.jobId()} under its owner's standing ticket,
     * which this coordinator can present but not make: each node takes the run only when some product
     * is at a version no run under that ticket used there before, its own or another domain's by that
     * domain's attestation, collected here. The challenger's job stays armed by it.
     */
    static ObjectNode run(JobRunner runner, JobSpec job, String specYaml, RetrainTickets.Armed armed, JobObserver observer) {
        var jobRecord = runner.catalog().createJob(job.name(), specYaml);
        Plan plan;
        TicketVerifier.VerifiedStanding v;
        List<JobTicket.ProductVersion> products;
        String nonce;
        try {
            plan = runner.plan(job);
            observer.plan(plan.explain());
            products = Tickets.products(plan);
            v = Tickets.admitChallenger(runner.verifier(), armed.signed(), specYaml, plan.strategy(), products);
            Tickets.checkGrants(runner.catalog(), runner::contract, products, v.submitter(), JobTicket.TRAIN, plan.strategy());
            plan.requireAccepted(false, job.sourceFile());
            nonce = Tickets.challengerNonce(runner.catalog(), v, products);
        } catch (RuntimeException e) {
            runner.catalog().updateJobStatus(jobRecord.id(), JobRecord.REFUSED);
            throw e;
        }
        List<io.meshfl.core.trust.VersionAttestation> attested;
        try {
            attested = Attestations.collect(runner.registry(), runner.catalog(), runner.verifier(), jobRecord.id(), v.ticket(), products);
        } catch (RuntimeException e) {
            runner.catalog().updateJobStatus(jobRecord.id(), JobRecord.REFUSED);
            throw e;
        }
        new RetrainTickets(runner.catalog()).arm(jobRecord.id(), armed.signed());
        // the new versions' attestations ride with the signed ticket: each node whose products did not change counts them
        byte[] presented = new StandingRun(armed.signed(), products, attested).encode();
        observer.log("challenger under the standing retraining ticket of " + v.submitter() + " (valid until " + v.ticket().validUntil() + ")");
        return runner.start(jobRecord, job, plan, v.submitter(), v.authenticated(), nonce, StandingRun.fingerprint(presented), presented, observer);
    }
}

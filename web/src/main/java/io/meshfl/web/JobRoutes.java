package io.meshfl.web;

import com.fasterxml.jackson.databind.JsonNode;
import io.meshfl.coordinator.Tickets;
import io.meshfl.core.plan.JobSpec;
import io.meshfl.core.plan.Plan;
import io.meshfl.core.trust.JobTicket;
import io.meshfl.core.trust.SignedTicket;

import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Submitting and cancelling jobs over HTTP. A job runs only under a ticket its submitter signed,
 * as with {@code meshfl run}: {@code POST /api/jobs/draft} plans the job for the caller and
 * answers the ticket to sign (the exact bytes, and what they say); the caller signs them with its
 * own key (a browser with WebCrypto, a tool with its key file) and {@code POST /api/jobs} starts
 * the run under that signature. The coordinator never holds a key that could sign for anyone, so
 * the nodes' own checks of the ticket stand whoever submits.
 */
final class JobRoutes {

    /** How long a draft waits for its signature. */
    static final Duration DRAFT_LIFE = Duration.ofMinutes(10);
    static final int MAX_DRAFTS = 1024;

    private record Draft(String caller, String yaml, JobSpec job, byte[] ticket, Instant expires) {
    }

    private final Backend backend;
    private final Map<String, Draft> drafts = new ConcurrentHashMap<>();

    JobRoutes(Backend backend) {
        this.backend = backend;
    }

    private static final Route.Param ID = Route.Param.path("id", "the run's id");

    List<Route> routes() {
        return List.of(
                new Route("POST", "/api/jobs/draft", "Plans a job (its YAML file as the body) for the caller and answers the job ticket to sign: "
                        + "its bytes (base64) and what they say, valid ten minutes", List.of(), false, "Draft", "application/yaml", this::draft),
                new Route("POST", "/api/jobs", "Starts a drafted job under the caller's signature of its ticket: {draft, signature (base64; "
                        + "P1363 or DER for EC keys), certificate (base64 DER), accept_warnings}; answers 202 with the run once it started",
                        List.of(), false, "Started", Route.JSON, this::submit),
                new Route("POST", "/api/runs/{id}/cancel", "Asks a running run to stop after its current round (its submitter or the operator)",
                        List.of(ID), false, "Cancelled", this::cancel));
    }

    private JobService jobs() {
        if (backend.jobs() == null) throw new ApiException(new Problem(503, "Service unavailable", "MeshFL-700 COORDINATOR_FAILURE",
                "this server reads the catalog but does not run jobs"));
        return backend.jobs();
    }

    private JsonNode draft(Request q) {
        jobs();
        JobSpec job = Planning.parse(q.body());
        Plan plan = Planning.plan(backend, q.caller(), job);
        JobTicket t = Tickets.draft(q.caller().label(), JobTicket.TRAIN, job.name(), plan.strategy(), q.body(), Tickets.products(plan), null);
        byte[] bytes = t.encode();
        Instant now = Instant.now();
        drafts.values().removeIf(d -> d.expires().isBefore(now));
        if (drafts.size() >= MAX_DRAFTS) throw new ApiException(new Problem(503, "Service unavailable", "MeshFL-700 COORDINATOR_FAILURE",
                MAX_DRAFTS + " jobs wait for their signature already; try again later"));
        String id = t.nonce();
        drafts.put(id, new Draft(q.caller().label(), q.body(), job, bytes, now.plus(DRAFT_LIFE)));
        var o = Json.MAPPER.createObjectNode().put("draft", id).put("ticket", Base64.getEncoder().encodeToString(bytes))
                .put("strategy", plan.strategy()).put("explain", plan.explain()).put("expires_at", now.plus(DRAFT_LIFE).toString());
        o.set("says", Json.parse(new String(bytes, java.nio.charset.StandardCharsets.UTF_8)));
        o.set("warnings", Json.MAPPER.valueToTree(plan.warnings()));
        return o;
    }

    private JsonNode submit(Request q) {
        JobService jobs = jobs();
        JsonNode in;
        try {
            in = Json.MAPPER.readTree(q.body());
        } catch (java.io.IOException e) {
            throw new ApiException(Problem.badRequest("the submission is not JSON"));
        }
        Draft d = drafts.remove(in.path("draft").asText(""));
        // a draft is its caller's and used once: another identity cannot start it, a second submission finds nothing
        if (d == null || !d.caller().equals(q.caller().label()) || d.expires().isBefore(Instant.now())) {
            if (d != null && !d.caller().equals(q.caller().label())) drafts.put(in.path("draft").asText(), d);
            throw new ApiException(Problem.notFound("no job draft '" + in.path("draft").asText("") + "' of " + q.caller().label()
                    + " waits for a signature (drafts last " + DRAFT_LIFE.toMinutes() + " minutes and are used once)"));
        }
        byte[] certDer = Json.base64(in, "certificate", "the submission");
        X509Certificate cert;
        try {
            cert = (X509Certificate) CertificateFactory.getInstance("X.509").generateCertificate(new java.io.ByteArrayInputStream(certDer));
        } catch (java.security.GeneralSecurityException | RuntimeException e) {
            throw new ApiException(Problem.badRequest("the submission's certificate does not parse"));
        }
        byte[] signature = Json.base64(in, "signature", "the submission");
        SignedTicket ticket = new SignedTicket(d.ticket(), certDer, Sessions.der(cert, d.ticket(), signature));
        JobService.Started s = jobs.submit(d.job(), d.yaml(), ticket, q.caller().label(), in.path("accept_warnings").asBoolean(false));
        q.reply().status(202);
        return Json.MAPPER.createObjectNode().put("run_id", s.runId()).put("job_id", s.jobId());
    }

    private JsonNode cancel(Request q) {
        JobService jobs = jobs();
        String id = q.path("id");
        Caller c = q.caller();
        var r = Visibility.run(backend.catalog(), c, id);
        if (!c.operator() && !c.label().equals(r.submitter())) {
            throw new ApiException(Problem.forbidden("run " + id + " was submitted by " + r.submitter() + "; only its submitter or the operator may cancel it"));
        }
        // the operator stops any run; everyone else their own
        String why = jobs.cancel(id, c.operator() ? null : c.label());
        if (why != null) throw new ApiException(new Problem(409, "Conflict", "MeshFL-" + io.meshfl.core.ErrorCode.RUN_CANCELLED.number()
                + " RUN_CANCELLED", why));
        return Json.MAPPER.createObjectNode().put("run_id", id).put("message", "run " + id + " stops after its current round");
    }
}

package io.meshfl.node;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.meshfl.core.ErrorCode;
import io.meshfl.core.MeshflException;
import io.meshfl.core.contract.DataContract;
import io.meshfl.core.protocol.Message;
import io.meshfl.core.protocol.session.SessionSteps;
import io.meshfl.core.trust.Access;
import io.meshfl.core.trust.JobTicket;
import io.meshfl.core.trust.Journal;
import io.meshfl.core.trust.SignedTicket;
import io.meshfl.core.trust.StandingRun;
import io.meshfl.core.trust.StandingTicket;
import io.meshfl.core.trust.TicketVerifier;

import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The node's own decision whether to serve a run. A run is served only after the coordinator has
 * presented the submitter's signed job ticket for it (on the run's first request to the node, or
 * alone as {@code session/authorize}) and the node has
 * checked, itself: the signature against the mesh CA, that the ticket names this node's products
 * at the versions it serves, that its contracts grant the submitter this use and protocol, and
 * that neither the ticket's nonce nor the run id was ever used here before. Every later request
 * must belong to an authorized run, stay within the ticket's strategy and purpose, and touch only
 * the products the ticket names. Authorizations and ends are written durably to a journal
 * ({@code runs.jsonl}), so a nonce is refused again after a restart.
 *
 * <p>A challenger's run may instead come under its owner's standing retraining ticket
 * ({@link StandingRun}): then each of this node's products must be at the version it serves, and
 * some product of the run at a version new on this node under that ticket (neither named when the
 * owner signed nor counted here by an earlier run under it): one of this node's own, or another
 * domain's proven by that domain's signed {@link io.meshfl.core.trust.VersionAttestation}. The new
 * (ticket, product, version) triples are journaled with the authorization, so they outlive restarts.
 */
final class RunAuthorizations {

    /** A run this node agreed to serve. */
    record Active(String runId, String jobId, String submitter, boolean authenticated, String purpose, String strategy,
                  Set<String> products, String nonce, String ticket, String spec) {
    }

    private final String domain;
    private final Map<String, DataContract> products;
    private final Journal journal;
    private final Set<String> usedNonces = ConcurrentHashMap.newKeySet();
    private final Set<String> usedRuns = ConcurrentHashMap.newKeySet();
    /** (standing nonce, product, version) that a run under a standing ticket trained on here. */
    private final Set<String> usedStanding = ConcurrentHashMap.newKeySet();
    private final Map<String, Active> active = new ConcurrentHashMap<>();
    private volatile TicketVerifier verifier = TicketVerifier.unauthenticated();

    RunAuthorizations(String domain, Map<String, DataContract> products, Journal journal) {
        this.domain = domain;
        this.products = products;
        this.journal = journal;
        for (ObjectNode e : journal.entries()) {
            String run = e.path("run").asText();
            switch (e.path("kind").asText()) {
                case "authorize" -> {
                    usedNonces.add(e.path("nonce").asText());
                    usedRuns.add(run);
                    if (e.hasNonNull("standing")) e.path("versions").forEach(v -> usedStanding.add(e.path("standing").asText() + "|" + v.asText()));
                    Set<String> own = new LinkedHashSet<>();
                    e.path("products").forEach(p -> own.add(p.asText()));
                    active.put(run, new Active(run, e.path("job").asText(), e.path("submitter").asText(), e.path("authenticated").asBoolean(),
                            e.path("purpose").asText(), e.path("strategy").asText(), own, e.path("nonce").asText(), e.path("ticket").asText(),
                            e.hasNonNull("spec") ? e.path("spec").asText() : null));
                }
                case "end" -> active.remove(run);
                default -> { }
            }
        }
    }

    void verifier(TicketVerifier v) {
        this.verifier = v;
    }

    TicketVerifier verifierInUse() {
        return verifier;
    }

    /**
     * Opens the run of a protocol request that carries its ticket: authorizes it as
     * {@link #authorize} does and returns it, or, when the run is open already under these very
     * ticket bytes (requests sent at once before the first answer), returns null. A ticket other
     * than the one the run was opened with is refused.
     */
    synchronized Active open(Message req) {
        Active a = active.get(req.runId());
        if (a == null) return authorize(req);
        byte[] blob = req.blob(SessionSteps.TICKET);
        String presented = StandingRun.presents(blob) ? StandingRun.fingerprint(blob) : SignedTicket.decode(blob).fingerprint();
        if (!presented.equals(a.ticket())) {
            throw refuse("run " + req.runId() + " is open on this node under another job ticket; refused " + req.protocol() + "/" + req.step());
        }
        return null;
    }

    /** Checks the ticket of {@code req} and records the run as authorized, or throws POLICY_VIOLATION saying why. */
    synchronized Active authorize(Message req) {
        if (req.runId().isEmpty()) throw refuse("an authorization without a run id");
        if (StandingRun.presents(req.blob(SessionSteps.TICKET))) return authorizeStanding(req);
        SignedTicket signed = SignedTicket.decode(req.blob(SessionSteps.TICKET));
        TicketVerifier.Verified v = verifier.verify(signed, Instant.now());
        JobTicket t = v.ticket();
        if (usedNonces.contains(t.nonce())) {
            throw refuse("the job ticket of " + v.submitter() + " with nonce " + t.nonce() + " was already used for a run on this node: "
                    + "a signed job runs once (replayed as run " + req.runId() + ")");
        }
        if (usedRuns.contains(req.runId())) {
            throw refuse("run id " + req.runId() + " was already used on this node; a run id is never reused");
        }
        Set<String> own = new LinkedHashSet<>();
        for (JobTicket.ProductVersion pv : t.products()) {
            DataContract c = products.get(pv.id());
            if (c == null) {
                if (pv.id().startsWith(domain + ".")) {
                    throw refuse("the job ticket names product " + pv.id() + " of domain " + domain + ", which this node does not serve");
                }
                continue;
            }
            if (!c.version().equals(pv.version())) {
                throw refuse("the job ticket was signed for product " + pv.id() + " version " + pv.version() + "; this node serves version "
                        + c.version());
            }
            String why = Access.refusal(c, v.submitter(), t.purpose(), t.strategy());
            if (why != null) throw refuse(why);
            own.add(pv.id());
        }
        if (own.isEmpty()) throw refuse("the job ticket of " + v.submitter() + " names none of this node's products " + products.keySet());
        String spec = signedSpec(req, t.specSha256(), t.purpose(), v.submitter(), v.authenticated());
        ArrayNode ps = JsonNodeFactory.instance.arrayNode();
        own.forEach(ps::add);
        ObjectNode entry = JsonNodeFactory.instance.objectNode().put("kind", "authorize").put("run", req.runId()).put("job", req.jobId())
                .put("nonce", t.nonce()).put("submitter", v.submitter()).put("authenticated", v.authenticated()).put("purpose", t.purpose())
                .put("strategy", t.strategy()).put("ticket", v.fingerprint()).put("issued", t.issuedAt().toString());
        entry.set("products", ps);
        if (spec != null) entry.put("spec", spec);
        // on the disk before the first byte of the run is served: a restart cannot forget a used nonce
        journal.append(entry, true);
        usedNonces.add(t.nonce());
        usedRuns.add(req.runId());
        Active a = new Active(req.runId(), req.jobId(), v.submitter(), v.authenticated(), t.purpose(), t.strategy(), own, t.nonce(), v.fingerprint(),
                spec);
        active.put(req.runId(), a);
        return a;
    }

    /**
     * Authorizes a challenger's run under its owner's standing retraining ticket: the ticket verified
     * now (signature, certificate, valid until), the run's products exactly the signed ones, each of
     * this node's at the version it serves with its contract granting the owner training, at least
     * one product (its own, or another domain's by attestation) at a version neither named at
     * signing nor counted under this ticket here before, the spec the signed one and the run id new.
     * The new versions go to the journal, forced, before the run is served.
     */
    private Active authorizeStanding(Message req) {
        byte[] blob = req.blob(SessionSteps.TICKET);
        StandingRun run = StandingRun.decode(blob);
        TicketVerifier.VerifiedStanding v = verifier.verifyStanding(run.standing(), Instant.now());
        StandingTicket s = v.ticket();
        String owner = "the standing retraining ticket of " + v.submitter();
        if (usedRuns.contains(req.runId())) throw refuse("run id " + req.runId() + " was already used on this node; a run id is never reused");
        Set<String> presented = new LinkedHashSet<>();
        run.products().forEach(p -> presented.add(p.id()));
        if (!presented.equals(s.ids()) || presented.size() != run.products().size()) {
            throw refuse(owner + " was signed for products " + s.ids() + "; run " + req.runId() + " reads " + presented + ": a challenger reads "
                    + "exactly the products its owner signed");
        }
        Set<String> own = new LinkedHashSet<>();
        List<String> versions = new ArrayList<>();
        List<String> notNew = new ArrayList<>();
        for (JobTicket.ProductVersion pv : run.products()) {
            DataContract c = products.get(pv.id());
            if (c == null) {
                if (pv.id().startsWith(domain + ".")) throw refuse(owner + " names product " + pv.id() + " of domain " + domain + ", which this node does not serve");
                continue;
            }
            if (!c.version().equals(pv.version())) {
                throw refuse("run " + req.runId() + " under " + owner + " reads product " + pv.id() + " version " + pv.version() + "; this node serves version "
                        + c.version());
            }
            String why = Access.refusal(c, v.submitter(), JobTicket.TRAIN, s.strategy());
            if (why != null) throw refuse(why);
            own.add(pv.id());
            if (c.version().equals(s.versionOf(pv.id()))) {
                notNew.add(owner + " was signed over product " + pv.id() + " version " + c.version() + ", so that version counts as used");
            } else if (usedStanding.contains(s.nonce() + "|" + pv.id() + "@" + c.version())) {
                notNew.add(owner + " (nonce " + s.nonce() + ") already trained on product " + pv.id() + " version " + c.version() + " on this node");
            } else {
                versions.add(pv.id() + "@" + c.version());
            }
        }
        if (own.isEmpty()) throw refuse(owner + " names none of this node's products " + products.keySet());
        // another domain's new version counts here only on that domain's signed word, never on the coordinator's
        List<String> attested = AttestedVersions.newHere(run, s, domain, verifier, x -> usedStanding.contains(s.nonce() + "|" + x), Instant.now());
        if (versions.isEmpty() && attested.isEmpty()) {
            throw refuse(String.join("; ", notNew) + "; and run " + req.runId() + " relays " + (run.attestations().isEmpty()
                    ? "no attestation of another product's new version" : "no attestation of a version new on this node")
                    + ": a standing ticket trains again once per version published after it of some product of the run, on each node");
        }
        versions.addAll(attested);
        String spec = signedSpec(req, s.specSha256(), JobTicket.TRAIN, v.submitter(), v.authenticated());
        String fingerprint = StandingRun.fingerprint(blob);
        ArrayNode ps = JsonNodeFactory.instance.arrayNode();
        own.forEach(ps::add);
        ArrayNode vs = JsonNodeFactory.instance.arrayNode();
        versions.forEach(vs::add);
        ObjectNode entry = JsonNodeFactory.instance.objectNode().put("kind", "authorize").put("run", req.runId()).put("job", req.jobId())
                .put("nonce", fingerprint).put("standing", s.nonce()).put("submitter", v.submitter()).put("authenticated", v.authenticated())
                .put("purpose", JobTicket.TRAIN).put("strategy", s.strategy()).put("ticket", fingerprint).put("standing_ticket", v.fingerprint())
                .put("valid_until", s.validUntil().toString());
        entry.set("products", ps);
        entry.set("versions", vs);
        if (!attested.isEmpty()) {
            ArrayNode as = JsonNodeFactory.instance.arrayNode();
            attested.forEach(as::add);
            entry.set("attested", as);
        }
        if (spec != null) entry.put("spec", spec);
        // forced before the run is served: a restart cannot forget which versions were trained on
        journal.append(entry, true);
        usedNonces.add(fingerprint);
        usedRuns.add(req.runId());
        versions.forEach(x -> usedStanding.add(s.nonce() + "|" + x));
        Active a = new Active(req.runId(), req.jobId(), v.submitter(), v.authenticated(), JobTicket.TRAIN, s.strategy(), own, fingerprint, fingerprint,
                spec);
        active.put(req.runId(), a);
        return a;
    }

    /**
     * The job spec a training run's ticket was signed for, sent beside the ticket: the node checks the
     * settings of the run's requests against it ({@link SignedSettings}). It must hash to the ticket's
     * spec SHA-256; in a mesh with a CA a training ticket without it is refused, since a coordinator
     * could otherwise choose settings no submitter signed.
     */
    private String signedSpec(Message req, String specSha256, String purpose, String submitter, boolean authenticated) {
        byte[] spec = req.blobs().get(SessionSteps.SPEC);
        if (spec == null) {
            if (authenticated && purpose.equals(JobTicket.TRAIN)) {
                throw refuse("the job ticket of " + submitter + " came without the job spec it was signed for; this node checks a training "
                        + "run's settings against the spec its submitter signed");
            }
            return null;
        }
        if (!io.meshfl.core.trust.HashChain.sha256Hex(spec).equals(specSha256)) {
            throw refuse("the job spec sent with the ticket of " + submitter + " is not the one it was signed for (sha256 " + specSha256 + ")");
        }
        return new String(spec, java.nio.charset.StandardCharsets.UTF_8);
    }

    /** Why {@code req} (of protocol family {@code family}) must be refused, or null when its run allows it. */
    String violation(Message req, String family) {
        Active a = active.get(req.runId());
        if (a == null) {
            return "run '" + req.runId() + "' of job '" + req.jobId() + "' is not authorized on this node: no signed job ticket was presented "
                    + "for it, or it has ended; refused " + req.protocol() + "/" + req.step();
        }
        if (!a.jobId().equals(req.jobId())) {
            return "run " + a.runId() + " was authorized for job " + a.jobId() + ", not job " + req.jobId() + "; refused " + req.protocol() + "/" + req.step();
        }
        boolean inference = req.protocol().endsWith("-infer") || req.protocol().endsWith("-serve");
        if (!family.equals("psi") && inference != a.purpose().equals(JobTicket.PREDICT)) {
            return "run " + a.runId() + " was granted to " + a.purpose() + " (job ticket of " + a.submitter() + "); refused a "
                    + req.protocol() + " request";
        }
        if (!allowedFamilies(a.strategy()).contains(family)) {
            return "run " + a.runId() + " was signed for strategy " + a.strategy() + "; refused a " + req.protocol() + " request (" + req.step() + ")";
        }
        for (String p : PolicyGuard.productsOf(req)) {
            if (products.containsKey(p) && !a.products().contains(p)) {
                return "product " + p + " is not named in the job ticket of run " + a.runId() + " (it names " + a.products() + ")";
            }
        }
        return null;
    }

    /** Ends a run's authorization (the run finished, failed or was cancelled); returns it, or null if it was not active. */
    synchronized Active end(String runId, String outcome, JsonNode seal) {
        Active a = active.remove(runId);
        if (a == null) return null;
        ObjectNode entry = JsonNodeFactory.instance.objectNode().put("kind", "end").put("run", runId).put("outcome", outcome);
        if (seal != null) entry.set("seal", seal);
        // not forced: a lost end only leaves the authorization open until its ticket expires; nonces are forced at authorize
        journal.append(entry, false);
        return a;
    }

    /**
     * Takes a run that goes on under a restarted coordinator: only one this node authorized and has
     * not ended, for the same job; the resume is noted in the registry. Throws POLICY_VIOLATION otherwise.
     */
    Active resume(Message req) {
        Active a = active.get(req.runId());
        if (a == null) {
            throw refuse("run " + req.runId() + " cannot resume on this node: it was never authorized here, or it has ended");
        }
        if (!a.jobId().equals(req.jobId())) throw refuse("run " + a.runId() + " was authorized for job " + a.jobId() + ", not job " + req.jobId());
        note(req.runId(), "resume", "goes on after round " + req.cfg("from_round", "?"));
        return a;
    }

    /** Adds a note about a run to the registry (e.g. a seal that did not verify). */
    void note(String runId, String what, String text) {
        journal.append(JsonNodeFactory.instance.objectNode().put("kind", "note").put("run", runId).put("what", what).put("text", text), false);
    }

    Active active(String runId) {
        return active.get(runId);
    }

    List<Active> activeRuns() {
        return new ArrayList<>(active.values());
    }

    /** The request families a strategy's runs send (entity alignment precedes every cross-domain layout). */
    static Set<String> allowedFamilies(String strategy) {
        return switch (Access.protocolOf(strategy)) {
            case "horizontal" -> Set.of("horizontal");
            case "vertical", "federated-factorized" -> Set.of("psi", "vertical");
            case "split" -> Set.of("psi", "split");
            case "secureboost" -> Set.of("psi", "secureboost");
            case "pooled" -> Set.of("pooled", "psi");
            default -> new HashSet<>();
        };
    }

    private static MeshflException refuse(String why) {
        return new MeshflException(ErrorCode.POLICY_VIOLATION, why);
    }
}

package io.meshfl.coordinator;

import io.meshfl.core.ErrorCode;
import io.meshfl.core.MeshflException;
import io.meshfl.core.catalog.Catalog;
import io.meshfl.core.catalog.ProductRecord;
import io.meshfl.core.contract.DataContract;
import io.meshfl.core.plan.Plan;
import io.meshfl.core.trust.Access;
import io.meshfl.core.trust.HashChain;
import io.meshfl.core.trust.JobTicket;
import io.meshfl.core.trust.SignedTicket;
import io.meshfl.core.trust.StandingTicket;
import io.meshfl.core.trust.TicketVerifier;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The coordinator's checks of a submitter's job ticket before a run starts: signed by whom it
 * names (and by the caller who presented it), for exactly this spec, this strategy and these
 * product versions, and granted by every product's contract to that identity. The nodes check the
 * same again on their own; the coordinator checks first so a refusal comes before any node works.
 */
public final class Tickets {

    private Tickets() {
    }

    /** The product versions a plan pins, training and evaluation, each once, in plan order. */
    public static List<JobTicket.ProductVersion> products(Plan plan) {
        Map<String, String> out = new LinkedHashMap<>();
        for (Plan.Participant p : plan.participants()) out.putIfAbsent(p.productId(), p.version());
        for (Plan.Participant p : plan.evaluation()) out.putIfAbsent(p.productId(), p.version());
        List<JobTicket.ProductVersion> list = new ArrayList<>();
        out.forEach((id, v) -> list.add(new JobTicket.ProductVersion(id, v)));
        return list;
    }

    /** The text a prediction request's ticket hashes as its spec (both the client and the coordinator build it). */
    public static String predictSpec(String modelId, List<String> products, String requester) {
        return predictSpec(modelId, products, requester, PredictOptions.NONE);
    }

    /** As above, with what the request declares besides ({@code options}). */
    public static String predictSpec(String modelId, List<String> products, String requester, PredictOptions options) {
        return "predict model=" + modelId + " products=" + String.join(",", products) + " requester=" + (requester == null ? "" : requester)
                + options.spec();
    }

    /** A ticket for {@code submitter} to sign, matching a plan. */
    public static JobTicket draft(String submitter, String purpose, String jobName, String strategy, String spec,
                                  List<JobTicket.ProductVersion> products, String modelId) {
        return new JobTicket(JobTicket.VERSION, submitter, purpose, jobName, strategy, HashChain.sha256Hex(spec), JobTicket.freshNonce(),
                products, modelId, System.currentTimeMillis());
    }

    /**
     * The verified ticket, or a POLICY_VIOLATION naming what does not match: the signature, the
     * caller (the identity of the connection that presented it; null in-process), the spec, the
     * strategy, the product versions, the purpose or the model.
     */
    static TicketVerifier.Verified admit(TicketVerifier verifier, SignedTicket signed, String caller, String purpose, String spec,
                                         String strategy, List<JobTicket.ProductVersion> products, String modelId) {
        TicketVerifier.Verified v = verifier.verify(signed, java.time.Instant.now());
        JobTicket t = v.ticket();
        if (caller != null && !caller.equals(v.submitter())) {
            refuse("the job ticket of " + v.submitter() + " was presented by " + caller + "; a submitter presents its own tickets");
        }
        if (!t.purpose().equals(purpose)) refuse("the job ticket was signed to " + t.purpose() + ", not to " + purpose);
        if (!t.specSha256().equals(HashChain.sha256Hex(spec))) {
            refuse("the job ticket of " + v.submitter() + " was signed for another job spec (sha256 " + t.specSha256() + ", submitted "
                    + HashChain.sha256Hex(spec) + ")");
        }
        if (!t.strategy().equals(strategy)) {
            refuse("the job ticket was signed for strategy " + t.strategy() + " but the plan now chooses " + strategy + "; plan and sign again");
        }
        if (!new java.util.HashSet<>(t.products()).equals(new java.util.HashSet<>(products))) {
            refuse("the job ticket was signed for products " + describe(t.products()) + " but the plan reads " + describe(products)
                    + " (a contract version changed?); plan and sign again");
        }
        if (modelId != null && !modelId.equals(t.modelId())) refuse("the job ticket was signed for model " + t.modelId() + ", not " + modelId);
        return v;
    }

    /**
     * The owner's standing retraining ticket that comes with its job, checked as the job's own ticket
     * is: verified now, of the job's submitter, for exactly this spec, strategy and product versions
     * (which its first run uses up), or a POLICY_VIOLATION naming what does not match.
     */
    static TicketVerifier.VerifiedStanding admitStanding(TicketVerifier verifier, SignedTicket signed, String submitter, String spec,
                                                         String strategy, List<JobTicket.ProductVersion> products) {
        TicketVerifier.VerifiedStanding v = standingFor(verifier, signed, spec, strategy, products);
        if (!v.submitter().equals(submitter)) refuse("the standing retraining ticket is of " + v.submitter() + ", the job of " + submitter);
        if (!new java.util.HashSet<>(v.ticket().products()).equals(new java.util.HashSet<>(products))) {
            refuse("the standing retraining ticket was signed for products " + describe(v.ticket().products()) + " but the plan reads "
                    + describe(products) + "; plan and sign again");
        }
        return v;
    }

    /**
     * The owner's standing ticket for a challenger's run over {@code products}: verified now, for
     * exactly this spec, strategy and products, some of them at a version other than the one it was
     * signed over (each node checks that no earlier challenger used it there, for another domain's
     * product on that domain's attestation).
     */
    static TicketVerifier.VerifiedStanding admitChallenger(TicketVerifier verifier, SignedTicket signed, String spec, String strategy,
                                                           List<JobTicket.ProductVersion> products) {
        TicketVerifier.VerifiedStanding v = standingFor(verifier, signed, spec, strategy, products);
        if (products.stream().allMatch(p -> p.version().equals(v.ticket().versionOf(p.id())))) {
            refuse("the standing retraining ticket of " + v.submitter() + " was signed over " + describe(products) + ", so those versions count "
                    + "as used: a challenger under it reads a version published after it of some product");
        }
        return v;
    }

    /**
     * The nonce a challenger's run is recorded under: the standing ticket's with the versions it reads,
     * so the catalog too holds one run per set of versions (each node keeps its own count); refused
     * when a run under it read these versions already.
     */
    static String challengerNonce(Catalog catalog, TicketVerifier.VerifiedStanding v, List<JobTicket.ProductVersion> products) {
        List<String> read = products.stream().map(p -> p.id() + "@" + p.version()).toList();
        String nonce = v.ticket().nonce() + "-" + HashChain.sha256Hex(read.toString().getBytes(java.nio.charset.StandardCharsets.UTF_8))
                .substring(0, 16);
        catalog.runs().stream().filter(r -> nonce.equals(r.nonce())).findFirst().ifPresent(r -> refuse("the standing retraining ticket of "
                + v.submitter() + " already ran a challenger over " + read + " as run " + r.id() + "; it allows one run per new version"));
        return nonce;
    }

    private static TicketVerifier.VerifiedStanding standingFor(TicketVerifier verifier, SignedTicket signed, String spec, String strategy,
                                                               List<JobTicket.ProductVersion> products) {
        TicketVerifier.VerifiedStanding v = verifier.verifyStanding(signed, java.time.Instant.now());
        StandingTicket t = v.ticket();
        if (!t.specSha256().equals(HashChain.sha256Hex(spec))) {
            refuse("the standing retraining ticket of " + v.submitter() + " was signed for another job spec (sha256 " + t.specSha256() + ")");
        }
        if (!t.strategy().equals(strategy)) {
            refuse("the standing retraining ticket was signed for strategy " + t.strategy() + " but the plan now chooses " + strategy);
        }
        java.util.Set<String> ids = new java.util.LinkedHashSet<>();
        products.forEach(p -> ids.add(p.id()));
        if (!ids.equals(t.ids())) refuse("the standing retraining ticket was signed for products " + t.ids() + " but the plan reads " + ids);
        return v;
    }

    /** Refuses, naming product and identity, unless every product's contract (at its pinned version) grants the use. */
    static void checkGrants(Catalog catalog, java.util.function.Function<ProductRecord, DataContract> contracts,
                            List<JobTicket.ProductVersion> products, String submitter, String purpose, String strategy) {
        for (JobTicket.ProductVersion pv : products) {
            ProductRecord r = catalog.product(pv.id(), pv.version()).orElseGet(() -> catalog.requireProduct(pv.id()));
            String why = Access.refusal(contracts.apply(r), submitter, purpose, strategy);
            if (why != null) {
                MeshMetrics.refused(pv.id());
                throw new MeshflException(ErrorCode.PLAN_REFUSED, why);
            }
        }
    }

    private static String describe(List<JobTicket.ProductVersion> ps) {
        return ps.stream().map(p -> p.id() + "@" + p.version()).toList().toString();
    }

    private static void refuse(String why) {
        throw new MeshflException(ErrorCode.POLICY_VIOLATION, why);
    }
}

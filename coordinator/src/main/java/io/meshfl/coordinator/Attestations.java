package io.meshfl.coordinator;

import io.meshfl.core.ErrorCode;
import io.meshfl.core.MeshflException;
import io.meshfl.core.catalog.Catalog;
import io.meshfl.core.catalog.ProductRecord;
import io.meshfl.core.protocol.Message;
import io.meshfl.core.protocol.NodeChannel;
import io.meshfl.core.protocol.session.SessionSteps;
import io.meshfl.core.trust.JobTicket;
import io.meshfl.core.trust.StandingTicket;
import io.meshfl.core.trust.TicketVerifier;
import io.meshfl.core.trust.VersionAttestation;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Before a challenger runs under a standing ticket, asks the node of each product it reads at a
 * version other than the signed one for that node's signed word that it serves it
 * ({@link VersionAttestation}, bound to the ticket's nonce). The coordinator relays them with the
 * run untouched, so a node whose own products did not change can count the other domain's new
 * version on that domain's word; it checks them first only so that a refusal comes before any
 * node works.
 */
final class Attestations {

    private static final Duration TIMEOUT = Duration.ofSeconds(60);

    private Attestations() {
    }

    /**
     * The attestations of the products of {@code products} new under {@code ticket}, one call per
     * domain; none when every domain of the run has a new version of its own.
     */
    static List<VersionAttestation> collect(NodeRegistry registry, Catalog catalog, TicketVerifier verifier, String jobId, StandingTicket ticket,
                                            List<JobTicket.ProductVersion> products) {
        Map<String, List<JobTicket.ProductVersion>> byDomain = new LinkedHashMap<>();
        java.util.Set<String> domains = new java.util.HashSet<>();
        for (JobTicket.ProductVersion pv : products) {
            ProductRecord r = catalog.product(pv.id(), pv.version()).orElseGet(() -> catalog.requireProduct(pv.id()));
            domains.add(r.domain());
            if (pv.version().equals(ticket.versionOf(pv.id()))) continue;
            byDomain.computeIfAbsent(r.domain(), d -> new ArrayList<>()).add(pv);
        }
        List<VersionAttestation> out = new ArrayList<>();
        // when every domain of the run has a new version of its own, each node counts its own: nobody needs another's word
        if (byDomain.keySet().containsAll(domains)) return out;
        byDomain.forEach((domain, pvs) -> {
            NodeChannel channel = registry.channel(domain).filter(c -> registry.alive(domain)).orElseThrow(() -> new MeshflException(
                    ErrorCode.TOO_FEW_NODES, "no live node of domain '" + domain + "' can attest the new version of " + pvs));
            Message reply = channel.call(Message.request(jobId, "", SessionSteps.PROTOCOL, SessionSteps.ATTEST, 0, domain)
                    .withConfig(Map.of(SessionSteps.STANDING, ticket.nonce())), TIMEOUT);
            if (reply.failed()) {
                throw new MeshflException(reply.error().code(), "the node of " + domain + " did not attest the versions it serves: "
                        + reply.error().message());
            }
            for (JobTicket.ProductVersion pv : pvs) out.add(checked(reply, verifier, catalog, ticket, domain, pv));
        });
        return out;
    }

    private static VersionAttestation checked(Message reply, TicketVerifier verifier, Catalog catalog, StandingTicket ticket, String domain,
                                              JobTicket.ProductVersion pv) {
        byte[] blob = reply.blobs().get(SessionSteps.ATTESTATION + pv.id());
        if (blob == null) throw refuse("the node of " + domain + " attested no version of " + pv.id() + ", which the challenger reads");
        VersionAttestation a = VersionAttestation.decode(blob);
        VersionAttestation.Statement s = verifier.verify(a, ticket.nonce(), Instant.now());
        if (!s.product().equals(pv.id()) || !s.version().equals(pv.version())) {
            throw refuse(s.describe() + " does not match the challenger's plan, which reads " + pv.id() + " version " + pv.version()
                    + " (the node changed since it registered?)");
        }
        String registered = catalog.product(pv.id(), pv.version()).map(ProductRecord::contractSha256).orElse(s.contractSha256());
        if (!registered.equals(s.contractSha256())) {
            throw refuse(s.describe() + " names contract sha256 " + s.contractSha256() + ", the catalog holds " + registered);
        }
        return a;
    }

    private static MeshflException refuse(String why) {
        return new MeshflException(ErrorCode.POLICY_VIOLATION, why);
    }
}

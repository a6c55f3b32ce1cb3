package io.meshfl.node;

import io.meshfl.core.ErrorCode;
import io.meshfl.core.MeshflException;
import io.meshfl.core.trust.JobTicket;
import io.meshfl.core.trust.StandingRun;
import io.meshfl.core.trust.StandingTicket;
import io.meshfl.core.trust.TicketVerifier;
import io.meshfl.core.trust.VersionAttestation;

import java.time.Instant;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Predicate;

/**
 * Which other domains' product versions of a run under a standing ticket are new on this node, by
 * the attestations the run relays. Every attestation must hold (see {@link VersionAttestation#verify})
 * and name the version the run reads, or the run is refused: a coordinator relaying one that does
 * not is tampering. Among those that hold, a version counts only when it is neither the one the
 * owner signed nor one this node already counted under the ticket.
 */
final class AttestedVersions {

    private AttestedVersions() {
    }

    /**
     * The {@code product@version} of other domains' products new on this node, in the order relayed;
     * {@code used} tells whether {@code product@version} was counted here under the ticket already.
     */
    static List<String> newHere(StandingRun run, StandingTicket ticket, String domain, TicketVerifier verifier, Predicate<String> used,
                                Instant now) {
        Map<String, String> named = new HashMap<>();
        for (JobTicket.ProductVersion pv : run.products()) named.put(pv.id(), pv.version());
        Set<String> out = new LinkedHashSet<>();
        for (VersionAttestation a : run.attestations()) {
            VersionAttestation.Statement s = verifier.verify(a, ticket.nonce(), now);
            // this node knows its own products' versions; a word about them, even its own, adds nothing
            if (s.domain().equals(domain)) continue;
            String version = named.get(s.product());
            if (version == null) throw refuse(s.describe() + " is relayed with a run that does not read that product");
            if (!version.equals(s.version())) {
                throw refuse(s.describe() + " is relayed with a run that reads version " + version + " of it");
            }
            String pv = s.product() + "@" + s.version();
            if (s.version().equals(ticket.versionOf(s.product())) || used.test(pv)) continue;
            out.add(pv);
        }
        return List.copyOf(out);
    }

    private static MeshflException refuse(String why) {
        return new MeshflException(ErrorCode.POLICY_VIOLATION, why);
    }
}

package io.meshfl.node;

import io.meshfl.core.ErrorCode;
import io.meshfl.core.contract.DataContract;
import io.meshfl.core.protocol.Message;
import io.meshfl.core.protocol.session.SessionSteps;
import io.meshfl.core.trust.HashChain;
import io.meshfl.core.trust.Signer;
import io.meshfl.core.trust.VersionAttestation;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The node's answer to {@code session/attest}: for each of its own products, its signed word that it
 * serves that product at the version it serves now, with that contract, for the standing ticket
 * named. It signs nothing else: no other domain's product, no version but the current one.
 */
final class ServedVersions {

    private ServedVersions() {
    }

    /**
     * The attestations, signed with {@code signer} (this node's domain certificate); a node without
     * one (a plaintext trial mesh) answers them unsigned, which a node with a CA refuses.
     */
    static Message attest(Message req, String nodeId, String domain, Map<String, DataContract> products, Signer signer) {
        String nonce = req.cfg(SessionSteps.STANDING, "");
        if (nonce.isEmpty()) return req.failure(nodeId, ErrorCode.POLICY_VIOLATION, "an attestation request names no standing ticket");
        Map<String, byte[]> blobs = new LinkedHashMap<>();
        for (DataContract c : products.values()) {
            String sha = HashChain.sha256Hex(c.rawYaml());
            VersionAttestation a = signer == null ? VersionAttestation.unsigned(domain, c.id(), c.version(), sha, nonce)
                    : VersionAttestation.sign(signer, domain, c.id(), c.version(), sha, nonce);
            blobs.put(SessionSteps.ATTESTATION + c.id(), a.encode());
        }
        return req.reply(nodeId, Map.of(), Map.of(), blobs);
    }
}

package io.meshfl.node;

import io.meshfl.core.protocol.Message;
import io.meshfl.core.trust.Revocations;
import io.meshfl.core.trust.SealKeys;
import io.meshfl.core.trust.Signer;

import java.security.cert.X509Certificate;
import java.time.Instant;
import java.util.HashMap;
import java.util.Map;

/**
 * The node's side of signed sealing keys ({@link SealKeys}), around every protocol: the key a
 * protocol hands out ({@code seal_pk}) leaves signed with this node's certificate, and every
 * peer's key a request relays ({@code peer:DOMAIN}) reaches the protocol only if that domain's
 * certificate signed it for this job. Protocols keep seeing bare keys.
 */
record PeerKeys(X509Certificate ca, Revocations revocations, Signer signer) {

    /** A node without a CA (a plaintext trial mesh): keys pass bare, every party taken at its word. */
    static final PeerKeys NONE = new PeerKeys(null, null, null);

    /** {@code req} with each relayed peer key checked and unwrapped; POLICY_VIOLATION for a key its domain did not sign. */
    Message check(Message req) {
        Map<String, byte[]> blobs = null;
        for (var e : req.blobs().entrySet()) {
            if (!e.getKey().startsWith("peer:")) continue;
            String domain = e.getKey().substring(5);
            byte[] key = ca == null ? SealKeys.unwrap(e.getValue()) : SealKeys.verify(e.getValue(), req.jobId(), domain, ca, revocations, Instant.now());
            if (blobs == null) blobs = new HashMap<>(req.blobs());
            blobs.put(e.getKey(), key);
        }
        return blobs == null ? req : req.withBlobs(blobs);
    }

    /** {@code reply} with the sealing key it hands out signed by this node, when it has a certificate. */
    Message sign(Message req, Message reply) {
        if (signer == null || reply.failed()) return reply;
        byte[] key = reply.blobs().get("seal_pk");
        if (key == null) return reply;
        Map<String, byte[]> blobs = new HashMap<>(reply.blobs());
        blobs.put("seal_pk", SealKeys.attest(signer, req.jobId(), key));
        return reply.withBlobs(blobs);
    }
}

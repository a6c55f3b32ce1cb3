package io.meshfl.node;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.meshfl.core.catalog.ChainSeals;
import io.meshfl.core.trust.MeshCertificates;
import io.meshfl.core.trust.MeshIdentity;
import io.meshfl.core.trust.Signer;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.security.cert.CertificateException;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.util.Base64;

/**
 * The node's check of a seal the coordinator sends at the end of a run: its hash matches its
 * fields, it is signed with a coordinator certificate of the mesh CA, and it is for the run that
 * ended. A node keeps every seal it was sent, so that a catalog rewritten later no longer matches
 * what the coordinator once signed ({@code meshfl audit verify --node-audit}).
 */
final class SealCheck {

    /** No CA: seals are kept, their signatures checked only against the certificate they carry. */
    static final SealCheck NONE = new SealCheck(null);

    private static final ObjectMapper JSON = new ObjectMapper();

    private final X509Certificate ca;

    SealCheck(X509Certificate ca) {
        this.ca = ca;
    }

    /** The seal in a message blob, or null when there is none. */
    static ObjectNode read(byte[] blob) {
        if (blob == null || blob.length == 0) return null;
        try {
            JsonNode n = JSON.readTree(blob);
            return n instanceof ObjectNode o ? o : JSON.createObjectNode().put("unreadable", true);
        } catch (IOException e) {
            return JSON.createObjectNode().put("unreadable", true);
        }
    }

    /** What is wrong with {@code json} as the seal of run {@code runId}, or null when it verifies. */
    String problem(ObjectNode json, String runId) {
        ChainSeals.Seal s;
        try {
            s = ChainSeals.Seal.fromJson(json);
        } catch (RuntimeException e) {
            return "the seal is malformed (" + e.getMessage() + ")";
        }
        if (!s.runId().equals(runId)) return "the seal is of run " + s.runId() + ", sent at the end of run " + runId;
        if (!s.recomputed().equals(s.hash())) return "the seal's hash does not match its fields";
        if (!s.signed()) return ca == null ? null : "the seal is unsigned, though this mesh has a CA";
        X509Certificate cert;
        try {
            cert = (X509Certificate) CertificateFactory.getInstance("X.509")
                    .generateCertificate(new ByteArrayInputStream(s.certificatePem().getBytes(StandardCharsets.US_ASCII)));
        } catch (CertificateException | RuntimeException e) {
            return "the seal's certificate is unreadable";
        }
        if (ca != null) {
            try {
                MeshIdentity id = MeshCertificates.verify(cert, ca, s.sealedAt());
                if (id.role() != MeshIdentity.Role.COORDINATOR) return "the seal is signed by " + id.describe() + ", not by the coordinator";
            } catch (CertificateException e) {
                return "the seal's certificate is not the mesh's: " + e.getMessage();
            }
        }
        try {
            if (!Signer.verify(cert, s.signedBytes(), Base64.getDecoder().decode(s.signature()))) return "the seal's signature does not match";
        } catch (IllegalArgumentException e) {
            return "the seal's signature is not Base64";
        }
        return null;
    }
}

package io.meshfl.node;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.meshfl.core.catalog.ChainSeals;

import java.io.IOException;
import java.security.cert.X509Certificate;

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
        String bad = s.signatureProblem(ca);
        return bad == null ? null : "the seal: " + bad;
    }
}

package io.meshfl.core.catalog;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.meshfl.core.trust.HashChain;
import io.meshfl.core.trust.MeshCertificates;
import io.meshfl.core.trust.MeshIdentity;
import io.meshfl.core.trust.Signer;

import java.io.ByteArrayInputStream;
import java.security.cert.CertificateException;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;

import java.nio.charset.StandardCharsets;
import java.security.cert.CertificateEncodingException;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Optional;

/**
 * Seals the catalog's chains at the end of every run: the heads of the audit and ledger chains,
 * and a digest of the run's own record (status, metrics, rounds, models), chained to the previous
 * seal and signed with the coordinator's certificate key. Whoever rewrites a chain afterwards
 * must forge this signature, and the nodes keep copies of the seals they were sent.
 */
public final class ChainSeals {

    /** One seal; {@code certificatePem} and {@code signature} (Base64) are null when nobody signed it. */
    public record Seal(long seq, String runId, Instant sealedAt, long auditSeq, String auditHash, long ledgerSeq, String ledgerHash,
                       String runDigest, String prevHash, String hash, String signer, String certificatePem, String signature) {

        Object[] chained() {
            return new Object[]{seq, runId, sealedAt, auditSeq, auditHash, ledgerSeq, ledgerHash, runDigest, signer};
        }

        /** The hash this seal's fields give; equal to {@link #hash()} unless the seal was altered. */
        public String recomputed() {
            return HashChain.link(prevHash, chained());
        }

        /** The seal as nodes receive and keep it. */
        public ObjectNode toJson() {
            ObjectNode o = JsonNodeFactory.instance.objectNode();
            o.put("seq", seq).put("run", runId).put("sealed_at", sealedAt.toString()).put("audit_seq", auditSeq).put("audit_hash", auditHash)
                    .put("ledger_seq", ledgerSeq).put("ledger_hash", ledgerHash).put("run_digest", runDigest).put("prev_hash", prevHash)
                    .put("hash", hash).put("signer", signer);
            if (signed()) o.put("certificate", certificatePem).put("signature", signature);
            return o;
        }

        /** A seal from {@link #toJson()}; throws IllegalArgumentException when a field is missing. */
        public static Seal fromJson(JsonNode o) {
            for (String f : new String[]{"seq", "run", "sealed_at", "audit_seq", "audit_hash", "ledger_seq", "ledger_hash", "run_digest",
                    "prev_hash", "hash", "signer"}) {
                if (!o.hasNonNull(f)) throw new IllegalArgumentException("seal lacks '" + f + "'");
            }
            return new Seal(o.path("seq").asLong(), o.path("run").asText(), Instant.parse(o.path("sealed_at").asText()),
                    o.path("audit_seq").asLong(), o.path("audit_hash").asText(), o.path("ledger_seq").asLong(), o.path("ledger_hash").asText(),
                    o.path("run_digest").asText(), o.path("prev_hash").asText(), o.path("hash").asText(), o.path("signer").asText(),
                    o.hasNonNull("certificate") ? o.path("certificate").asText() : null,
                    o.hasNonNull("signature") ? o.path("signature").asText() : null);
        }

        /** What the signature covers: the seal's hash, which covers every field and the previous seal. */
        public byte[] signedBytes() {
            return hash.getBytes(StandardCharsets.US_ASCII);
        }

        public boolean signed() {
            return signature != null && !signature.isEmpty();
        }

        /**
         * What is wrong with this seal's signature, or null when it holds: the certificate it
         * carries must sign its hash and, when {@code ca} is given, be a coordinator certificate
         * of that CA valid when the seal was made (a certificate that expired since still vouches
         * for its old seals). An unsigned seal has no signature problem; callers decide whether
         * they accept one.
         */
        public String signatureProblem(X509Certificate ca) {
            if (!signed()) return null;
            X509Certificate cert;
            try {
                cert = (X509Certificate) CertificateFactory.getInstance("X.509")
                        .generateCertificate(new ByteArrayInputStream(certificatePem.getBytes(StandardCharsets.US_ASCII)));
            } catch (CertificateException | RuntimeException e) {
                return "its signer certificate is unreadable";
            }
            if (ca != null) {
                try {
                    MeshIdentity id = MeshCertificates.verify(cert, ca, sealedAt);
                    if (id.role() != MeshIdentity.Role.COORDINATOR) return "it is signed by " + id.describe() + ", not by the coordinator";
                } catch (CertificateException e) {
                    return "its signer certificate is not the mesh's: " + e.getMessage();
                }
            }
            try {
                if (!Signer.verify(cert, signedBytes(), Base64.getDecoder().decode(signature))) {
                    return "its signature does not match (the seal was altered or forged)";
                }
            } catch (IllegalArgumentException e) {
                return "its signature is not Base64";
            }
            return null;
        }
    }

    static final String COLS = "seq, run_id, sealed_at, audit_seq, audit_hash, ledger_seq, ledger_hash, run_digest, prev_hash, row_hash, "
            + "signer, certificate, signature";

    private final Catalog catalog;

    public ChainSeals(Catalog catalog) {
        this.catalog = catalog;
    }

    /** Seals the chains as they stand after run {@code runId} ended, signed by {@code signer} (null: unsigned, plaintext trial mesh). */
    public Seal seal(String runId, Signer signer) {
        return catalog.transaction("seal the chains after run " + runId, c -> {
            Chains.Head sealHead = Chains.lock(c, Chains.SEAL);
            // locked too, so the seal covers one consistent cut of both chains
            Chains.Head audit = Chains.lock(c, Chains.AUDIT);
            Chains.Head ledger = Chains.lock(c, Chains.LEDGER);
            String who = signer == null ? "unsigned" : signer.identity().label();
            Seal draft = new Seal(sealHead.seq() + 1, runId, HashChain.micros(Instant.now()), audit.seq(), audit.hash(), ledger.seq(),
                    ledger.hash(), runDigest(c, runId), sealHead.hash(), null, who, null, null);
            String hash = draft.recomputed();
            String pem = null;
            String sig = null;
            if (signer != null) {
                pem = pem(signer);
                sig = Base64.getEncoder().encodeToString(signer.sign(hash.getBytes(StandardCharsets.US_ASCII)));
            }
            Seal seal = new Seal(draft.seq(), runId, draft.sealedAt(), audit.seq(), audit.hash(), ledger.seq(), ledger.hash(), draft.runDigest(),
                    sealHead.hash(), hash, who, pem, sig);
            try (PreparedStatement ps = c.prepareStatement("INSERT INTO chain_seals (" + COLS + ") VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)")) {
                ps.setLong(1, seal.seq());
                ps.setString(2, runId);
                ps.setObject(3, Catalog.ts(seal.sealedAt()));
                ps.setLong(4, seal.auditSeq());
                ps.setString(5, seal.auditHash());
                ps.setLong(6, seal.ledgerSeq());
                ps.setString(7, seal.ledgerHash());
                ps.setString(8, seal.runDigest());
                ps.setString(9, seal.prevHash());
                ps.setString(10, seal.hash());
                ps.setString(11, who);
                ps.setString(12, pem);
                ps.setString(13, sig);
                ps.executeUpdate();
            }
            Chains.advance(c, Chains.SEAL, new Chains.Head(seal.seq(), hash));
            return seal;
        });
    }

    /** Every seal, oldest first. */
    public List<Seal> list() {
        return catalog.transaction("SELECT seals", ChainSeals::all);
    }

    /** The latest seal of a run. */
    public Optional<Seal> forRun(String runId) {
        List<Seal> all = catalog.transaction("SELECT seals of run " + runId,
                c -> Catalog.query(c, "SELECT " + COLS + " FROM chain_seals WHERE run_id = ? ORDER BY seq", ps -> ps.setString(1, runId), ChainSeals::row));
        return all.isEmpty() ? Optional.empty() : Optional.of(all.get(all.size() - 1));
    }

    static List<Seal> all(Connection c) throws SQLException {
        return Catalog.query(c, "SELECT " + COLS + " FROM chain_seals ORDER BY seq", ps -> { }, ChainSeals::row);
    }

    private static Seal row(ResultSet rs) throws SQLException {
        return new Seal(rs.getLong(1), rs.getString(2), Catalog.instant(rs, 3), rs.getLong(4), rs.getString(5).trim(), rs.getLong(6),
                rs.getString(7).trim(), rs.getString(8).trim(), rs.getString(9).trim(), rs.getString(10).trim(), rs.getString(11), rs.getString(12),
                rs.getString(13));
    }

    /**
     * SHA-256 of everything the catalog says about a run's outcome: its row, its rounds, and its
     * models (parameters by hash, provenance), so an edit after the seal shows.
     */
    static String runDigest(Connection c, String runId) throws SQLException {
        List<Object> fields = new ArrayList<>();
        fields.add(runId);
        try (PreparedStatement ps = c.prepareStatement("SELECT job_id, strategy, status, started_at, ended_at, bytes_sent, bytes_received, "
                + "metrics_json, error, products_csv, submitter, nonce, ticket_sha256, plan_json, config_json, seed FROM runs WHERE id = ?")) {
            ps.setString(1, runId);
            try (ResultSet rs = ps.executeQuery()) {
                if (!rs.next()) {
                    fields.add("missing");
                } else {
                    for (int i = 1; i <= 16; i++) {
                        Object v = switch (i) {
                            case 4, 5 -> HashChain.micros(Catalog.instant(rs, i));
                            case 6, 7, 16 -> rs.getLong(i);
                            default -> rs.getString(i);
                        };
                        fields.add(v);
                    }
                }
            }
        }
        try (PreparedStatement ps = c.prepareStatement("SELECT round_no, seconds, bytes_sent, bytes_received, nodes_ok, nodes_failed, "
                + "metrics_json, failures_json FROM run_rounds WHERE run_id = ? ORDER BY round_no")) {
            ps.setString(1, runId);
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    fields.add((long) rs.getInt(1));
                    fields.add(rs.getDouble(2));
                    fields.add(rs.getLong(3));
                    fields.add(rs.getLong(4));
                    fields.add((long) rs.getInt(5));
                    fields.add((long) rs.getInt(6));
                    fields.add(rs.getString(7));
                    fields.add(rs.getString(8));
                }
            }
        }
        try (PreparedStatement ps = c.prepareStatement("SELECT id, model_type, num_params, params, provenance_json FROM models "
                + "WHERE run_id = ? ORDER BY id")) {
            ps.setString(1, runId);
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    fields.add(rs.getString(1));
                    fields.add(rs.getString(2));
                    fields.add((long) rs.getInt(3));
                    byte[] params = rs.getBytes(4);
                    fields.add(params == null ? null : HashChain.sha256Hex(params));
                    fields.add(rs.getString(5));
                }
            }
        }
        return HashChain.link(HashChain.GENESIS, fields.toArray());
    }

    private static String pem(Signer signer) {
        try {
            return "-----BEGIN CERTIFICATE-----\n" + Base64.getMimeEncoder(64, "\n".getBytes(StandardCharsets.US_ASCII))
                    .encodeToString(signer.certificate().getEncoded()) + "\n-----END CERTIFICATE-----\n";
        } catch (CertificateEncodingException e) {
            throw new IllegalStateException("cannot encode the coordinator's certificate", e);
        }
    }
}

package io.meshfl.core.catalog;


import java.security.cert.X509Certificate;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;

/**
 * Checks the catalog's hash chains and seals and says exactly which records were deleted, inserted
 * or altered: a gap in sequence numbers is a deletion, a record whose hash no longer matches its
 * fields was edited, a record that does not link to the one before it follows a replacement, a head
 * behind or ahead of the last record means the end was cut or the head forged; each seal must
 * verify (hash, chain, signature by the mesh's coordinator certificate) and still match the chain
 * heads and the run record it sealed; every ended run must have its seal.
 */
public final class ChainVerifier {

    /** One problem: which chain, which record (sequence number; 0 for the chain as a whole), what is wrong. */
    public record Finding(String chain, long seq, String what) {
        @Override
        public String toString() {
            return chain + (seq > 0 ? " #" + seq : "") + ": " + what;
        }
    }

    /** What was checked and what was found; {@code notes} say what could not be checked. */
    public record Report(int auditRecords, int ledgerEntries, int seals, int signedSeals, List<Finding> findings, List<String> notes) {
        public boolean ok() {
            return findings.isEmpty();
        }
    }

    private ChainVerifier() {
    }

    /**
     * Verifies the whole catalog. Seal signatures are checked against {@code ca} (the mesh CA's
     * certificate) when given; without it only against the certificate each seal carries, which
     * proves nothing about who signed (said in the notes).
     */
    public static Report verify(Catalog catalog, X509Certificate ca) {
        return catalog.transaction("verify the audit and ledger chains", c -> {
            List<Finding> out = new ArrayList<>();
            List<String> notes = new ArrayList<>();
            List<AuditLog.Stored> audit = AuditLog.stored(c);
            Map<Long, String> auditHashes = new HashMap<>();
            for (AuditLog.Stored s : audit) auditHashes.put(s.record().seq(), s.hash());
            chain(out, "audit", audit, s -> new Link(s.record().seq(), s.prevHash(), s.hash(), s.recomputed(),
                    "run " + s.record().runId() + " " + s.record().step() + " " + s.record().sender() + " -> " + s.record().receiver()),
                    Chains.read(c, Chains.AUDIT));
            List<PrivacyLedger.Entry> ledger = PrivacyLedger.entries(c, "", null);
            Map<Long, String> ledgerHashes = new HashMap<>();
            for (PrivacyLedger.Entry e : ledger) ledgerHashes.put(e.seq(), e.hash());
            chain(out, "ledger", ledger, e -> new Link(e.seq(), e.prevHash(), e.hash(), e.recomputed(),
                    "run " + e.runId() + " product " + e.productId() + " " + e.status()), Chains.read(c, Chains.LEDGER));
            List<ChainSeals.Seal> seals = ChainSeals.all(c);
            chain(out, "seal", seals, s -> new Link(s.seq(), s.prevHash(), s.hash(), s.recomputed(), "seal of run " + s.runId()),
                    Chains.read(c, Chains.SEAL));
            int signed = 0;
            int unsigned = 0;
            Map<String, ChainSeals.Seal> lastSealOfRun = new HashMap<>();
            for (ChainSeals.Seal s : seals) {
                lastSealOfRun.put(s.runId(), s);
                if (s.signed()) {
                    String bad = s.signatureProblem(ca);
                    if (bad != null) out.add(new Finding("seal", s.seq(), "seal of run " + s.runId() + ": " + bad));
                    else signed++;
                } else {
                    unsigned++;
                }
                covered(out, s, "audit", s.auditSeq(), s.auditHash(), auditHashes);
                covered(out, s, "ledger", s.ledgerSeq(), s.ledgerHash(), ledgerHashes);
            }
            for (ChainSeals.Seal s : lastSealOfRun.values()) {
                String now = ChainSeals.runDigest(c, s.runId());
                if (!now.equals(s.runDigest())) {
                    out.add(new Finding("seal", s.seq(), "run " + s.runId() + "'s record (status, metrics, rounds or models) was altered after it was sealed"));
                }
            }
            for (String runId : Catalog.query(c, "SELECT id FROM runs WHERE status <> 'RUNNING' AND nonce IS NOT NULL ORDER BY seq",
                    ps -> { }, rs -> rs.getString(1))) {
                if (!lastSealOfRun.containsKey(runId)) out.add(new Finding("seal", 0, "run " + runId + " ended but has no seal: its seal was deleted"));
            }
            if (unsigned > 0) {
                notes.add(unsigned + " seal(s) are unsigned (a plaintext trial mesh has no coordinator key): an edit followed by a rewrite "
                        + "of every later hash would not be caught");
            }
            if (signed > 0 && ca == null) {
                notes.add("seal signatures were checked against the certificates they carry, not against the mesh CA (give the CA to prove "
                        + "who signed)");
            }
            return new Report(audit.size(), ledger.size(), seals.size(), signed, out, notes);
        });
    }

    /** The first problem of the ledger chain, or null: what {@link PrivacyLedger} checks before it charges. */
    static String ledgerProblem(Connection c) throws SQLException {
        List<Finding> out = new ArrayList<>();
        chain(out, "ledger", PrivacyLedger.entries(c, "", null), e -> new Link(e.seq(), e.prevHash(), e.hash(), e.recomputed(),
                "run " + e.runId() + " product " + e.productId() + " " + e.status()), Chains.read(c, Chains.LEDGER));
        return out.isEmpty() ? null : out.get(0).toString();
    }

    private record Link(long seq, String prev, String hash, String recomputed, String describe) {
    }

    private static <T> void chain(List<Finding> out, String name, List<T> rows, Function<T, Link> link, Chains.Head head) {
        long expectSeq = 1;
        String expectPrev = null;
        for (T row : rows) {
            Link l = link.apply(row);
            if (l.seq() > expectSeq) {
                out.add(new Finding(name, l.seq(), (l.seq() - expectSeq == 1 ? "record #" + expectSeq + " is missing"
                        : "records #" + expectSeq + "..#" + (l.seq() - 1) + " are missing") + " (deleted before " + l.describe() + ")"));
            } else if (expectPrev != null && !l.prev().equals(expectPrev)) {
                out.add(new Finding(name, l.seq(), "does not link to the record before it: that record was altered or replaced (" + l.describe() + ")"));
            } else if (expectPrev == null && l.seq() == 1 && !l.prev().equals(io.meshfl.core.trust.HashChain.GENESIS)) {
                out.add(new Finding(name, 1, "the first record does not start the chain (" + l.describe() + ")"));
            }
            if (!l.recomputed().equals(l.hash())) {
                out.add(new Finding(name, l.seq(), "was altered: its fields no longer match its hash (" + l.describe() + ")"));
            }
            expectSeq = l.seq() + 1;
            expectPrev = l.hash();
        }
        long last = expectSeq - 1;
        if (head.seq() > last) {
            out.add(new Finding(name, 0, (head.seq() == last + 1 ? "record #" + head.seq() + " is missing"
                    : "records #" + (last + 1) + "..#" + head.seq() + " are missing") + " at the end of the chain (deleted)"));
        } else if (head.seq() < last) {
            out.add(new Finding(name, 0, "records after #" + head.seq() + " were added outside MeshFL (the chain head says #" + head.seq() + ")"));
        } else if (last > 0 && !head.hash().equals(expectPrev)) {
            out.add(new Finding(name, last, "the last record does not match the chain head: it was altered or replaced"));
        }
    }

    private static void covered(List<Finding> out, ChainSeals.Seal s, String chain, long seq, String hash, Map<Long, String> hashes) {
        if (seq == 0) return;
        String now = hashes.get(seq);
        if (now == null) {
            out.add(new Finding("seal", s.seq(), "the seal of run " + s.runId() + " covers " + chain + " record #" + seq + ", which is missing"));
        } else if (!now.equals(hash)) {
            out.add(new Finding("seal", s.seq(), "the seal of run " + s.runId() + " covers " + chain + " record #" + seq
                    + " with another hash: the " + chain + " chain was rewritten up to there"));
        }
    }
}

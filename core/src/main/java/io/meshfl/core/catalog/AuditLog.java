package io.meshfl.core.catalog;

import io.meshfl.core.ErrorCode;
import io.meshfl.core.MeshflException;
import io.meshfl.core.trust.HashChain;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/**
 * The catalog's audit log: one record per message that crossed a domain boundary, append-only
 * and hash-chained (each record carries SHA-256 of the previous record's hash and its own
 * fields), so that {@link ChainVerifier} finds any record deleted, inserted or edited afterwards.
 */
public final class AuditLog {

    static final String COLS = "seq, logged_at, job_id, run_id, step, sender, receiver, byte_count, protection, msg_seq";

    private final Catalog catalog;

    public AuditLog(Catalog catalog) {
        this.catalog = catalog;
    }

    /**
     * Appends records in one transaction, in order (their {@code seq} is ignored, a null time means
     * now), and returns the sequence numbers given to them.
     */
    public List<Long> append(List<AuditRecord> records) {
        for (AuditRecord r : records) check(r);
        return catalog.transaction("INSERT " + records.size() + " audit records", c -> {
            List<Long> seqs = new ArrayList<>(records.size());
            appendIn(c, records, seqs);
            return seqs;
        });
    }

    /**
     * Appends checked records inside a caller's transaction (a round commits the audit of its
     * messages with itself: one commit a round), adding their sequence numbers to {@code seqs}.
     */
    static void appendIn(Connection c, List<AuditRecord> records, List<Long> seqs) throws SQLException {
        if (records.isEmpty()) return;
        for (AuditRecord r : records) check(r);
        Chains.Head head = Chains.lock(c, Chains.AUDIT);
        head = insert(c, head, records, seqs);
        Chains.advance(c, Chains.AUDIT, head);
    }

    /**
     * Inserts records after {@code head} (locked by the caller), each linked to the one before;
     * a null time means now. Adds their sequence numbers to {@code seqs}; returns the new head.
     */
    static Chains.Head insert(Connection c, Chains.Head head, List<AuditRecord> records, List<Long> seqs) throws SQLException {
        java.util.Map<String, String> submitters = AuditTallies.submitters(c, records);
        try (PreparedStatement ps = c.prepareStatement("INSERT INTO audit_records (seq, logged_at, job_id, run_id, step, sender, "
                + "receiver, msg_seq, byte_count, protection, prev_hash, row_hash, submitter) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)")) {
            for (AuditRecord given : records) {
                AuditRecord r = new AuditRecord(head.seq() + 1, HashChain.micros(given.at() == null ? Instant.now() : given.at()),
                        given.jobId(), given.runId(), given.step(), given.sender(), given.receiver(), given.bytes(), given.protection(),
                        given.msgSeq());
                String hash = HashChain.link(head.hash(), r.chained());
                ps.setLong(1, r.seq());
                ps.setObject(2, Catalog.ts(r.at()));
                ps.setString(3, r.jobId());
                ps.setString(4, r.runId());
                ps.setString(5, r.step());
                ps.setString(6, r.sender());
                ps.setString(7, r.receiver());
                ps.setLong(8, r.msgSeq());
                ps.setLong(9, r.bytes());
                ps.setString(10, r.protection());
                ps.setString(11, head.hash());
                ps.setString(12, hash);
                String submitter = r.runId() == null ? "" : submitters.getOrDefault(r.runId(), "");
                ps.setString(13, submitter.isEmpty() ? null : submitter); // beside the record, outside its hash
                ps.addBatch();
                seqs.add(r.seq());
                head = new Chains.Head(r.seq(), hash);
            }
            if (!records.isEmpty()) ps.executeBatch();
        }
        AuditTallies.add(c, records, submitters);
        return head;
    }

    /**
     * The most recent {@code limit} records (all when {@code limit <= 0}) of one run, or of all
     * runs when {@code runIdOrNull} is null, oldest first.
     */
    public List<AuditRecord> list(String runIdOrNull, int limit) {
        String where = runIdOrNull == null ? "" : " WHERE run_id = ?";
        String sql = "SELECT " + COLS + " FROM audit_records" + where + " ORDER BY seq DESC" + (limit > 0 ? " LIMIT ?" : "");
        return catalog.transaction("SELECT audit log" + (runIdOrNull == null ? "" : " of run " + runIdOrNull), c -> {
            List<AuditRecord> rows = new ArrayList<>(Catalog.query(c, sql, ps -> {
                int i = 1;
                if (runIdOrNull != null) ps.setString(i++, runIdOrNull);
                if (limit > 0) ps.setInt(i, limit);
            }, AuditLog::row));
            Collections.reverse(rows);
            return rows;
        });
    }

    /**
     * Which records a page holds: of one run, with one party as sender or receiver, of one step, with
     * one protection (each null for any); {@code domain} and {@code submitter} restrict the records to
     * those a domain sent or received, or to runs a client submitted (null: no restriction).
     */
    public record Filter(String runId, String party, String step, String protection, String domain, String submitter) {
        public static Filter all() {
            return new Filter(null, null, null, null, null, null);
        }
    }

    /** One page of records, newest first, and how many match in all. */
    public record Page(List<AuditRecord> records, long total) {
    }

    /**
     * The records matching {@code f}, newest first, from {@code offset}, at most {@code limit}, paged by the database; how many
     * match is read from {@link AuditTallies} (or counted, for one run's records).
     */
    public Page page(Filter f, int offset, int limit) {
        // conditions on a record's own step, parties and protection: the tallies answer how many match them
        StringBuilder own = new StringBuilder();
        List<String> ownArgs = new ArrayList<>();
        if (f.party() != null) {
            own.append(" AND (sender = ? OR receiver = ?)");
            ownArgs.add(f.party());
            ownArgs.add(f.party());
        }
        if (f.step() != null) {
            own.append(" AND step = ?");
            ownArgs.add(f.step());
        }
        if (f.protection() != null) {
            own.append(" AND protection LIKE ?");
            ownArgs.add("%" + f.protection().replace("%", "").replace("_", "") + "%");
        }
        if (f.domain() != null) {
            own.append(" AND (sender = ? OR receiver = ?)");
            ownArgs.add(f.domain());
            ownArgs.add(f.domain());
        }
        StringBuilder where = new StringBuilder(" WHERE 1 = 1");
        List<String> args = new ArrayList<>();
        if (f.runId() != null) {
            where.append(" AND run_id = ?");
            args.add(f.runId());
        }
        where.append(own);
        args.addAll(ownArgs);
        if (f.submitter() != null) {
            where.append(" AND submitter = ?"); // the submitter of the record's run, kept beside it
            args.add(f.submitter());
        }
        if (args.isEmpty()) return catalog.transaction("SELECT a page of the audit log", c -> everything(c, offset, limit));
        return catalog.transaction("SELECT a page of the audit log", c -> {
            long total = f.runId() != null
                    ? Catalog.query(c, "SELECT COUNT(*) FROM audit_records" + where, ps -> {
                        for (int i = 0; i < args.size(); i++) ps.setString(i + 1, args.get(i));
                    }, rs -> rs.getLong(1)).get(0)
                    : AuditTallies.count(c, own.toString(), ownArgs, f.submitter());
            if (total <= offset) return new Page(List.of(), total);
            // newest first; with the column fixed by the filter in front, so that H2 reads the order from its index
            String order = f.submitter() != null ? " ORDER BY submitter DESC, seq DESC" : f.runId() != null ? " ORDER BY run_id DESC, seq DESC" : " ORDER BY seq DESC";
            List<AuditRecord> rows = Catalog.query(c, "SELECT " + COLS + " FROM audit_records" + where + order + " LIMIT ? OFFSET ?",
                    ps -> {
                        int i = 1;
                        for (String a : args) ps.setString(i++, a);
                        ps.setInt(i++, limit);
                        ps.setInt(i, offset);
                    }, AuditLog::row);
            return new Page(rows, total);
        });
    }

    /**
     * A page of the whole log. The chain numbers records one after another from its first, and none is
     * ever removed, so the record {@code offset} places from the newest is the one numbered
     * {@code newest - offset}: the page starts there, read from the key, however deep it is. Should the
     * numbers have a gap (the count says so), the page is cut by offset as any other.
     */
    private static Page everything(Connection c, int offset, int limit) throws SQLException {
        long[] range = null;
        boolean numberedInARow = false;
        // H2 reads a table's count and its first and last key apart: a record appended between them looks like a gap,
        // which a second look does not show
        for (int look = 0; look < 3 && !numberedInARow; look++) {
            range = Catalog.query(c, "SELECT COUNT(*), MIN(seq), MAX(seq) FROM audit_records", ps -> { },
                    rs -> new long[]{rs.getLong(1), rs.getLong(2), rs.getLong(3)}).get(0);
            numberedInARow = range[0] == 0 || range[2] - range[1] + 1 == range[0];
        }
        long[] last = range;
        long total = last[0];
        List<AuditRecord> rows = numberedInARow
                ? Catalog.query(c, "SELECT " + COLS + " FROM audit_records WHERE seq <= ? ORDER BY seq DESC LIMIT ?", ps -> {
                    ps.setLong(1, last[2] - offset);
                    ps.setInt(2, limit);
                }, AuditLog::row)
                : Catalog.query(c, "SELECT " + COLS + " FROM audit_records ORDER BY seq DESC LIMIT ? OFFSET ?", ps -> {
                    ps.setInt(1, limit);
                    ps.setInt(2, offset);
                }, AuditLog::row);
        return new Page(rows, total);
    }

    static AuditRecord row(ResultSet rs) throws SQLException {
        return new AuditRecord(rs.getLong(1), Catalog.instant(rs, 2), rs.getString(3), rs.getString(4), rs.getString(5), rs.getString(6),
                rs.getString(7), rs.getLong(8), rs.getString(9), rs.getLong(10));
    }

    private static void check(AuditRecord r) {
        if (r == null) throw new MeshflException(ErrorCode.CATALOG_FAILURE, "audit record is missing");
        require(r.step(), "audit step");
        require(r.sender(), "audit sender of step " + r.step());
        require(r.receiver(), "audit receiver of step " + r.step());
        require(r.protection(), "audit protection of step " + r.step());
    }

    private static void require(String v, String what) {
        if (v == null || v.isBlank()) throw new MeshflException(ErrorCode.CATALOG_FAILURE, what + " must not be blank");
    }

    /** Every record with its stored hashes, oldest first, for {@link ChainVerifier}. */
    static List<Stored> stored(Connection c) throws SQLException {
        return Catalog.query(c, "SELECT " + COLS + ", prev_hash, row_hash FROM audit_records ORDER BY seq", ps -> { },
                rs -> new Stored(row(rs), rs.getString(11).trim(), rs.getString(12).trim()));
    }

    /** A record as stored, with the hashes it carries. */
    record Stored(AuditRecord record, String prevHash, String hash) {
        String recomputed() {
            return HashChain.link(prevHash, record.chained());
        }
    }
}

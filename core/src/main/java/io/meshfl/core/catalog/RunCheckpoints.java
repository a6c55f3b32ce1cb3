package io.meshfl.core.catalog;

import io.meshfl.core.ErrorCode;
import io.meshfl.core.MeshflException;
import io.meshfl.core.protocol.RunCheckpoint;

import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * The catalog's side of durable runs: a round and the checkpoint to go on from it are committed
 * in one transaction before the next round starts, so after a crash the catalog never holds a
 * round it cannot resume from, nor a checkpoint ahead of its rounds. Only the latest checkpoint
 * of a run is kept; it is dropped when the run ends. Every resume is recorded beside the run.
 */
public final class RunCheckpoints {

    /** One time a run was resumed: its attempt number (1 for the first resume), the round it went on from, when, and a note. */
    public record Resume(int attempt, int fromRound, Instant at, String note) {
    }

    private final Catalog catalog;

    public RunCheckpoints(Catalog catalog) {
        this.catalog = catalog;
    }

    /** Records {@code round} of a RUNNING run and makes {@code checkpoint} (of the same round) the one it resumes from. */
    public void commit(String runId, RoundRecord round, RunCheckpoint checkpoint) {
        commit(runId, round, checkpoint, List.of());
    }

    /**
     * As {@link #commit(String, RoundRecord, RunCheckpoint)}, with the audit records of the round's
     * messages in the same commit: one write to the catalog a round, and a resumed run's audit ends
     * where its committed rounds end.
     */
    public void commit(String runId, RoundRecord round, RunCheckpoint checkpoint, List<AuditRecord> audit) {
        if (checkpoint.round() != round.round()) {
            throw new MeshflException(ErrorCode.INTERNAL, "checkpoint of round " + checkpoint.round() + " committed with round " + round.round());
        }
        byte[] state = checkpoint.encode();
        try {
            insert(runId, round, state, audit);
        } catch (MeshflException e) {
            // a commit that reached the database just before the connection dropped, retried: it is there already, with its checkpoint
            if (e.getMessage().endsWith(ALREADY) && java.util.Arrays.equals(state, stored(runId, round.round()))) return;
            throw e;
        }
    }

    private static final String ALREADY = " is already recorded";

    private void insert(String runId, RoundRecord round, byte[] state, List<AuditRecord> audit) {
        // four statements (and the audit of the round's messages), the fewest that check the run, keep the round and replace the checkpoint: this wait is every round's
        catalog.transaction("COMMIT round " + round.round() + " of run " + runId, c -> {
            String status = Catalog.first(Catalog.query(c, "SELECT status FROM runs WHERE id = ? FOR UPDATE", ps -> ps.setString(1, runId),
                    rs -> rs.getString(1))).orElseThrow(() -> new MeshflException(ErrorCode.CATALOG_NOT_FOUND, "run " + runId + " is not in the catalog"));
            if (!RunRecord.RUNNING.equals(status)) {
                throw new MeshflException(ErrorCode.CATALOG_FAILURE, "run " + runId + " is " + status + "; a round of it cannot be committed");
            }
            try {
                Catalog.insertRoundRow(c, runId, round);
            } catch (SQLException e) {
                if (!UNIQUE_VIOLATION.equals(e.getSQLState())) throw e;
                throw new MeshflException(ErrorCode.CATALOG_FAILURE, "round " + round.round() + " of run " + runId + ALREADY);
            }
            boolean replaced;
            try (PreparedStatement up = c.prepareStatement("UPDATE run_checkpoints SET round_no = ?, state = ?, saved_at = ? WHERE run_id = ?")) {
                up.setInt(1, round.round());
                up.setBytes(2, state);
                up.setObject(3, Catalog.ts(Instant.now()));
                up.setString(4, runId);
                replaced = up.executeUpdate() > 0;
            }
            if (!replaced) {
                try (PreparedStatement ps = c.prepareStatement("INSERT INTO run_checkpoints (run_id, round_no, state, saved_at) VALUES (?, ?, ?, ?)")) {
                    ps.setString(1, runId);
                    ps.setInt(2, round.round());
                    ps.setBytes(3, state);
                    ps.setObject(4, Catalog.ts(Instant.now()));
                    ps.executeUpdate();
                }
            }
            AuditLog.appendIn(c, audit, new ArrayList<>());
            return null;
        });
    }

    /** SQLSTATE of a duplicate key, the same on H2 and PostgreSQL. */
    private static final String UNIQUE_VIOLATION = "23505";

    /** The stored bytes of a run's checkpoint when it is of {@code round}, else null. */
    private byte[] stored(String runId, int round) {
        return catalog.transaction("SELECT checkpoint of run " + runId, c -> Catalog.first(Catalog.query(c,
                "SELECT state FROM run_checkpoints WHERE run_id = ? AND round_no = ?", ps -> {
                    ps.setString(1, runId);
                    ps.setInt(2, round);
                }, rs -> rs.getBytes(1))).orElse(null));
    }

    /** The checkpoint a run resumes from, if any round of it was committed with one. */
    public Optional<RunCheckpoint> latest(String runId) {
        return catalog.transaction("SELECT checkpoint of run " + runId, c -> Catalog.first(Catalog.query(c,
                "SELECT state FROM run_checkpoints WHERE run_id = ?", ps -> ps.setString(1, runId), rs -> RunCheckpoint.decode(rs.getBytes(1)))));
    }

    /** Drops a run's checkpoint (the run ended: its model, or its reason, is what stays). */
    public void discard(String runId) {
        catalog.transaction("DELETE checkpoint of run " + runId, c -> {
            try (PreparedStatement ps = c.prepareStatement("DELETE FROM run_checkpoints WHERE run_id = ?")) {
                ps.setString(1, runId);
                return ps.executeUpdate();
            }
        });
    }

    /** Records that a run goes on from {@code fromRound}; returns the resume with its attempt number. */
    public Resume resumed(String runId, int fromRound, String note) {
        return catalog.transaction("INSERT resume of run " + runId, c -> {
            int attempt = Catalog.query(c, "SELECT COUNT(*) FROM run_resumes WHERE run_id = ?", ps -> ps.setString(1, runId),
                    rs -> rs.getInt(1)).get(0) + 1;
            Instant now = Instant.now();
            try (PreparedStatement ps = c.prepareStatement("INSERT INTO run_resumes (run_id, attempt, from_round, resumed_at, note) "
                    + "VALUES (?, ?, ?, ?, ?)")) {
                ps.setString(1, runId);
                ps.setInt(2, attempt);
                ps.setInt(3, fromRound);
                ps.setObject(4, Catalog.ts(now));
                ps.setString(5, note == null || note.length() <= 2000 ? note : note.substring(0, 1997) + "...");
                ps.executeUpdate();
            }
            return new Resume(attempt, fromRound, now, note);
        });
    }

    /** The times a run was resumed, first first. */
    public List<Resume> resumes(String runId) {
        return catalog.transaction("SELECT resumes of run " + runId, c -> Catalog.query(c,
                "SELECT attempt, from_round, resumed_at, note FROM run_resumes WHERE run_id = ? ORDER BY attempt", ps -> ps.setString(1, runId),
                rs -> new Resume(rs.getInt(1), rs.getInt(2), Catalog.instant(rs, 3), rs.getString(4))));
    }
}

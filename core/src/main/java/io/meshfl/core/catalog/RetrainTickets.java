package io.meshfl.core.catalog;

import io.meshfl.core.trust.SignedTicket;
import io.meshfl.core.trust.StandingTicket;

import java.sql.PreparedStatement;
import java.time.Instant;
import java.util.Base64;
import java.util.Optional;

/**
 * The standing retraining tickets the catalog keeps per job: what arms a model's retraining when the
 * coordinator holds no key of its owner. The catalog keeps the signed bytes as they came; it checks
 * nothing itself: the coordinator verifies a ticket before it stores or uses one, and every node
 * again before it serves a run under it.
 */
public final class RetrainTickets {

    /** A job's standing ticket: who signed it, until when, and the envelope as signed. */
    public record Armed(String jobId, String submitter, String nonce, String fingerprint, Instant validUntil, SignedTicket signed,
                        Instant armedAt) {
    }

    private final Catalog catalog;

    public RetrainTickets(Catalog catalog) {
        this.catalog = catalog;
    }

    /** Keeps {@code signed} (a standing ticket) as what arms the retraining of job {@code jobId}'s model. */
    public Armed arm(String jobId, SignedTicket signed) {
        StandingTicket t = signed.standing();
        return catalog.transaction("INSERT retrain ticket of " + jobId, c -> {
            try (PreparedStatement ps = c.prepareStatement("INSERT INTO retrain_tickets (job_id, submitter, nonce, fingerprint, valid_until, "
                    + "signed_ticket, armed_at) VALUES (?, ?, ?, ?, ?, ?, ?)")) {
                ps.setString(1, jobId);
                ps.setString(2, t.submitter());
                ps.setString(3, t.nonce());
                ps.setString(4, signed.fingerprint());
                ps.setObject(5, Catalog.ts(t.validUntil()));
                ps.setString(6, Base64.getEncoder().encodeToString(signed.encode()));
                ps.setObject(7, Catalog.ts(Instant.now()));
                ps.executeUpdate();
            }
            return get(c, jobId).orElseThrow();
        });
    }

    /** The standing ticket that arms job {@code jobId}'s retraining, if its submitter signed one. */
    public Optional<Armed> of(String jobId) {
        return catalog.transaction("SELECT retrain ticket of " + jobId, c -> get(c, jobId));
    }

    private static Optional<Armed> get(java.sql.Connection c, String jobId) throws java.sql.SQLException {
        return Catalog.query(c, "SELECT job_id, submitter, nonce, fingerprint, valid_until, signed_ticket, armed_at FROM retrain_tickets "
                + "WHERE job_id = ?", ps -> ps.setString(1, jobId), rs -> new Armed(rs.getString(1), rs.getString(2), rs.getString(3),
                rs.getString(4), Catalog.instant(rs, 5), SignedTicket.decode(Base64.getDecoder().decode(rs.getString(6))), Catalog.instant(rs, 7)))
                .stream().findFirst();
    }
}

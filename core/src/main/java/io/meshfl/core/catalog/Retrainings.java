package io.meshfl.core.catalog;

import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Types;
import java.time.Instant;
import java.util.List;
import java.util.Locale;
import java.util.Optional;

/**
 * The catalog's record of retraining: each time a model in production (the champion) is trained
 * again as a challenger, what caused it, the challenger's run and model, both values of the
 * held-out metric, the decision and its reason. Kept apart from the registry's stages, which say
 * where each version stands; this says why a challenger did or did not replace its champion.
 */
public final class Retrainings {

    /** How a retraining ended, or that its challenger still runs. */
    public enum Decision {
        /** The challenger's run is under way. */
        RUNNING,
        /** The challenger beat the champion by the margin, kept its approvals and replaced it in production. */
        PROMOTED,
        /** The challenger did not beat the champion by the margin; the champion serves on. */
        REJECTED,
        /** The challenger beat the champion, but its products or their grants changed: it waits as a candidate for the owners. */
        NEEDS_APPROVALS,
        /** The challenger's run was refused or failed; the champion serves on. */
        FAILED;

        public String label() {
            return name().toLowerCase(Locale.ROOT).replace('_', ' ');
        }
    }

    /** One retraining of a champion. */
    public record Retraining(String id, String name, String championId, String challengerId, String runId, String cause, String metric,
                             double margin, Double championValue, Double challengerValue, Decision decision, String reason,
                             Instant startedAt, Instant decidedAt) {
    }

    private static final String COLUMNS = "id, name, champion_id, challenger_id, run_id, cause, metric, margin, champion_value, "
            + "challenger_value, decision, reason, started_at, decided_at";

    private final Catalog catalog;

    public Retrainings(Catalog catalog) {
        this.catalog = catalog;
    }

    /** Records that champion {@code championId} of {@code name} is being retrained because of {@code cause}. */
    public Retraining start(String name, String championId, String cause, String metric, double margin) {
        String id = "retrain-" + io.meshfl.core.trust.JobTicket.freshNonce().substring(0, 16);
        return catalog.transaction("INSERT retraining " + id, c -> {
            try (PreparedStatement ps = c.prepareStatement("INSERT INTO model_retrainings (id, name, champion_id, cause, metric, margin, decision, "
                    + "reason, started_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)")) {
                ps.setString(1, id);
                ps.setString(2, name);
                ps.setString(3, championId);
                ps.setString(4, cause);
                ps.setString(5, metric);
                ps.setDouble(6, margin);
                ps.setString(7, Decision.RUNNING.name());
                ps.setString(8, "the challenger is training");
                ps.setObject(9, Catalog.ts(Instant.now()));
                ps.executeUpdate();
            }
            return get(c, id).orElseThrow();
        });
    }

    /** Records how retraining {@code id} ended; {@code challengerId}, {@code runId} and the values are null where there are none. */
    public Retraining decide(String id, String challengerId, String runId, Double championValue, Double challengerValue, Decision decision,
                             String reason) {
        return catalog.transaction("UPDATE retraining " + id, c -> {
            try (PreparedStatement ps = c.prepareStatement("UPDATE model_retrainings SET challenger_id = ?, run_id = ?, champion_value = ?, "
                    + "challenger_value = ?, decision = ?, reason = ?, decided_at = ? WHERE id = ?")) {
                ps.setString(1, challengerId);
                ps.setString(2, runId);
                setDouble(ps, 3, championValue);
                setDouble(ps, 4, challengerValue);
                ps.setString(5, decision.name());
                ps.setString(6, reason.length() > 2000 ? reason.substring(0, 1997) + "..." : reason);
                ps.setObject(7, Catalog.ts(Instant.now()));
                ps.setString(8, id);
                ps.executeUpdate();
            }
            return get(c, id).orElseThrow();
        });
    }

    /** The retrainings model {@code modelId} took part in, as champion or challenger, oldest first. */
    public List<Retraining> of(String modelId) {
        return catalog.transaction("SELECT retrainings of " + modelId, c -> Catalog.query(c, "SELECT " + COLUMNS + " FROM model_retrainings "
                + "WHERE champion_id = ? OR challenger_id = ? ORDER BY started_at, id", ps -> {
            ps.setString(1, modelId);
            ps.setString(2, modelId);
        }, Retrainings::row));
    }

    /** The retrainings of model name {@code name}, oldest first. */
    public List<Retraining> named(String name) {
        return catalog.transaction("SELECT retrainings of " + name, c -> Catalog.query(c, "SELECT " + COLUMNS + " FROM model_retrainings "
                + "WHERE name = ? ORDER BY started_at, id", ps -> ps.setString(1, name), Retrainings::row));
    }

    private static Optional<Retraining> get(java.sql.Connection c, String id) throws SQLException {
        return Catalog.query(c, "SELECT " + COLUMNS + " FROM model_retrainings WHERE id = ?", ps -> ps.setString(1, id), Retrainings::row)
                .stream().findFirst();
    }

    private static void setDouble(PreparedStatement ps, int i, Double v) throws SQLException {
        if (v == null || v.isNaN()) ps.setNull(i, Types.DOUBLE);
        else ps.setDouble(i, v);
    }

    private static Double getDouble(ResultSet rs, int i) throws SQLException {
        double v = rs.getDouble(i);
        return rs.wasNull() ? null : v;
    }

    private static Retraining row(ResultSet rs) throws SQLException {
        return new Retraining(rs.getString(1), rs.getString(2), rs.getString(3), rs.getString(4), rs.getString(5), rs.getString(6),
                rs.getString(7), rs.getDouble(8), getDouble(rs, 9), getDouble(rs, 10), Decision.valueOf(rs.getString(11)), rs.getString(12),
                Catalog.instant(rs, 13), Catalog.instant(rs, 14));
    }
}

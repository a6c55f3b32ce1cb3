package io.meshfl.core.catalog;

import io.meshfl.core.ErrorCode;
import io.meshfl.core.MeshflException;
import io.meshfl.core.plan.cost.CostModel;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.Optional;

/**
 * The cost-model constants this machine has measured, newest last: what the planner prices
 * materialized against factorized training with once a calibration or the run log has given
 * them, instead of the reference machine's.
 */
public final class CostModelStore {

    /** A stored fit: the constants, where they came from, how many samples, and their leave-one-out decision accuracy. */
    public record Fitted(CostModel model, String source, int samples, Double looAccuracy, Instant fittedAt) {
    }

    private final Catalog catalog;

    public CostModelStore(Catalog catalog) {
        this.catalog = catalog;
    }

    public Fitted save(CostModel m, String source, int samples, Double looAccuracy) {
        Instant now = Instant.now();
        try (Connection c = catalog.connection(); PreparedStatement ps = c.prepareStatement("INSERT INTO cost_models (source, dense_s, "
                + "join_s, index_s, row_s, samples, loo_accuracy, fitted_at, encrypted_s) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)")) {
            ps.setString(1, source);
            ps.setDouble(2, m.dense());
            ps.setDouble(3, m.join());
            ps.setDouble(4, m.index());
            ps.setDouble(5, m.row());
            ps.setInt(6, samples);
            ps.setObject(7, looAccuracy);
            ps.setObject(8, OffsetDateTime.ofInstant(now, ZoneOffset.UTC));
            ps.setDouble(9, m.encrypted());
            ps.executeUpdate();
        } catch (SQLException e) {
            throw new MeshflException(ErrorCode.CATALOG_FAILURE, "cannot store cost-model constants: " + e.getMessage(), e);
        }
        return new Fitted(m, source, samples, looAccuracy, now);
    }

    /** The newest fit, if this machine has measured one. */
    public Optional<Fitted> latest() {
        try (Connection c = catalog.connection(); PreparedStatement ps = c.prepareStatement("SELECT source, dense_s, join_s, index_s, "
                + "row_s, samples, loo_accuracy, fitted_at, encrypted_s FROM cost_models ORDER BY seq DESC LIMIT 1"); ResultSet rs = ps.executeQuery()) {
            if (!rs.next()) return Optional.empty();
            Object loo = rs.getObject(7);
            Object enc = rs.getObject(9);
            return Optional.of(new Fitted(new CostModel(rs.getDouble(2), rs.getDouble(3), rs.getDouble(4), rs.getDouble(5),
                    enc == null ? CostModel.REFERENCE_ENCRYPTED : ((Number) enc).doubleValue()),
                    rs.getString(1), rs.getInt(6), loo == null ? null : ((Number) loo).doubleValue(),
                    rs.getObject(8, OffsetDateTime.class).toInstant()));
        } catch (SQLException e) {
            throw new MeshflException(ErrorCode.CATALOG_FAILURE, "cannot read cost-model constants: " + e.getMessage(), e);
        }
    }
}

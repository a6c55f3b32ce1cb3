package io.meshfl.core.catalog;

import io.meshfl.core.ErrorCode;
import io.meshfl.core.MeshflException;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The catalog's privacy budget ledger: every differentially private run charges its ε against
 * every product it trained on. Epsilons add up across runs (basic composition), which never
 * understates what several runs together spent.
 */
public final class PrivacyLedger {

    /** One product's budget: its contract's total, what runs have charged, and what is left. */
    public record Balance(String productId, double total, double spent) {
        public double remaining() {
            return Math.max(0, total - spent);
        }
    }

    /** One charge of a run against a product. */
    public record Charge(String runId, String productId, double epsilon, double delta, String status) {
    }

    private final Catalog catalog;

    public PrivacyLedger(Catalog catalog) {
        this.catalog = catalog;
    }

    /**
     * Charges {@code epsilon} of run {@code runId} against each product, atomically: if any product
     * with a budget (in {@code budgets}, product id to total ε) has less than that left, nothing is
     * charged and the run is refused with the product, its budget, spent and requested ε named.
     * Products without a budget are charged too, so their spending stays on record.
     */
    public void charge(String runId, Map<String, Double> budgets, List<String> productIds, double epsilon, double delta) {
        try (Connection c = catalog.connection()) {
            c.setAutoCommit(false);
            try {
                for (String id : productIds) {
                    // the row lock serialises concurrent runs over one product: no two pass the check on the same remainder
                    lockProduct(c, id);
                    Double budget = budgets.get(id);
                    double spent = spent(c, id);
                    if (budget != null && spent + epsilon > budget * (1 + 1e-12)) {
                        throw new MeshflException(ErrorCode.PLAN_REFUSED, refusal(id, budget, spent, epsilon));
                    }
                }
                for (String id : productIds) {
                    try (PreparedStatement ps = c.prepareStatement("INSERT INTO privacy_ledger (run_id, product_id, epsilon, delta, status, "
                            + "charged_at) VALUES (?, ?, ?, ?, 'PLANNED', ?)")) {
                        ps.setString(1, runId);
                        ps.setString(2, id);
                        ps.setDouble(3, epsilon);
                        ps.setDouble(4, delta);
                        ps.setObject(5, OffsetDateTime.now(ZoneOffset.UTC));
                        ps.executeUpdate();
                    }
                }
                c.commit();
            } catch (SQLException | RuntimeException e) {
                c.rollback();
                throw e;
            }
        } catch (SQLException e) {
            throw new MeshflException(ErrorCode.CATALOG_FAILURE, "cannot charge run " + runId + " to the privacy ledger: " + e.getMessage(), e);
        }
    }

    /** Replaces a run's planned charge with what it spent; {@code failed} marks a run that ended early. */
    public void settle(String runId, double epsilon, boolean failed) {
        try (Connection c = catalog.connection(); PreparedStatement ps = c.prepareStatement(
                "UPDATE privacy_ledger SET epsilon = ?, status = ?, charged_at = ? WHERE run_id = ?")) {
            ps.setDouble(1, epsilon);
            ps.setString(2, failed ? "FAILED" : "FINAL");
            ps.setObject(3, OffsetDateTime.now(ZoneOffset.UTC));
            ps.setString(4, runId);
            ps.executeUpdate();
        } catch (SQLException e) {
            throw new MeshflException(ErrorCode.CATALOG_FAILURE, "cannot settle run " + runId + " in the privacy ledger: " + e.getMessage(), e);
        }
    }

    /** The ε all runs have charged against a product. */
    public double spent(String productId) {
        try (Connection c = catalog.connection()) {
            return spent(c, productId);
        } catch (SQLException e) {
            throw new MeshflException(ErrorCode.CATALOG_FAILURE, "cannot read the privacy ledger of " + productId + ": " + e.getMessage(), e);
        }
    }

    /** The charges of one product, oldest first. */
    public List<Charge> charges(String productId) {
        try (Connection c = catalog.connection(); PreparedStatement ps = c.prepareStatement("SELECT run_id, product_id, epsilon, delta, status "
                + "FROM privacy_ledger WHERE product_id = ? ORDER BY charged_at, run_id")) {
            ps.setString(1, productId);
            List<Charge> out = new ArrayList<>();
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) out.add(new Charge(rs.getString(1), rs.getString(2), rs.getDouble(3), rs.getDouble(4), rs.getString(5)));
            }
            return out;
        } catch (SQLException e) {
            throw new MeshflException(ErrorCode.CATALOG_FAILURE, "cannot read the privacy ledger of " + productId + ": " + e.getMessage(), e);
        }
    }

    /** The refusal message, shared with the nodes' own ledgers so both read alike. */
    public static String refusal(String productId, double budget, double spent, double requested) {
        String asked = Double.isInfinite(requested) ? "a job without differential privacy (unbounded epsilon)"
                : String.format(Locale.ROOT, "requested epsilon %.4g", requested);
        return String.format(Locale.ROOT, "product %s: privacy budget exceeded: budget epsilon %.4g, spent %.4g, remaining %.4g, %s",
                productId, budget, spent, Math.max(0, budget - spent), asked);
    }

    private static double spent(Connection c, String productId) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("SELECT COALESCE(SUM(epsilon), 0) FROM privacy_ledger WHERE product_id = ?")) {
            ps.setString(1, productId);
            try (ResultSet rs = ps.executeQuery()) {
                rs.next();
                return rs.getDouble(1);
            }
        }
    }

    private static void lockProduct(Connection c, String productId) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("SELECT id FROM products WHERE id = ? FOR UPDATE")) {
            ps.setString(1, productId);
            ps.executeQuery().close();
        }
    }
}

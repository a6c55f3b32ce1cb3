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
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The catalog's privacy budget ledger: every differentially private run charges its ε against
 * every product it trained on. Epsilons add up across runs (basic composition), which never
 * understates what several runs together spent. Append-only and hash-chained: a run's planned
 * charge and its settled figure are two entries, the latest counts; a ledger whose chain does not
 * verify charges nothing more, so deleting entries cannot give a budget back.
 */
public final class PrivacyLedger {

    /** One product's budget: its contract's total, what runs have charged, and what is left. */
    public record Balance(String productId, double total, double spent) {
        public double remaining() {
            return Math.max(0, total - spent);
        }
    }

    /** What one run charged against a product (its latest entry). */
    public record Charge(String runId, String productId, double epsilon, double delta, String status) {
    }

    /** One ledger entry as stored, for {@link ChainVerifier}. */
    record Entry(long seq, String runId, String productId, double epsilon, double delta, String status, Instant at, String prevHash,
                 String hash) {
        Object[] chained() {
            return new Object[]{seq, runId, productId, epsilon, delta, status, at};
        }

        String recomputed() {
            return HashChain.link(prevHash, chained());
        }
    }

    private final Catalog catalog;

    public PrivacyLedger(Catalog catalog) {
        this.catalog = catalog;
    }

    /**
     * Charges {@code epsilon} of run {@code runId} against each product, atomically: if any product
     * with a budget (in {@code budgets}, product id to total ε) has less than that left, nothing is
     * charged and the run is refused with the product, its budget, spent and requested ε named.
     * Products without a budget are charged too, so their spending stays on record. Refused as well
     * when the ledger's chain does not verify.
     */
    public void charge(String runId, Map<String, Double> budgets, List<String> productIds, double epsilon, double delta) {
        catalog.transaction("charge run " + runId + " to the privacy ledger", c -> {
            // the head lock serialises concurrent charges: no two runs pass the check on the same remainder
            Chains.Head head = Chains.lock(c, Chains.LEDGER);
            String broken = ChainVerifier.ledgerProblem(c);
            if (broken != null) {
                throw new MeshflException(ErrorCode.PLAN_REFUSED, "the catalog's privacy ledger fails verification (" + broken
                        + "); no differentially private run is charged until it is restored (see 'meshfl audit verify')");
            }
            for (String id : productIds) {
                Double budget = budgets.get(id);
                double spent = spent(c, id);
                if (budget != null && spent + epsilon > budget * (1 + 1e-12)) {
                    throw new MeshflException(ErrorCode.PLAN_REFUSED, refusal(id, budget, spent, epsilon));
                }
            }
            for (String id : productIds) head = append(c, head, runId, id, epsilon, delta, "PLANNED");
            Chains.advance(c, Chains.LEDGER, head);
            return null;
        });
    }

    /** Appends a run's settled figure for every product it charged; {@code failed} marks a run that ended early. */
    public void settle(String runId, double epsilon, boolean failed) {
        catalog.transaction("settle run " + runId + " in the privacy ledger", c -> {
            Chains.Head head = Chains.lock(c, Chains.LEDGER);
            Map<String, Double> deltas = new LinkedHashMap<>();
            for (Entry e : entries(c, "WHERE run_id = ?", runId)) deltas.put(e.productId(), e.delta());
            for (var d : deltas.entrySet()) head = append(c, head, runId, d.getKey(), epsilon, d.getValue(), failed ? "FAILED" : "FINAL");
            Chains.advance(c, Chains.LEDGER, head);
            return null;
        });
    }

    /** The ε all runs have charged against a product. */
    public double spent(String productId) {
        return catalog.transaction("read the privacy ledger of " + productId, c -> spent(c, productId));
    }

    /** The charges of one product, a line per run (its latest entry), oldest run first. */
    public List<Charge> charges(String productId) {
        return catalog.transaction("read the privacy ledger of " + productId, c -> {
            Map<String, Charge> byRun = new LinkedHashMap<>();
            for (Entry e : entries(c, "WHERE product_id = ?", productId)) {
                byRun.put(e.runId(), new Charge(e.runId(), e.productId(), e.epsilon(), e.delta(), e.status()));
            }
            return new ArrayList<>(byRun.values());
        });
    }

    /** The refusal message, shared with the nodes' own ledgers so both read alike. */
    public static String refusal(String productId, double budget, double spent, double requested) {
        String asked = Double.isInfinite(requested) ? "a job without differential privacy (unbounded epsilon)"
                : String.format(Locale.ROOT, "requested epsilon %.4g", requested);
        return String.format(Locale.ROOT, "product %s: privacy budget exceeded: budget epsilon %.4g, spent %.4g, remaining %.4g, %s",
                productId, budget, spent, Math.max(0, budget - spent), asked);
    }

    static Chains.Head append(Connection c, Chains.Head head, String runId, String productId, double epsilon, double delta, String status)
            throws SQLException {
        return append(c, head, runId, productId, epsilon, delta, status, Instant.now());
    }

    static Chains.Head append(Connection c, Chains.Head head, String runId, String productId, double epsilon, double delta, String status,
                              Instant at) throws SQLException {
        Entry e = new Entry(head.seq() + 1, runId, productId, epsilon, delta, status, HashChain.micros(at), head.hash(), null);
        String hash = e.recomputed();
        try (PreparedStatement ps = c.prepareStatement("INSERT INTO ledger_entries (seq, run_id, product_id, epsilon, delta, status, "
                + "charged_at, prev_hash, row_hash) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)")) {
            ps.setLong(1, e.seq());
            ps.setString(2, runId);
            ps.setString(3, productId);
            ps.setDouble(4, epsilon);
            ps.setDouble(5, delta);
            ps.setString(6, status);
            ps.setObject(7, Catalog.ts(e.at()));
            ps.setString(8, head.hash());
            ps.setString(9, hash);
            ps.executeUpdate();
        }
        return new Chains.Head(e.seq(), hash);
    }

    /** Entries in sequence order, optionally filtered by a WHERE clause with one text parameter. */
    static List<Entry> entries(Connection c, String where, String param) throws SQLException {
        return Catalog.query(c, "SELECT seq, run_id, product_id, epsilon, delta, status, charged_at, prev_hash, row_hash FROM ledger_entries "
                + where + " ORDER BY seq", ps -> {
                    if (param != null) ps.setString(1, param);
                }, rs -> new Entry(rs.getLong(1), rs.getString(2), rs.getString(3), rs.getDouble(4), rs.getDouble(5), rs.getString(6),
                        Catalog.instant(rs, 7), rs.getString(8).trim(), rs.getString(9).trim()));
    }

    private static double spent(Connection c, String productId) throws SQLException {
        Map<String, Double> latest = new LinkedHashMap<>();
        for (Entry e : entries(c, "WHERE product_id = ?", productId)) latest.put(e.runId(), e.epsilon());
        double s = 0;
        for (double v : latest.values()) s += v;
        return s;
    }
}

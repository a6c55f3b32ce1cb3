package io.meshfl.core.catalog;


import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import javax.sql.DataSource;

/**
 * Moves the rows of a catalog from before the hash chains (tables {@code audit_log} and
 * {@code privacy_ledger}) into the chains, in their order, then drops the old tables. Runs when a
 * catalog opens; a no-op once done. Rows are moved and deleted in one transaction, so a crash
 * half-way loses and duplicates nothing.
 */
final class LegacyChains {

    private LegacyChains() {
    }

    static synchronized void adopt(DataSource pool) throws SQLException {
        try (Connection c = pool.getConnection()) {
            if (CatalogSchema.exists(c, "audit_log")) {
                c.setAutoCommit(false);
                Chains.Head head = Chains.lock(c, Chains.AUDIT);
                List<AuditRecord> rows = Catalog.query(c, "SELECT seq, logged_at, job_id, run_id, step, sender, receiver, byte_count, protection "
                        + "FROM audit_log ORDER BY seq", ps -> { }, rs -> new AuditRecord(rs.getLong(1), Catalog.instant(rs, 2), rs.getString(3),
                        rs.getString(4), rs.getString(5), rs.getString(6), rs.getString(7), rs.getLong(8), rs.getString(9)));
                head = AuditLog.insert(c, head, rows, new ArrayList<>());
                Chains.advance(c, Chains.AUDIT, head);
                try (Statement s = c.createStatement()) {
                    s.executeUpdate("DELETE FROM audit_log");
                }
                c.commit();
                c.setAutoCommit(true);
                try (Statement s = c.createStatement()) {
                    s.execute("DROP TABLE audit_log");
                }
            }
            if (CatalogSchema.exists(c, "privacy_ledger")) {
                c.setAutoCommit(false);
                Chains.Head head = Chains.lock(c, Chains.LEDGER);
                record Old(String runId, String productId, double epsilon, double delta, String status, Instant at) {
                }
                List<Old> rows = new ArrayList<>(Catalog.query(c, "SELECT run_id, product_id, epsilon, delta, status, charged_at FROM privacy_ledger "
                        + "ORDER BY charged_at, run_id, product_id", ps -> { }, rs -> new Old(rs.getString(1), rs.getString(2), rs.getDouble(3),
                        rs.getDouble(4), rs.getString(5), Catalog.instant(rs, 6))));
                for (Old o : rows) head = PrivacyLedger.append(c, head, o.runId(), o.productId(), o.epsilon(), o.delta(), o.status(), o.at() == null ? Instant.now() : o.at());
                Chains.advance(c, Chains.LEDGER, head);
                try (Statement s = c.createStatement()) {
                    s.executeUpdate("DELETE FROM privacy_ledger");
                }
                c.commit();
                c.setAutoCommit(true);
                try (Statement s = c.createStatement()) {
                    s.execute("DROP TABLE privacy_ledger");
                }
            }
        }
    }
}

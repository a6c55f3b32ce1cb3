package io.meshfl.core.catalog;

import io.meshfl.core.MeshflException;
import io.meshfl.core.trust.HashChain;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Tampering with a finished run's records directly in the database, as someone with the catalog
 * file would, and {@link ChainVerifier} naming what was deleted or altered
 * ({@link PostgresChainVerifierTest} does the same on PostgreSQL).
 */
class ChainVerifierTest {

    @TempDir
    Path dir;

    private Path db;

    /** Opens the catalog under test (the same one each time within a test). */
    Catalog openCatalog() throws Exception {
        if (db == null) db = dir.resolve("c").resolve("catalog");
        return Catalog.open(db);
    }

    /** A plain JDBC connection to the catalog's database, as its administrator would have, with MeshFL closed. */
    Connection raw() throws Exception {
        return DriverManager.getConnection("jdbc:h2:file:" + db.toAbsolutePath(), "sa", "");
    }

    @BeforeEach
    void twoSealedRuns() throws Exception {
        try (Catalog c = openCatalog()) {
            c.registerProduct("d.p", "d", "1.0.0", "id: d.p\n", 10);
            for (int run = 1; run <= 2; run++) {
                var job = c.createJob("job" + run, "spec");
                RunRecord r = c.startRun(job.id(), "horizontal", "{}", "{}", 1, List.of("d.p"),
                        new Catalog.Ticket("client:operator", "nonce-" + run, HashChain.sha256Hex("t" + run)));
                new PrivacyLedger(c).charge(r.id(), Map.of("d.p", 10.0), List.of("d.p"), 2.0, 1e-5);
                List<AuditRecord> batch = new ArrayList<>();
                for (int i = 1; i <= 5; i++) {
                    batch.add(AuditRecord.of(Instant.now(), job.id(), r.id(), "horizontal/fit", "coordinator", "d", 100 * i, "tls", i));
                }
                c.auditBatch(batch);
                c.recordRound(r.id(), new RoundRecord(1, 0.5, 10, 20, 1, 0, "{\"auc\":0.8}"));
                c.saveModel(r.id(), "logistic", new double[]{1, 2, 3}, "{}");
                c.finishRun(r.id(), "{\"auc\":0.8}", 10, 20);
                new PrivacyLedger(c).settle(r.id(), 1.5, false);
                new ChainSeals(c).seal(r.id(), null);
            }
        }
    }

    private ChainVerifier.Report verify() throws Exception {
        try (Catalog c = openCatalog()) {
            return ChainVerifier.verify(c, null);
        }
    }

    /** SQL run straight against the database, with MeshFL closed: what someone holding the file (or the server) can do. */
    void tamper(String... sql) throws Exception {
        try (Connection c = raw(); Statement s = c.createStatement()) {
            for (String q : sql) s.execute(q);
        }
    }

    private static void finds(ChainVerifier.Report r, String... parts) {
        assertTrue(r.findings().stream().anyMatch(f -> {
            for (String p : parts) if (!f.toString().contains(p)) return false;
            return true;
        }), "expected a finding with " + List.of(parts) + " in " + r.findings());
    }

    @Test
    void anUntouchedCatalogVerifies() throws Exception {
        ChainVerifier.Report r = verify();
        assertTrue(r.ok(), r.findings().toString());
        assertEquals(10, r.auditRecords());
        assertEquals(4, r.ledgerEntries());
        assertEquals(2, r.seals());
    }

    @Test
    void aDeletedAuditRecordIsNamed() throws Exception {
        tamper("DELETE FROM audit_records WHERE seq = 3");
        ChainVerifier.Report r = verify();
        finds(r, "audit #4", "record #3 is missing");
    }

    @Test
    void anAlteredAuditRecordIsNamed() throws Exception {
        tamper("UPDATE audit_records SET byte_count = 1 WHERE seq = 7");
        finds(verify(), "audit #7", "was altered");
    }

    @Test
    void deletingTheNewestRecordsShowsAtTheEndOfTheChain() throws Exception {
        tamper("DELETE FROM audit_records WHERE seq > 8");
        ChainVerifier.Report r = verify();
        finds(r, "audit", "records #9..#10 are missing at the end");
        finds(r, "seal #2", "covers audit record #10, which is missing");
    }

    @Test
    void aRewrittenChainIsCaughtByTheSeal() throws Exception {
        // edit a record, then recompute every later hash and the head, as a careful attacker would
        tamper("UPDATE audit_records SET byte_count = 1 WHERE seq = 2");
        try (Connection c = raw()) {
            List<Object[]> rows = new ArrayList<>();
            try (Statement s = c.createStatement(); ResultSet rs = s.executeQuery("SELECT " + AuditLog.COLS + " FROM audit_records ORDER BY seq")) {
                while (rs.next()) rows.add(new Object[]{AuditLog.row(rs)});
            }
            String prev = HashChain.GENESIS;
            for (Object[] row : rows) {
                AuditRecord r = (AuditRecord) row[0];
                String h = HashChain.link(prev, r.chained());
                try (var ps = c.prepareStatement("UPDATE audit_records SET prev_hash = ?, row_hash = ? WHERE seq = ?")) {
                    ps.setString(1, prev);
                    ps.setString(2, h);
                    ps.setLong(3, r.seq());
                    ps.executeUpdate();
                }
                prev = h;
            }
            try (var ps = c.prepareStatement("UPDATE chain_heads SET head_hash = ? WHERE chain = 'audit'")) {
                ps.setString(1, prev);
                ps.executeUpdate();
            }
        }
        ChainVerifier.Report r = verify();
        finds(r, "seal #1", "covers audit record #5 with another hash");
        assertTrue(r.findings().stream().noneMatch(f -> f.chain().equals("audit")), "the audit chain itself was made consistent: " + r.findings());
    }

    @Test
    void aDeletedLedgerEntryIsNamedAndTheLedgerChargesNoMore() throws Exception {
        tamper("DELETE FROM ledger_entries WHERE seq = 1");
        finds(verify(), "ledger #2", "record #1 is missing");
        try (Catalog c = openCatalog()) {
            var e = assertThrows(MeshflException.class, () -> new PrivacyLedger(c).charge("run-x", Map.of("d.p", 10.0), List.of("d.p"), 1.0, 1e-5));
            assertTrue(e.getMessage().contains("fails verification"), e.getMessage());
        }
    }

    @Test
    void anAlteredLedgerEntryIsNamed() throws Exception {
        tamper("UPDATE ledger_entries SET epsilon = 0.01 WHERE seq = 2");
        finds(verify(), "ledger #2", "was altered");
    }

    @Test
    void aRunEditedAfterItsSealIsNamed() throws Exception {
        tamper("UPDATE runs SET metrics_json = '{\"auc\":0.99}' WHERE nonce = 'nonce-1'");
        finds(verify(), "seal #1", "record (status, metrics, rounds or models) was altered after it was sealed");
    }

    @Test
    void aModelSwappedAfterItsSealIsNamed() throws Exception {
        tamper("UPDATE models SET params = X'0000000000000000' WHERE seq = 2");
        finds(verify(), "seal #2", "altered after it was sealed");
    }

    @Test
    void aDeletedSealIsNamed() throws Exception {
        tamper("DELETE FROM chain_seals WHERE seq = 1");
        ChainVerifier.Report r = verify();
        finds(r, "seal #2", "record #1 is missing");
        finds(r, "ended but has no seal");
    }
}

package io.meshfl.core.catalog;

import io.meshfl.core.MeshflException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.Reader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.Statement;
import java.util.List;
import java.util.Properties;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The embedded catalog belongs to one process, listens nowhere, and only its owner can read it. */
class CatalogIsolationTest {

    @TempDir
    Path dir;

    @Test
    void anotherProcessCannotOpenTheCatalogWhileItIsOpen() throws Exception {
        Path db = dir.resolve("mesh").resolve("catalog");
        try (Catalog c = Catalog.open(db)) {
            c.upsertDomain("parent", "p");
            Process child = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                    "-cp", System.getProperty("java.class.path"), SecondProcess.class.getName(), db.toString())
                    .redirectErrorStream(true).start();
            assertTrue(child.waitFor(120, TimeUnit.SECONDS), "child process timed out");
            String out = new String(child.getInputStream().readAllBytes());
            assertEquals(3, child.exitValue(), out);
            assertTrue(out.contains("is open in another process") && out.contains("catalog.mv.db"), out);
            assertEquals(List.of("parent"), c.domains().stream().map(DomainRecord::name).toList(), "nothing of the child reached the catalog");
        }
        // once closed, the next process may open it
        try (Catalog c = Catalog.open(db)) {
            assertEquals(1, c.domains().size());
        }
    }

    @Test
    void theOpenCatalogAdvertisesNoServerAndItsFilesAreOwnerOnly() throws Exception {
        Path db = dir.resolve("private").resolve("catalog");
        try (Catalog c = Catalog.open(db)) {
            c.upsertDomain("d", "o");
            assertFalse(c.url().contains("AUTO_SERVER"), c.url());
            Path lock = dir.resolve("private").resolve("catalog.lock.db");
            assertTrue(Files.exists(lock), "H2 holds a file lock while the catalog is open");
            Properties p = new Properties();
            try (Reader r = Files.newBufferedReader(lock)) {
                p.load(r);
            }
            // an AUTO_SERVER database writes its TCP address here for other processes to connect to
            assertFalse(p.containsKey("server"), "lock file advertises a server: " + p);
            assertEquals("rwx------", PosixFilePermissions.toString(Files.getPosixFilePermissions(dir.resolve("private"))));
            assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(dir.resolve("private").resolve("catalog.mv.db"))));
        }
    }

    @Test
    void aCatalogFolderOthersCanReadIsRefusedByName() throws Exception {
        Path open = Files.createDirectories(dir.resolve("shared"));
        Files.setPosixFilePermissions(open, PosixFilePermissions.fromString("rwxr-xr-x"));
        var e = assertThrows(MeshflException.class, () -> Catalog.open(open.resolve("catalog")));
        assertTrue(e.getMessage().contains("catalog folder " + open) && e.getMessage().contains("chmod 700"), e.getMessage());
        assertFalse(Files.exists(open.resolve("catalog.mv.db")), "nothing was written into the open folder");
    }

    @Test
    void rowsFromBeforeTheChainsAreChainedOnceAndVerify() throws Exception {
        Path db = dir.resolve("old").resolve("catalog");
        Files.createDirectories(db.getParent());
        Files.setPosixFilePermissions(db.getParent(), PosixFilePermissions.fromString("rwx------"));
        // a catalog as the previous release left it: migrations V1..V5, rows in audit_log and privacy_ledger
        String url = "jdbc:h2:file:" + db.toAbsolutePath();
        try (Connection c = DriverManager.getConnection(url, "sa", "")) {
            try (Statement s = c.createStatement()) {
                // the schema as the previous release's own migration runner left it, at V5
                for (String script : List.of("V1__init.sql", "V2__integrations.sql", "V3__cost_models.sql", "V4__privacy_ledger.sql",
                        "V5__encrypted_cost.sql")) {
                    s.execute("RUNSCRIPT FROM 'classpath:db/catalog/h2/" + script + "'");
                }
                s.execute("CREATE TABLE schema_lock (id INT PRIMARY KEY)");
                s.execute("CREATE TABLE schema_version (version INT PRIMARY KEY, description VARCHAR(500) NOT NULL, script VARCHAR(500) NOT NULL, "
                        + "checksum CHAR(64) NOT NULL, applied_at TIMESTAMP(9) WITH TIME ZONE NOT NULL)");
                for (int v = 1; v <= 5; v++) {
                    s.execute("INSERT INTO schema_version VALUES (" + v + ", 'v" + v + "', 'V" + v + "__x.sql', '" + "0".repeat(64) + "', CURRENT_TIMESTAMP)");
                }
                // and its rows, in the tables without chains
                s.execute("INSERT INTO jobs (id, name, spec_yaml, submitted_at, status) VALUES ('job-1', 'j', 'x', CURRENT_TIMESTAMP, 'SUCCEEDED')");
                s.execute("INSERT INTO runs (id, job_id, strategy, seed, status, started_at, products_csv) VALUES "
                        + "('run-1', 'job-1', 'horizontal', 1, 'SUCCEEDED', CURRENT_TIMESTAMP, 'p')");
                for (int i = 0; i < 3; i++) {
                    s.execute("INSERT INTO audit_log (logged_at, job_id, run_id, step, sender, receiver, byte_count, protection) VALUES "
                            + "(CURRENT_TIMESTAMP, 'job-1', 'run-1', 'horizontal/fit', 'coordinator', 'd', " + (100 + i) + ", 'tls')");
                }
                s.execute("INSERT INTO privacy_ledger (run_id, product_id, epsilon, delta, status, charged_at) VALUES "
                        + "('run-1', 'p', 2.5, 1e-5, 'FINAL', CURRENT_TIMESTAMP)");
            }
        }
        try (Catalog c = Catalog.open(db)) {
            assertEquals(3, c.auditLog("run-1", 0).size());
            assertEquals(2.5, new PrivacyLedger(c).spent("p"));
            ChainVerifier.Report r = ChainVerifier.verify(c, null);
            assertTrue(r.ok(), r.findings().toString());
            assertEquals(3, r.auditRecords());
            assertEquals(1, r.ledgerEntries());
        }
        try (Catalog c = Catalog.open(db)) {
            assertEquals(3, c.auditLog("run-1", 0).size(), "adopted once, not again");
        }
        try (Connection c = DriverManager.getConnection(url, "sa", ""); Statement s = c.createStatement();
             var rs = s.executeQuery("SELECT COUNT(*) FROM INFORMATION_SCHEMA.TABLES WHERE TABLE_NAME IN ('SCHEMA_VERSION', 'AUDIT_LOG', 'PRIVACY_LEDGER')")) {
            rs.next();
            assertEquals(0, rs.getInt(1), "the former migration table and the unchained tables are gone");
        }
        assertNotEquals(0, Files.size(dir.resolve("old").resolve("catalog.mv.db")));
    }

    /** Entry point of the second process in {@link #anotherProcessCannotOpenTheCatalogWhileItIsOpen()}. */
    public static final class SecondProcess {
        public static void main(String[] args) {
            try (Catalog c = Catalog.open(Path.of(args[0]))) {
                c.upsertDomain("child", "c");
                System.exit(0);
            } catch (MeshflException e) {
                System.out.println(e.getMessage());
                System.exit(3);
            }
        }
    }
}

package io.meshfl.core.catalog;

import io.meshfl.core.MeshflException;
import io.meshfl.core.testing.PostgresCluster;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Every record of {@link CatalogTest} on a real PostgreSQL server (a throw-away cluster over TLS),
 * plus what only a server catalog has: migrations applied once by Flyway, credentials, TLS, and
 * several writers appending to the hash chains at once.
 */
@Tag("postgres")
class PostgresCatalogTest extends CatalogTest {

    @org.junit.jupiter.api.extension.RegisterExtension
    static final PostgresCluster.PerClass PG = new PostgresCluster.PerClass();
    private static final AtomicInteger DATABASES = new AtomicInteger();

    @Override
    Catalog newCatalog() throws Exception {
        return Catalog.postgres(PG.get().createDatabase("catalog_" + DATABASES.incrementAndGet()), PostgresCluster.USER, PG.get().password());
    }

    private String reopenUrl;

    @Override
    Catalog reopenable(Path dir) throws Exception {
        if (reopenUrl == null) reopenUrl = PG.get().createDatabase("reopen_" + DATABASES.incrementAndGet());
        return Catalog.open(reopenUrl, PostgresCluster.USER, PG.get().password());
    }

    @Test
    void theSchemaIsMigratedOnceByFlyway() throws Exception {
        String url = PG.get().createDatabase("schema_" + DATABASES.incrementAndGet());
        for (int i = 0; i < 2; i++) {
            try (Catalog c = Catalog.postgres(url, PostgresCluster.USER, PG.get().password())) {
                assertEquals(CatalogSchema.Dialect.POSTGRESQL, c.dialect());
            }
        }
        try (Connection c = DriverManager.getConnection(url, PostgresCluster.USER, PG.get().password()); Statement s = c.createStatement();
             ResultSet rs = s.executeQuery("SELECT version FROM flyway_schema_history WHERE success ORDER BY installed_rank")) {
            List<String> versions = new ArrayList<>();
            while (rs.next()) versions.add(rs.getString(1));
            assertEquals(List.of("6", "7", "8", "9", "10", "11", "12", "13", "14"), versions, "PostgreSQL starts at the schema of V6, then takes each later version once");
        }
    }

    @Test
    void aWrongPasswordAPasswordInTheUrlAndAPlaintextConnectionAreRefusedClearly() throws Exception {
        String url = PG.get().createDatabase("refusals_" + DATABASES.incrementAndGet());
        var wrong = assertThrows(MeshflException.class, () -> Catalog.postgres(url, PostgresCluster.USER, "not-the-password"));
        assertTrue(wrong.getMessage().contains("cannot connect to the catalog") && wrong.getMessage().contains("password authentication failed"),
                wrong.getMessage());
        var inUrl = assertThrows(MeshflException.class, () -> Catalog.postgres(url + "&password=x", PostgresCluster.USER, null));
        assertTrue(inUrl.getMessage().contains("carries a password"), inUrl.getMessage());
        String plain = "jdbc:postgresql://127.0.0.1:" + PG.get().port() + "/postgres?sslmode=disable";
        var noTls = assertThrows(MeshflException.class, () -> Catalog.postgres(plain, PostgresCluster.USER, PG.get().password()));
        assertTrue(noTls.getMessage().contains("no encryption") || noTls.getMessage().contains("pg_hba.conf"), noTls.getMessage());
    }

    @Test
    void writersInParallelKeepOneUnbrokenAuditChain() throws Exception {
        try (Catalog c = newCatalog()) {
            ExecutorService pool = Executors.newFixedThreadPool(6);
            try {
                List<Future<?>> fs = new ArrayList<>();
                for (int t = 0; t < 6; t++) {
                    int thread = t;
                    fs.add(pool.submit(() -> {
                        for (int i = 0; i < 25; i++) {
                            c.auditBatch(List.of(AuditRecord.of(null, "job", "run-" + thread, "s/" + i, "coordinator", "d", i, "tls", i + 1),
                                    AuditRecord.of(null, "job", "run-" + thread, "s/" + i, "d", "coordinator", i, "tls", i + 1)));
                        }
                    }));
                }
                for (Future<?> f : fs) f.get(120, TimeUnit.SECONDS);
            } finally {
                pool.shutdownNow();
            }
            ChainVerifier.Report r = ChainVerifier.verify(c, null);
            assertTrue(r.ok(), r.findings().toString());
            assertEquals(6 * 25 * 2, r.auditRecords());
        }
    }
}

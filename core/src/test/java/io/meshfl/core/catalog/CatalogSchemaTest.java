package io.meshfl.core.catalog;

import io.meshfl.core.MeshflException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.net.URISyntaxException;
import java.nio.file.Files;
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
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The catalog's schema under Flyway: applied once, guarded by checksums, the same version on both databases. */
class CatalogSchemaTest {

    @TempDir
    Path dir;

    private static List<Integer> applied(Path db) throws Exception {
        try (Connection c = DriverManager.getConnection("jdbc:h2:file:" + db.toAbsolutePath(), "sa", ""); Statement s = c.createStatement();
             ResultSet rs = s.executeQuery("SELECT \"version\" FROM \"flyway_schema_history\" WHERE \"success\" AND \"version\" IS NOT NULL ORDER BY \"installed_rank\"")) {
            List<Integer> out = new ArrayList<>();
            while (rs.next()) out.add(Integer.parseInt(rs.getString(1)));
            return out;
        }
    }

    private static void sql(Path db, String q) throws Exception {
        try (Connection c = DriverManager.getConnection("jdbc:h2:file:" + db.toAbsolutePath(), "sa", ""); Statement s = c.createStatement()) {
            s.execute(q);
        }
    }

    @Test
    void migrationsApplyOnceInVersionOrder() throws Exception {
        Path db = dir.resolve("a").resolve("catalog");
        try (Catalog c = Catalog.open(db)) {
            assertEquals(CatalogSchema.Dialect.H2, c.dialect());
        }
        List<Integer> first = applied(db);
        assertEquals(List.of(1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14), first);
        try (Catalog c = Catalog.open(db)) {
            c.upsertDomain("d", "o");
        }
        assertEquals(first, applied(db), "a second open applies nothing");
    }

    @Test
    void aMigrationChangedAfterItWasAppliedIsRefused() throws Exception {
        Path db = dir.resolve("b").resolve("catalog");
        Catalog.open(db).close();
        sql(db, "UPDATE \"flyway_schema_history\" SET \"checksum\" = 12345 WHERE \"version\" = '2'");
        var e = assertThrows(MeshflException.class, () -> Catalog.open(db));
        assertTrue(e.getMessage().contains("checksum mismatch") && e.getMessage().contains("2"), e.getMessage());
    }

    @Test
    void aCatalogAheadOfThisBuildIsRefused() throws Exception {
        Path db = dir.resolve("c").resolve("catalog");
        Catalog.open(db).close();
        sql(db, "INSERT INTO \"flyway_schema_history\" (\"installed_rank\", \"version\", \"description\", \"type\", \"script\", "
                + "\"checksum\", \"installed_by\", \"installed_on\", \"execution_time\", \"success\") VALUES (99, '99', 'future', 'SQL', "
                + "'V99__future.sql', 1, 'sa', CURRENT_TIMESTAMP, 1, TRUE)");
        var e = assertThrows(MeshflException.class, () -> Catalog.open(db));
        assertTrue(e.getMessage().contains("99"), e.getMessage());
    }

    @Test
    void concurrentOpensOfOneFileApplyMigrationsOnce() throws Exception {
        Path db = dir.resolve("shared").resolve("catalog");
        ExecutorService pool = Executors.newFixedThreadPool(4);
        try {
            List<Future<Integer>> opens = new ArrayList<>();
            for (int i = 0; i < 4; i++) {
                int n = i;
                opens.add(pool.submit(() -> {
                    try (Catalog c = Catalog.open(db)) {
                        c.upsertDomain("d" + n, "owner" + n);
                        return c.domains().size();
                    }
                }));
            }
            for (Future<Integer> f : opens) assertTrue(f.get(60, TimeUnit.SECONDS) >= 1);
        } finally {
            pool.shutdownNow();
        }
        assertEquals(List.of(1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14), applied(db));
        try (Catalog c = Catalog.open(db)) {
            assertEquals(4, c.domains().size());
        }
    }

    @Test
    void bothDatabasesReachTheSameLatestVersion() throws IOException, URISyntaxException {
        assertEquals(latest("h2"), latest("postgresql"), "a new migration needs a script for each database under one version");
    }

    private static int latest(String folder) throws IOException, URISyntaxException {
        Path p = Path.of(CatalogSchemaTest.class.getClassLoader().getResource("db/catalog/" + folder).toURI());
        Pattern v = Pattern.compile("V(\\d+)__.*\\.(sql|class)");
        int max = 0;
        try (var files = Files.list(p)) {
            for (Path f : files.toList()) {
                Matcher m = v.matcher(f.getFileName().toString());
                if (m.matches()) max = Math.max(max, Integer.parseInt(m.group(1)));
            }
        }
        return max;
    }
}

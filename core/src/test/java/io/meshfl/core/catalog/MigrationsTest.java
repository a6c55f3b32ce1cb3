package io.meshfl.core.catalog;

import io.meshfl.core.ErrorCode;
import io.meshfl.core.MeshflException;
import org.h2.jdbcx.JdbcConnectionPool;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class MigrationsTest {

    @TempDir
    Path dir;

    private static String fileUrl(Path db) {
        return "jdbc:h2:file:" + db.toAbsolutePath();
    }

    private static List<Migrations.Applied> applied(String url) throws SQLException {
        try (Connection c = DriverManager.getConnection(url, "sa", "")) {
            return Migrations.applied(c);
        }
    }

    @Test
    void catalogMigrationsAreFoundOnTheClassPathInVersionOrder() {
        List<Migrations.Migration> ms = Migrations.catalog().migrations();
        assertEquals(1, ms.get(0).version());
        assertEquals("V1__init.sql", ms.get(0).fileName());
        assertEquals("init", ms.get(0).description());
        for (int i = 1; i < ms.size(); i++) assertTrue(ms.get(i).version() > ms.get(i - 1).version());
    }

    @Test
    void migrationsAreAppliedOnceAndReopeningIsIdempotent() throws Exception {
        Path db = dir.resolve("catalog");
        try (Catalog c = Catalog.open(db)) {
            c.upsertDomain("lending", "team-lending");
        }
        List<Migrations.Applied> first = applied(fileUrl(db));
        assertEquals(Migrations.catalog().migrations().size(), first.size());
        assertEquals("V1__init.sql", first.get(0).script());
        assertEquals(Migrations.catalog().migrations().get(0).checksum(), first.get(0).checksum().trim());

        try (Catalog c = Catalog.open(db)) {
            assertEquals("team-lending", c.domain("lending").orElseThrow().owner());
        }
        List<Migrations.Applied> second = applied(fileUrl(db));
        assertEquals(first, second, "reopening must not re-apply or re-record migrations");
    }

    @Test
    void openingTheFileNameWithMvDbSuffixUsesTheSameDatabase() {
        Path db = dir.resolve("c");
        try (Catalog c = Catalog.open(db)) {
            c.upsertDomain("payments", "team-payments");
        }
        try (Catalog c = Catalog.open(dir.resolve("c.mv.db"))) {
            assertEquals(1, c.domains().size());
        }
    }

    @Test
    void changedChecksumOfAnAppliedMigrationIsRefusedNamingTheFile() throws Exception {
        Path db = dir.resolve("catalog");
        try (Catalog ignored = Catalog.open(db)) {
            // created and migrated
        }
        try (Connection c = DriverManager.getConnection(fileUrl(db), "sa", "");
             Statement s = c.createStatement()) {
            s.executeUpdate("UPDATE schema_version SET checksum = '" + "0".repeat(64) + "' WHERE version = 1");
        }
        MeshflException e = assertThrows(MeshflException.class, () -> Catalog.open(db));
        assertEquals(ErrorCode.CATALOG_FAILURE, e.code());
        assertTrue(e.getMessage().contains("V1__init.sql"), e.getMessage());
    }

    @Test
    void editedMigrationFileIsRefusedAndNewFileIsAppliedInOrder() throws Exception {
        Path v1 = dir.resolve("m1");
        Path v2 = dir.resolve("m2");
        Files.createDirectories(v1);
        Files.createDirectories(v2);
        Files.writeString(v1.resolve("V1__create_t.sql"), "CREATE TABLE t (a INT);\n-- a comment; with a semicolon\nINSERT INTO t VALUES (1);");
        Files.writeString(v2.resolve("V1__create_t.sql"), "CREATE TABLE t (a INT);\n-- a comment; with a semicolon\nINSERT INTO t VALUES (1);");
        Files.writeString(v2.resolve("V2__add_b.sql"), "ALTER TABLE t ADD COLUMN b VARCHAR(10) DEFAULT 'x;y';");
        JdbcConnectionPool pool = JdbcConnectionPool.create("jdbc:h2:mem:migrations-edit", "sa", "");
        try (Connection hold = pool.getConnection()) {
            assertEquals(1, new Migrations(Migrations.fromDirectory(v1)).apply(pool));
            assertEquals(0, new Migrations(Migrations.fromDirectory(v1)).apply(pool));
            assertEquals(1, new Migrations(Migrations.fromDirectory(v2)).apply(pool));
            try (Statement s = hold.createStatement(); var rs = s.executeQuery("SELECT a, b FROM t")) {
                rs.next();
                assertEquals(1, rs.getInt(1));
                assertEquals("x;y", rs.getString(2));
            }
            Files.writeString(v2.resolve("V1__create_t.sql"), "CREATE TABLE t (a BIGINT);");
            MeshflException e = assertThrows(MeshflException.class, () -> new Migrations(Migrations.fromDirectory(v2)).apply(pool));
            assertEquals(ErrorCode.CATALOG_FAILURE, e.code());
            assertTrue(e.getMessage().contains("V1__create_t.sql"), e.getMessage());
            assertTrue(e.getMessage().contains("changed"), e.getMessage());
        } finally {
            pool.dispose();
        }
    }

    @Test
    void databaseWithUnknownNewerVersionIsRefused() throws Exception {
        Path m = dir.resolve("m");
        Files.createDirectories(m);
        Files.writeString(m.resolve("V1__a.sql"), "CREATE TABLE a (x INT);");
        Files.writeString(m.resolve("V2__b.sql"), "CREATE TABLE b (x INT);");
        JdbcConnectionPool pool = JdbcConnectionPool.create("jdbc:h2:mem:migrations-newer", "sa", "");
        try (Connection hold = pool.getConnection()) {
            new Migrations(Migrations.fromDirectory(m)).apply(pool);
            Files.delete(m.resolve("V2__b.sql"));
            MeshflException e = assertThrows(MeshflException.class, () -> new Migrations(Migrations.fromDirectory(m)).apply(pool));
            assertTrue(e.getMessage().contains("V2__b.sql"), e.getMessage());
        } finally {
            pool.dispose();
        }
    }

    @Test
    void failingMigrationNamesFileAndIsNotRecorded() throws Exception {
        Path m = dir.resolve("m");
        Files.createDirectories(m);
        Files.writeString(m.resolve("V1__bad.sql"), "CREATE TABLE ok (x INT);\nINSERT INTO missing VALUES (1);");
        JdbcConnectionPool pool = JdbcConnectionPool.create("jdbc:h2:mem:migrations-bad", "sa", "");
        try (Connection hold = pool.getConnection()) {
            MeshflException e = assertThrows(MeshflException.class, () -> new Migrations(Migrations.fromDirectory(m)).apply(pool));
            assertTrue(e.getMessage().contains("V1__bad.sql") && e.getMessage().contains("statement 2"), e.getMessage());
            assertTrue(Migrations.applied(hold).isEmpty());
        } finally {
            pool.dispose();
        }
    }

    @Test
    void badlyNamedOrDuplicateMigrationsAreRefused() {
        assertThrows(MeshflException.class, () -> Migrations.parse("init.sql", "SELECT 1"));
        assertThrows(MeshflException.class, () -> new Migrations(List.of(
                Migrations.parse("V1__a.sql", "SELECT 1"), Migrations.parse("V1__b.sql", "SELECT 2"))));
    }

    @Test
    void statementSplitterKeepsSemicolonsInsideQuotesAndDropsComments() {
        List<String> s = Migrations.splitStatements("""
                -- header; comment
                CREATE TABLE "a;b" (x VARCHAR(5) DEFAULT 'it''s;');
                /* block; comment */ INSERT INTO "a;b" VALUES ('1');
                """);
        assertEquals(2, s.size(), s.toString());
        assertTrue(s.get(0).startsWith("CREATE TABLE \"a;b\"") && s.get(0).endsWith("'it''s;')"), s.get(0));
        assertTrue(s.get(1).startsWith("INSERT"), s.get(1));
    }

    @Test
    void concurrentOpensOfOneFileApplyMigrationsOnce() throws Exception {
        Path db = dir.resolve("shared");
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
        assertEquals(Migrations.catalog().migrations().size(), applied(fileUrl(db)).size());
        try (Catalog c = Catalog.open(db)) {
            assertEquals(4, c.domains().size());
        }
    }
}

package io.meshfl.core.catalog;

import io.meshfl.core.testing.PostgresCluster;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The lease that makes one coordinator of several on a PostgreSQL catalog the active one. */
@Tag("postgres")
class CatalogLeaseTest {

    @org.junit.jupiter.api.extension.RegisterExtension
    static final PostgresCluster.PerClass PG = new PostgresCluster.PerClass();

    private static Catalog open(String url) {
        return Catalog.postgres(url, PostgresCluster.USER, PG.get().password());
    }

    @Test
    void oneCoordinatorHoldsTheLeaseAndAStandbyTakesItWhenItGoes() throws Exception {
        String url = PG.get().createDatabase("lease_handover");
        ExecutorService pool = Executors.newSingleThreadExecutor();
        List<String> standbyLog = new CopyOnWriteArrayList<>();
        try (Catalog a = open(url); Catalog b = open(url)) {
            CatalogLease held = CatalogLease.acquire(a, Duration.ofMillis(50), s -> { });
            assertTrue(held.held());
            Future<CatalogLease> standby = pool.submit(() -> CatalogLease.acquire(b, Duration.ofMillis(50), standbyLog::add));
            Thread.sleep(700);
            assertFalse(standby.isDone(), "two coordinators hold one catalog's lease");
            assertTrue(standbyLog.stream().anyMatch(l -> l.startsWith("standing by")), standbyLog.toString());
            held.close();
            try (CatalogLease taken = standby.get(5, TimeUnit.SECONDS)) {
                assertTrue(taken.held());
                assertTrue(standbyLog.stream().anyMatch(l -> l.startsWith("took the catalog's lease")), standbyLog.toString());
            }
        } finally {
            pool.shutdownNow();
        }
    }

    @Test
    void aHolderWhoseSessionIsCutAndWhoseLeaseIsTakenIsToldToStop() throws Exception {
        String url = PG.get().createDatabase("lease_lost");
        ExecutorService pool = Executors.newSingleThreadExecutor();
        try (Catalog a = open(url); Catalog b = open(url)) {
            CatalogLease held = CatalogLease.acquire(a, Duration.ofMillis(50), s -> { });
            CompletableFuture<String> lost = new CompletableFuture<>();
            held.watch(Duration.ofMillis(500), x -> { }, () -> { }, lost::complete);
            Future<CatalogLease> standby = pool.submit(() -> CatalogLease.acquire(b, Duration.ofMillis(10), s -> { }));
            Thread.sleep(200);
            // the holder's session ends as a cut network or a database restart would end it
            try (Connection c = DriverManager.getConnection(url, PostgresCluster.USER, PG.get().password()); Statement s = c.createStatement();
                 ResultSet rs = s.executeQuery("SELECT pg_terminate_backend(pid) FROM pg_locks WHERE locktype = 'advisory' AND granted")) {
                assertTrue(rs.next(), "no session held the lease");
            }
            try (CatalogLease taken = standby.get(5, TimeUnit.SECONDS)) {
                String why = lost.get(10, TimeUnit.SECONDS);
                assertTrue(why.contains("another coordinator took the catalog's lease"), why);
                assertTrue(taken.held());
            }
            held.close();
        } finally {
            pool.shutdownNow();
        }
    }

    @Test
    void aHolderWhoseSessionIsCutTakesTheLeaseBackWhenNobodyElseHasIt() throws Exception {
        String url = PG.get().createDatabase("lease_back");
        try (Catalog a = open(url); CatalogLease held = CatalogLease.acquire(a, Duration.ofMillis(50), s -> { })) {
            CompletableFuture<String> lost = new CompletableFuture<>();
            CompletableFuture<Void> regained = new CompletableFuture<>();
            held.watch(Duration.ofMillis(200), x -> { }, () -> regained.complete(null), lost::complete);
            try (Connection c = DriverManager.getConnection(url, PostgresCluster.USER, PG.get().password()); Statement s = c.createStatement()) {
                s.executeQuery("SELECT pg_terminate_backend(pid) FROM pg_locks WHERE locktype = 'advisory' AND granted").close();
            }
            regained.get(10, TimeUnit.SECONDS);
            assertFalse(lost.isDone(), "a holder that could take its lease back was told to stop");
            assertTrue(held.held());
            try (Connection c = DriverManager.getConnection(url, PostgresCluster.USER, PG.get().password()); Statement s = c.createStatement();
                 ResultSet rs = s.executeQuery("SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND granted")) {
                rs.next();
                assertTrue(rs.getInt(1) == 1, "the lease is held again, once");
            }
        }
    }

    @Test
    void aHolderWaitsOutADatabaseRestartTakesItsLeaseBackAndItsCommitsLand() throws Exception {
        String url = PG.get().createDatabase("lease_restart");
        try (Catalog a = open(url); CatalogLease held = CatalogLease.acquire(a, Duration.ofMillis(50), s -> { })) {
            CompletableFuture<String> lost = new CompletableFuture<>();
            CompletableFuture<Void> regained = new CompletableFuture<>();
            held.watch(Duration.ofMillis(200), x -> { }, () -> regained.complete(null), lost::complete);
            JobRecord job = a.createJob("j", "name: j");
            RunRecord run = a.startRun(job.id(), "horizontal", "{}", "{}", 1, List.of());
            PG.get().stopServer();
            // a round committed while the database is away waits for it, and lands
            CompletableFuture<Void> commit = CompletableFuture.runAsync(() -> new RunCheckpoints(a).commit(run.id(),
                    new RoundRecord(1, 0.1, 1, 1, 1, 0, "{}"), new io.meshfl.core.protocol.RunCheckpoint(1, java.util.Map.of("params", new double[]{1}),
                            java.util.Map.of())));
            Thread.sleep(3000);
            assertFalse(commit.isDone(), "the commit did not wait for the database");
            PG.get().restartServer();
            commit.get(40, TimeUnit.SECONDS);
            regained.get(20, TimeUnit.SECONDS);
            assertFalse(lost.isDone(), "a holder whose database restarted was told another coordinator has its lease");
            assertTrue(held.held());
            assertTrue(a.rounds(run.id()).size() == 1);
        }
    }

    @Test
    void theEmbeddedCatalogNeedsNoLeaseItsFileLockAdmitsOneProcess() throws Exception {
        try (Catalog c = Catalog.inMemory("lease-" + System.nanoTime()); CatalogLease l = CatalogLease.acquire(c, Duration.ofSeconds(1), s -> { })) {
            assertTrue(l.held());
        }
    }
}

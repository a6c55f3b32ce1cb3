package io.meshfl.core.catalog;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;

class CatalogConcurrencyTest {

    @Test
    void concurrentStartRunRecordRoundAndAuditFromFourThreadsIsSafe() throws Exception {
        try (Catalog catalog = Catalog.inMemory("concurrency-test")) {
            hammer(catalog);
        }
    }

    @Test
    void concurrentWritersAreSafeOnAFileCatalogToo(@TempDir Path dir) throws Exception {
        try (Catalog catalog = Catalog.open(dir.resolve("catalog"))) {
            hammer(catalog);
        }
    }

    private static void hammer(Catalog catalog) throws Exception {
        int threads = 4;
        int runsPerThread = 15;
        int rounds = 5;
        catalog.registerProduct("lending.loans", "lending", "1.0.0", "id: lending.loans\n", 10);
        String jobId = catalog.createJob("shared", "spec").id();
        ExecutorService pool = Executors.newFixedThreadPool(threads);
        CountDownLatch go = new CountDownLatch(1);
        List<Future<List<String>>> results = new ArrayList<>();
        try {
            for (int t = 0; t < threads; t++) {
                int thread = t;
                results.add(pool.submit(() -> {
                    go.await();
                    List<String> ids = new ArrayList<>();
                    for (int i = 0; i < runsPerThread; i++) {
                        RunRecord run = catalog.startRun(jobId, "S", null, null, thread * 1000L + i, List.of("lending.loans"));
                        for (int r = 1; r <= rounds; r++) {
                            catalog.recordRound(run.id(), new RoundRecord(r, 0.1, r, r, 1, 0, null));
                            catalog.audit(AuditRecord.of(null, jobId, run.id(), "round-" + r, "a", "b", r, "tls"));
                        }
                        if (i % 2 == 0) catalog.finishRun(run.id(), "{}", 1, 1);
                        else catalog.failRun(run.id(), "boom", 1, 1);
                        ids.add(run.id());
                    }
                    return ids;
                }));
            }
            go.countDown();
            Set<String> all = new HashSet<>();
            for (Future<List<String>> f : results) all.addAll(f.get(120, TimeUnit.SECONDS));
            assertEquals(threads * runsPerThread, all.size(), "run ids must be unique");
            for (String id : all) assertEquals(rounds, catalog.rounds(id).size(), id);
        } finally {
            pool.shutdownNow();
        }
        assertEquals(threads * runsPerThread, catalog.runs().size());
        assertEquals(threads * runsPerThread, catalog.runsForProduct("lending.loans").size());
        assertEquals(threads * runsPerThread * rounds, catalog.auditLog(null, 0).size());
    }
}

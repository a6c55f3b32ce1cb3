package io.meshfl.web;

import io.meshfl.core.catalog.Catalog;
import io.meshfl.core.catalog.ModelRecord;
import io.meshfl.core.catalog.RunRecord;
import io.meshfl.core.trust.MeshIdentity;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.math.BigInteger;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The lists the database pages answer what the in-memory rule answered: for the operator, clients
 * and domains, every state filter and several pages, the same runs and models in the same order with
 * the same totals, over a catalog of runs of every state, submitter and product mix.
 */
class RunListingTest {

    private Catalog catalog;

    @BeforeEach
    void mixedRuns() {
        catalog = Catalog.inMemory("listing" + System.nanoTime());
        for (String d : List.of("lending", "shop", "telco")) {
            catalog.upsertDomain(d, d + "-owner");
            catalog.registerProduct(d + ".accounts", d, "1.0.0", ApiServerTest.contract(d, "/srv/" + d + ".csv", ""), 100);
        }
        catalog.registerProduct("lending.accounts", "lending", "1.1.0", ApiServerTest.contract("lending", "/srv/lending2.csv", ""), 120);
        catalog.registerProduct("shop.orders", "shop", "1.0.0", ApiServerTest.contract("shop", "/srv/orders.csv", "").replace("shop.accounts", "shop.orders"), 50);
        String job = catalog.createJob("mixed", "name: mixed").id();
        List<List<String>> sets = List.of(List.of("lending.accounts"), List.of("shop.accounts", "lending.accounts"), List.of("telco.accounts"),
                List.of("shop.orders"), List.of(), List.of("telco.accounts", "shop.orders"));
        String[] submitters = {"client:alice", "client:operator", "domain:telco", null, "client:bob", "domain:shop", "client:alice"};
        for (int i = 0; i < 90; i++) {
            String s = submitters[i % submitters.length];
            RunRecord r = catalog.startRun(job, i % 4 == 0 ? "vertical" : "horizontal", "{\"plan\": " + i + "}", "{}", i, sets.get(i % sets.size()),
                    s == null ? null : new Catalog.Ticket(s, "nonce" + i, "sha"));
            switch (i % 6) {
                case 0, 1 -> {
                    catalog.finishRun(r.id(), "{\"auc\": 0." + i + "}", 10, 20);
                    if (i % 3 != 0) catalog.saveModel(r.id(), "logistic", new double[]{i, 1}, "{\"job_file\": \"/home/x/job.yaml\"}");
                }
                case 2 -> catalog.failRun(r.id(), "node lost", 1, 2);
                case 3 -> catalog.cancelRun(r.id(), "cancelled", 1, 2);
                case 4 -> catalog.interruptRun(r.id(), "coordinator stopped");
                default -> { }
            }
        }
        catalog.saveModel(null, "logistic", new double[]{1}, "{}"); // a model of no run: in no one's list
    }

    @AfterEach
    void close() {
        catalog.close();
    }

    static Caller caller(MeshIdentity.Role role, String name) {
        return new Caller(new MeshIdentity(role, name, BigInteger.ONE, Instant.now().plusSeconds(3600)));
    }

    static List<Caller> callers() {
        return List.of(caller(MeshIdentity.Role.CLIENT, "operator"), caller(MeshIdentity.Role.COORDINATOR, "coordinator"),
                caller(MeshIdentity.Role.CLIENT, "alice"), caller(MeshIdentity.Role.CLIENT, "bob"), caller(MeshIdentity.Role.CLIENT, "carol"),
                caller(MeshIdentity.Role.DOMAIN, "lending"), caller(MeshIdentity.Role.DOMAIN, "shop"), caller(MeshIdentity.Role.DOMAIN, "telco"),
                caller(MeshIdentity.Role.DOMAIN, "nowhere"));
    }

    @Test
    void theDatabasePagedRunsAreTheInMemoryRulesForEveryRoleStateAndPage() {
        Set<Integer> totals = new HashSet<>();
        for (Caller c : callers()) {
            List<RunRecord> all = Visibility.runs(catalog, c);
            totals.add(all.size());
            for (String status : new String[]{null, "FAILED", "succeeded", "Running", "CANCELLED", "interrupted", "bogus"}) {
                List<String> rule = all.stream().filter(r -> status == null || status.equalsIgnoreCase(r.status())).map(RunRecord::id).toList();
                for (int[] cut : new int[][]{{0, 50}, {0, 500}, {3, 7}, {20, 10}, {rule.size(), 5}, {1000, 50}}) {
                    var page = Visibility.page(catalog, c, status, cut[0], cut[1]);
                    String what = c.label() + " status=" + status + " offset=" + cut[0] + " limit=" + cut[1];
                    assertEquals(rule.size(), page.total(), what);
                    assertEquals(rule.subList(Math.min(cut[0], rule.size()), Math.min(rule.size(), cut[0] + cut[1])),
                            page.items().stream().map(RunRecord::id).toList(), what);
                }
            }
            // a listed run is the stored run without its plan and configuration
            for (RunRecord listed : Visibility.page(catalog, c, null, 0, 500).items()) {
                RunRecord stored = catalog.run(listed.id()).orElseThrow();
                assertNull(listed.planJson());
                assertEquals(new RunRecord(stored.id(), stored.jobId(), stored.strategy(), null, null, stored.seed(), stored.status(), stored.startedAt(),
                        stored.endedAt(), stored.bytesSent(), stored.bytesReceived(), stored.metricsJson(), stored.error(), stored.productsCsv(),
                        stored.submitter(), stored.nonce()), listed);
            }
        }
        assertTrue(totals.size() >= 5, "the roles see different runs: " + totals);
    }

    @Test
    void theDatabasePagedModelsAreThoseOfTheVisibleRunsNewestFirst() {
        for (Caller c : callers()) {
            Set<String> runs = new HashSet<>();
            for (RunRecord r : Visibility.runs(catalog, c)) runs.add(r.id());
            List<String> rule = catalog.models().stream().filter(m -> runs.contains(m.runId()))
                    .sorted(Comparator.comparing(ModelRecord::createdAt, Comparator.nullsLast(Comparator.reverseOrder()))).map(ModelRecord::id).toList();
            for (int[] cut : new int[][]{{0, 50}, {2, 3}, {rule.size(), 5}}) {
                var page = Visibility.models(catalog, c, cut[0], cut[1]);
                assertEquals(rule.size(), page.total(), c.label());
                assertEquals(rule.subList(Math.min(cut[0], rule.size()), Math.min(rule.size(), cut[0] + cut[1])),
                        page.items().stream().map(ModelRecord::id).toList(), c.label());
            }
        }
    }

    @Test
    void runsAreCountedByStateInTheDatabase() {
        Map<String, Long> rule = new TreeMap<>();
        for (RunRecord r : catalog.runs()) rule.merge(r.status(), 1L, Long::sum);
        assertEquals(rule, catalog.runCountsByStatus());
        assertEquals(5, rule.size(), "every state is present: " + rule);
        List<String> states = new ArrayList<>(rule.keySet());
        assertTrue(states.contains(RunRecord.INTERRUPTED));
    }

    @Test
    void auditPagesCountWhatTheirFiltersMatchAndCutTheWholeLogByOffset() {
        List<RunRecord> runs = catalog.runs();
        String[] steps = {"horizontal/train", "psi/match", "secagg/mask"};
        String[] parties = {"lending", "shop", "telco"};
        String[] protections = {"secure-aggregation | mutual TLS", "paillier | mutual TLS", "plain | mutual TLS"};
        List<io.meshfl.core.catalog.AuditRecord> loose = new ArrayList<>();
        for (int i = 0; i < runs.size(); i++) {
            RunRecord r = runs.get(i);
            List<io.meshfl.core.catalog.AuditRecord> batch = new ArrayList<>();
            for (int k = 0; k < 1 + i % 4; k++) {
                String p = parties[(i + k) % parties.length];
                batch.add(io.meshfl.core.catalog.AuditRecord.of(null, r.jobId(), r.id(), steps[(i * 7 + k) % steps.length], k % 2 == 0 ? "coordinator" : p,
                        k % 2 == 0 ? p : "coordinator", 10, protections[(i + 2 * k) % protections.length], k));
            }
            if (i % 2 == 0) catalog.auditBatch(batch); else catalog.recordRound(r.id(), new io.meshfl.core.catalog.RoundRecord(7, 0.1, 1, 1, 1, 0, "{}"), batch);
            if (i % 10 == 0) loose.add(io.meshfl.core.catalog.AuditRecord.of(null, null, null, "mesh/heartbeat", "shop", "coordinator", 1, "mutual TLS"));
        }
        catalog.auditBatch(loose);
        List<io.meshfl.core.catalog.AuditRecord> log = new ArrayList<>(catalog.auditLog(null, 0));
        java.util.Collections.reverse(log); // newest first
        Map<String, String> submitterOf = new java.util.HashMap<>();
        for (RunRecord r : runs) if (r.submitter() != null) submitterOf.put(r.id(), r.submitter());
        String someRun = runs.get(5).id();
        int checked = 0;
        for (String run : new String[]{null, someRun}) {
            for (String party : new String[]{null, "shop", "coordinator"}) {
                for (String step : new String[]{null, "psi/match"}) {
                    for (String protection : new String[]{null, "paillier"}) {
                        for (Caller c : callers()) {
                            var f = c.auditFilter(run, party, step, protection);
                            List<Long> rule = log.stream().filter(a -> (f.runId() == null || f.runId().equals(a.runId()))
                                    && (f.party() == null || f.party().equals(a.sender()) || f.party().equals(a.receiver()))
                                    && (f.step() == null || f.step().equals(a.step()))
                                    && (f.protection() == null || a.protection().contains(f.protection()))
                                    && (f.domain() == null || f.domain().equals(a.sender()) || f.domain().equals(a.receiver()))
                                    && (f.submitter() == null || f.submitter().equals(submitterOf.get(a.runId())))).map(a -> a.seq()).toList();
                            for (int offset : new int[]{0, 3, rule.size()}) {
                                var page = catalog.auditPage(f, offset, 10);
                                String what = c.label() + " " + f + " offset " + offset;
                                assertEquals(rule.size(), page.total(), what);
                                assertEquals(rule.subList(Math.min(offset, rule.size()), Math.min(rule.size(), offset + 10)),
                                        page.records().stream().map(a -> a.seq()).toList(), what);
                                checked++;
                            }
                        }
                    }
                }
            }
        }
        assertTrue(checked > 100);
    }
}

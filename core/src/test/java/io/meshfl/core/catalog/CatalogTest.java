package io.meshfl.core.catalog;

import io.meshfl.core.ErrorCode;
import io.meshfl.core.MeshflException;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The catalog's records, on the embedded database; {@link PostgresCatalogTest} runs the same on PostgreSQL. */
class CatalogTest {

    private static final String LOANS_V1 = "id: lending.loans\nversion: 1.0.0\nschema: [loan_id, amount]\n";
    private static final String LOANS_V2 = "id: lending.loans\nversion: 1.1.0\nschema: [loan_id, amount, term]\n";

    Catalog catalog;

    /** A fresh, empty catalog for one test. */
    Catalog newCatalog() throws Exception {
        return Catalog.inMemory("catalog-test-" + UUID.randomUUID());
    }

    /** A place to keep a catalog that outlives one open, and how to open it there. */
    Catalog reopenable(Path dir) throws Exception {
        return Catalog.open(dir.resolve("sub/catalog"));
    }

    @BeforeEach
    void open() throws Exception {
        catalog = newCatalog();
    }

    @AfterEach
    void close() {
        catalog.close();
    }

    @Test
    void domainsRoundTripAndOwnerChangeKeepsRegistrationTime() {
        DomainRecord d = catalog.upsertDomain("lending", "team-a");
        catalog.upsertDomain("payments", "team-p");
        DomainRecord changed = catalog.upsertDomain("lending", "team-b");
        assertEquals("team-b", changed.owner());
        assertEquals(d.registeredAt(), changed.registeredAt());
        assertEquals(List.of(changed, catalog.domain("payments").orElseThrow()), catalog.domains());
    }

    @Test
    void productVersionsRoundTripAndLatestIsHighestVersion() {
        ProductRecord v1 = catalog.registerProduct("lending.loans", "lending", "1.0.0", LOANS_V1, 800);
        ProductRecord v2 = catalog.registerProduct("lending.loans", "lending", "1.10.0", LOANS_V2, -1);
        catalog.registerProduct("lending.loans", "lending", "1.2.0", LOANS_V2 + "# 1.2\n", -1);
        assertEquals(io.meshfl.core.trust.HashChain.sha256Hex(LOANS_V1), v1.contractSha256());
        assertEquals(800, v1.rows());
        assertEquals(LOANS_V1, v1.contractYaml());
        assertEquals(v2, catalog.product("lending.loans").orElseThrow());
        assertEquals(v2, catalog.requireProduct("lending.loans"));
        assertEquals(List.of("1.0.0", "1.2.0", "1.10.0"),
                catalog.productVersions("lending.loans").stream().map(ProductRecord::version).toList());
        assertEquals(v1, catalog.product("lending.loans", "1.0.0").orElseThrow());
        assertTrue(catalog.product("nope").isEmpty());
        assertTrue(catalog.productVersions("nope").isEmpty());
    }

    @Test
    void productsListsTheLatestVersionOfEachProduct() {
        catalog.registerProduct("payments.tx", "payments", "2.0.0", "id: payments.tx\n", 100);
        catalog.registerProduct("lending.loans", "lending", "1.0.0", LOANS_V1, 1);
        catalog.registerProduct("lending.loans", "lending", "1.1.0", LOANS_V2, 2);
        List<ProductRecord> all = catalog.products();
        assertEquals(List.of("lending.loans@1.1.0", "payments.tx@2.0.0"), all.stream().map(p -> p.id() + "@" + p.version()).toList());
    }

    @Test
    void reRegisteringSameVersionWithIdenticalContractIsANoOp() {
        ProductRecord first = catalog.registerProduct("lending.loans", "lending", "1.0.0", LOANS_V1, -1);
        ProductRecord again = catalog.registerProduct("lending.loans", "lending", "1.0.0", LOANS_V1, -1);
        assertEquals(first, again);
        assertEquals(1, catalog.productVersions("lending.loans").size());
        ProductRecord counted = catalog.registerProduct("lending.loans", "lending", "1.0.0", LOANS_V1, 42);
        assertEquals(42, counted.rows());
        assertEquals(first.registeredAt(), counted.registeredAt());
    }

    @Test
    void reRegisteringSameVersionWithDifferentContractIsRefused() {
        catalog.registerProduct("lending.loans", "lending", "1.0.0", LOANS_V1, -1);
        MeshflException e = assertThrows(MeshflException.class,
                () -> catalog.registerProduct("lending.loans", "lending", "1.0.0", LOANS_V2, -1));
        assertEquals(ErrorCode.CATALOG_FAILURE, e.code());
        assertTrue(e.getMessage().contains("lending.loans") && e.getMessage().contains("1.0.0")
                && e.getMessage().contains("bump the version"), e.getMessage());
        assertEquals(LOANS_V1, catalog.requireProduct("lending.loans").contractYaml());
    }

    @Test
    void productCannotMoveToAnotherDomain() {
        catalog.registerProduct("lending.loans", "lending", "1.0.0", LOANS_V1, -1);
        MeshflException e = assertThrows(MeshflException.class,
                () -> catalog.registerProduct("lending.loans", "payments", "2.0.0", LOANS_V2, -1));
        assertTrue(e.getMessage().contains("lending"), e.getMessage());
    }

    @Test
    void requireProductOfUnknownIdListsKnownIds() {
        catalog.registerProduct("lending.loans", "lending", "1.0.0", LOANS_V1, -1);
        catalog.registerProduct("payments.tx", "payments", "1.0.0", "id: payments.tx\n", -1);
        MeshflException e = assertThrows(MeshflException.class, () -> catalog.requireProduct("lending.laons"));
        assertEquals(ErrorCode.UNKNOWN_PRODUCT, e.code());
        assertTrue(e.getMessage().contains("lending.laons") && e.getMessage().contains("lending.loans, payments.tx"), e.getMessage());
    }

    @Test
    void versionOrderingFollowsSemanticVersions() {
        assertTrue(Catalog.compareVersions("1.10.0", "1.9.0") > 0);
        assertTrue(Catalog.compareVersions("1.0.0-rc1", "1.0.0") < 0);
        assertTrue(Catalog.compareVersions("1.0.1", "1.0") > 0);
        assertTrue(Catalog.compareVersions("2", "10") < 0);
        assertEquals(0, Catalog.compareVersions("1.01", "1.1"));
    }

    @Test
    void nodesRoundTripThroughHeartbeatLostAndBack() {
        NodeRecord n = catalog.upsertNode("node-lending-1", "lending", "10.0.0.5:7070");
        assertEquals(NodeRecord.ACTIVE, n.status());
        assertNotNull(n.lastHeartbeat());
        Instant beat = Instant.parse("2030-01-02T03:04:05.123456Z");
        assertEquals(beat, catalog.heartbeat("node-lending-1", beat).lastHeartbeat());
        NodeRecord lost = catalog.markLost("node-lending-1", "no heartbeat for 30 s");
        assertEquals(NodeRecord.LOST, lost.status());
        assertEquals(beat, lost.lastHeartbeat());
        assertEquals(NodeRecord.ACTIVE, catalog.heartbeat("node-lending-1", beat.plusSeconds(5)).status());
        assertEquals(NodeRecord.STOPPED, catalog.markStopped("node-lending-1").status());
        catalog.upsertNode("node-a", "payments", "10.0.0.6:7070");
        assertEquals(List.of("node-a", "node-lending-1"), catalog.nodes().stream().map(NodeRecord::nodeId).toList());
        assertEquals(catalog.node("node-a").orElseThrow(), catalog.nodes().get(0));
        MeshflException e = assertThrows(MeshflException.class, () -> catalog.heartbeat("ghost", Instant.now()));
        assertEquals(ErrorCode.CATALOG_NOT_FOUND, e.code());
    }

    @Test
    void jobsRoundTripWithReadableIds() {
        JobRecord j = catalog.createJob("fraud-lr", "name: fraud-lr\nmodel: logistic\n");
        assertTrue(j.id().matches("job-\\d{8}-\\d{6}-[0-9a-f]{4}"), j.id());
        assertEquals(JobRecord.SUBMITTED, j.status());
        assertEquals(j, catalog.job(j.id()).orElseThrow());
        JobRecord k = catalog.createJob("second", "name: second\n");
        assertEquals(List.of(k, j), catalog.jobs());
        assertTrue(catalog.job("job-none").isEmpty());
        assertEquals("CANCELLED", catalog.updateJobStatus(j.id(), "CANCELLED").status());
    }

    @Test
    void runRoundTripWithRoundsAndFinish() {
        registerTwoProducts();
        JobRecord job = catalog.createJob("fraud", "spec");
        RunRecord run = catalog.startRun(job.id(), "HORIZONTAL_FEDAVG", "{\"plan\":\"fedavg\"}", "{\"lr\":0.1}", 42L,
                List.of("lending.loans", "payments.tx"));
        assertTrue(run.id().matches("run-\\d{8}-\\d{6}-[0-9a-f]{4}"), run.id());
        assertEquals(RunRecord.RUNNING, run.status());
        assertEquals("lending.loans,payments.tx", run.productsCsv());
        assertEquals(List.of("lending.loans", "payments.tx"), run.productIds());
        assertEquals(42L, run.seed());
        assertNull(run.endedAt());
        assertEquals(RunRecord.RUNNING, catalog.job(job.id()).orElseThrow().status());

        RoundRecord r1 = new RoundRecord(1, 0.25, 1000, 2000, 3, 0, "{\"loss\":0.6}");
        RoundRecord r2 = new RoundRecord(2, 0.5, 1100, 2100, 2, 1, null);
        catalog.recordRound(run.id(), r2);
        catalog.recordRound(run.id(), r1);
        assertEquals(List.of(r1, r2), catalog.rounds(run.id()));
        MeshflException dup = assertThrows(MeshflException.class, () -> catalog.recordRound(run.id(), r1));
        assertTrue(dup.getMessage().contains("round 1"), dup.getMessage());

        RunRecord done = catalog.finishRun(run.id(), "{\"auc\":0.93}", 2100, 4100);
        assertEquals(RunRecord.SUCCEEDED, done.status());
        assertEquals("{\"auc\":0.93}", done.metricsJson());
        assertEquals(2100, done.bytesSent());
        assertEquals(4100, done.bytesReceived());
        assertNotNull(done.endedAt());
        assertFalse(done.endedAt().isBefore(done.startedAt()));
        assertEquals(done, catalog.run(run.id()).orElseThrow());
        assertEquals(RunRecord.SUCCEEDED, catalog.job(job.id()).orElseThrow().status());
        assertThrows(MeshflException.class, () -> catalog.failRun(run.id(), "late", 0, 0));
    }

    @Test
    void failRunLeavesStatusFailedWithErrorText() {
        registerTwoProducts();
        JobRecord job = catalog.createJob("fraud", "spec");
        RunRecord run = catalog.startRun(job.id(), "VERTICAL_LR", null, null, 7L, List.of("lending.loans"));
        RunRecord failed = catalog.failRun(run.id(), "MeshFL-602 NODE_LOST: node-lending-1 lost in round 3", 10, 20);
        assertEquals(RunRecord.FAILED, failed.status());
        assertEquals("MeshFL-602 NODE_LOST: node-lending-1 lost in round 3", failed.error());
        assertEquals(10, failed.bytesSent());
        assertNotNull(failed.endedAt());
        assertEquals(failed, catalog.run(run.id()).orElseThrow());
        assertEquals(RunRecord.FAILED, catalog.job(job.id()).orElseThrow().status());
    }

    @Test
    void runsForProductJoinsOnProductAndListsNewestFirst() {
        registerTwoProducts();
        JobRecord job = catalog.createJob("fraud", "spec");
        RunRecord a = catalog.startRun(job.id(), "S", null, null, 1, List.of("lending.loans"));
        RunRecord b = catalog.startRun(job.id(), "S", null, null, 2, List.of("payments.tx"));
        RunRecord c = catalog.startRun(job.id(), "S", null, null, 3, List.of("payments.tx", "lending.loans"));
        assertEquals(List.of(c.id(), a.id()), catalog.runsForProduct("lending.loans").stream().map(RunRecord::id).toList());
        assertEquals(List.of(c.id(), b.id()), catalog.runsForProduct("payments.tx").stream().map(RunRecord::id).toList());
        assertTrue(catalog.runsForProduct("unused").isEmpty());
        assertEquals(List.of(c.id(), b.id(), a.id()), catalog.runs().stream().map(RunRecord::id).toList());
        assertEquals(3, catalog.runsForJob(job.id()).size());
        assertTrue(catalog.runsForJob("job-none").isEmpty());
    }

    @Test
    void runKeepsTheContractVersionItReadAfterAVersionBump() {
        catalog.registerProduct("lending.loans", "lending", "1.0.0", LOANS_V1, -1);
        JobRecord job = catalog.createJob("fraud", "spec");
        RunRecord run = catalog.startRun(job.id(), "S", null, null, 1, List.of("lending.loans"));
        catalog.registerProduct("lending.loans", "lending", "1.1.0", LOANS_V2, -1);
        assertEquals(List.of("1.0.0"), catalog.runProducts(run.id()).stream().map(ProductRecord::version).toList());
    }

    @Test
    void aRunThatReadsAPinnedOlderVersionKeepsThatVersionNotTheNewest() {
        catalog.registerProduct("lending.loans", "lending", "1.0.0", LOANS_V1, -1);
        catalog.registerProduct("lending.loans", "lending", "1.1.0", LOANS_V2, -1);
        catalog.registerProduct("payments.tx", "payments", "2.0.0", "id: payments.tx\n", 100);
        JobRecord job = catalog.createJob("fraud", "spec");
        RunRecord run = catalog.startRunReading(job.id(), "S", null, null, 1,
                List.of(new Catalog.Read("lending.loans", "1.0.0"), new Catalog.Read("payments.tx", null)), null);
        assertEquals(List.of("lending.loans@1.0.0", "payments.tx@2.0.0"),
                catalog.runProducts(run.id()).stream().map(p -> p.id() + "@" + p.version()).toList());
        MeshflException e = assertThrows(MeshflException.class, () -> catalog.startRunReading(job.id(), "S", null, null, 1,
                List.of(new Catalog.Read("lending.loans", "0.9.0")), null));
        assertTrue(e.getMessage().contains("version 0.9.0 of data product 'lending.loans' is not in the catalog"), e.getMessage());
    }

    @Test
    void startRunRefusesUnknownJobAndUnknownProduct() {
        registerTwoProducts();
        assertEquals(ErrorCode.CATALOG_NOT_FOUND, assertThrows(MeshflException.class,
                () -> catalog.startRun("job-none", "S", null, null, 1, List.of())).code());
        JobRecord job = catalog.createJob("fraud", "spec");
        MeshflException e = assertThrows(MeshflException.class,
                () -> catalog.startRun(job.id(), "S", null, null, 1, List.of("lending.loans", "ghost")));
        assertEquals(ErrorCode.UNKNOWN_PRODUCT, e.code());
        assertTrue(catalog.runs().isEmpty(), "a refused run must leave nothing behind");
    }

    @Test
    void modelParamsRoundTripBitForBit() {
        registerTwoProducts();
        JobRecord job = catalog.createJob("fraud", "spec");
        RunRecord run = catalog.startRun(job.id(), "S", null, null, 1, List.of("lending.loans"));
        double[] params = {0.0, -0.0, 1.5, -3.25e-300, Double.MAX_VALUE, Double.MIN_VALUE, Double.NaN,
                Double.POSITIVE_INFINITY, Math.PI};
        ModelRecord m = catalog.saveModel(run.id(), "LOGISTIC", params, "{\"runId\":\"" + run.id() + "\"}");
        assertTrue(m.id().matches("model-\\d{8}-\\d{6}-[0-9a-f]{4}"), m.id());
        assertEquals(params.length, m.numParams());
        assertEquals(params.length * 8, m.params().length);
        ModelRecord back = catalog.model(m.id()).orElseThrow();
        assertEquals(m, back);
        double[] decoded = Catalog.decodeParams(back.params());
        assertEquals(params.length, decoded.length);
        for (int i = 0; i < params.length; i++) {
            assertEquals(Double.doubleToRawLongBits(params[i]), Double.doubleToRawLongBits(decoded[i]), "param " + i);
        }
        assertArrayEquals(params, back.parameters());
        assertEquals(List.of(back), catalog.models());
        assertEquals(List.of(back), catalog.modelsForRun(run.id()));
    }

    @Test
    void modelBlobIsLittleEndianDoubles() {
        byte[] blob = Catalog.encodeParams(new double[] {1.0});
        assertArrayEquals(new byte[] {0, 0, 0, 0, 0, 0, (byte) 0xF0, 0x3F}, blob);
        assertThrows(MeshflException.class, () -> Catalog.decodeParams(new byte[7]));
    }

    @Test
    void modelOfUnknownRunIsRefusedButRunlessModelIsKept() {
        assertEquals(ErrorCode.CATALOG_NOT_FOUND,
                assertThrows(MeshflException.class, () -> catalog.saveModel("run-none", "LINEAR", new double[] {1}, null)).code());
        ModelRecord m = catalog.saveModel(null, "LINEAR", new double[0], null);
        assertNull(catalog.model(m.id()).orElseThrow().runId());
        assertEquals(0, catalog.model(m.id()).orElseThrow().parameters().length);
    }

    @Test
    void auditLogRoundTripsAndFiltersByRunNewestLimitOldestFirst() {
        Instant t0 = Instant.parse("2030-05-06T07:08:09.000001Z");
        long s1 = catalog.audit(AuditRecord.of(t0, "job-1", "run-1", "round-1/update", "node-lending", "coordinator", 4096, "secagg"));
        List<AuditRecord> batch = new ArrayList<>();
        for (int i = 0; i < 5; i++) {
            batch.add(AuditRecord.of(t0.plusSeconds(i + 1), "job-1", i % 2 == 0 ? "run-2" : "run-1", "round-" + (i + 2) + "/model",
                    "coordinator", "node-payments", 100 + i, "tls"));
        }
        assertEquals(5, catalog.auditBatch(batch));

        List<AuditRecord> all = catalog.auditLog(null, 0);
        assertEquals(6, all.size());
        assertEquals(new AuditRecord(s1, t0, "job-1", "run-1", "round-1/update", "node-lending", "coordinator", 4096, "secagg"), all.get(0));
        for (int i = 1; i < all.size(); i++) assertTrue(all.get(i).seq() > all.get(i - 1).seq());

        List<AuditRecord> run1 = catalog.auditLog("run-1", 0);
        assertEquals(3, run1.size());
        assertTrue(run1.stream().allMatch(r -> r.runId().equals("run-1")));
        List<AuditRecord> lastTwo = catalog.auditLog(null, 2);
        assertEquals(all.subList(4, 6), lastTwo);
        assertEquals(0, catalog.auditBatch(List.of()));
    }

    @Test
    void failuresAreMeshflExceptionsNamingTheAction() {
        MeshflException blank = assertThrows(MeshflException.class, () -> catalog.upsertDomain(" ", "x"));
        assertEquals(ErrorCode.CATALOG_FAILURE, blank.code());
        catalog.close();
        MeshflException closed = assertThrows(MeshflException.class, () -> catalog.domains());
        assertEquals(ErrorCode.CATALOG_FAILURE, closed.code());
        assertTrue(closed.getMessage().contains("SELECT domains"), closed.getMessage());
    }

    @Test
    void aCatalogKeepsEverythingAcrossReopen(@TempDir Path dir) throws Exception {
        String jobId;
        String runId;
        String modelId;
        try (Catalog c = reopenable(dir)) {
            c.upsertDomain("lending", "team");
            c.registerProduct("lending.loans", "lending", "1.0.0", LOANS_V1, 800);
            jobId = c.createJob("j", "spec").id();
            runId = c.startRun(jobId, "S", "{}", "{}", 9, List.of("lending.loans")).id();
            c.recordRound(runId, new RoundRecord(1, 1.0, 1, 2, 3, 0, "{}"));
            c.finishRun(runId, "{}", 1, 2);
            modelId = c.saveModel(runId, "LOGISTIC", new double[] {1, 2, 3}, "{}").id();
            c.audit(AuditRecord.of(null, jobId, runId, "s", "a", "b", 1, "tls"));
        }
        try (Catalog c = reopenable(dir)) {
            assertEquals(1, c.domains().size());
            assertEquals(800, c.requireProduct("lending.loans").rows());
            assertEquals(RunRecord.SUCCEEDED, c.run(runId).orElseThrow().status());
            assertEquals(1, c.rounds(runId).size());
            assertArrayEquals(new double[] {1, 2, 3}, c.model(modelId).orElseThrow().parameters());
            assertEquals(1, c.auditLog(runId, 10).size());
        }
    }

    private void registerTwoProducts() {
        catalog.registerProduct("lending.loans", "lending", "1.0.0", LOANS_V1, 800);
        catalog.registerProduct("payments.tx", "payments", "1.0.0", "id: payments.tx\n", 1200);
    }

    @Test
    void aRoundIsCommittedWithItsCheckpointAndTheRunResumesFromTheLatestOne() {
        catalog.registerProduct("lending.loans", "lending", "1.0.0", LOANS_V1, 800);
        JobRecord job = catalog.createJob("j", "name: j");
        RunRecord run = catalog.startRun(job.id(), "horizontal", "{}", "{}", 1, List.of("lending.loans"));
        RunCheckpoints store = new RunCheckpoints(catalog);
        assertTrue(store.latest(run.id()).isEmpty());
        for (int r = 1; r <= 3; r++) {
            store.commit(run.id(), new RoundRecord(r, 0.1, 10, 20, 3, 0, "{\"auc\":0.7}"),
                    new io.meshfl.core.protocol.RunCheckpoint(r, java.util.Map.of("params", new double[]{r, -r}), java.util.Map.of("seconds", r * 0.1)));
        }
        var latest = store.latest(run.id()).orElseThrow();
        assertEquals(3, latest.round());
        org.junit.jupiter.api.Assertions.assertArrayEquals(new double[]{3, -3}, latest.tensor("params"), 0.0);
        assertEquals(3, catalog.rounds(run.id()).size());
        // a round committed twice (a resumed run replaying one) is refused, and its checkpoint with it
        assertThrows(io.meshfl.core.MeshflException.class, () -> store.commit(run.id(), new RoundRecord(3, 0.1, 10, 20, 3, 0, "{}"),
                new io.meshfl.core.protocol.RunCheckpoint(3, java.util.Map.of("params", new double[]{9, 9}), java.util.Map.of())));
        org.junit.jupiter.api.Assertions.assertArrayEquals(new double[]{3, -3}, store.latest(run.id()).orElseThrow().tensor("params"), 0.0);
        // the same commit again (retried after its connection dropped once it had landed) finds itself there, and is taken
        store.commit(run.id(), new RoundRecord(3, 0.1, 10, 20, 3, 0, "{\"auc\":0.7}"),
                new io.meshfl.core.protocol.RunCheckpoint(3, java.util.Map.of("params", new double[]{3, -3}), java.util.Map.of("seconds", 3 * 0.1)));
        assertEquals(3, catalog.rounds(run.id()).size());
        var first = store.resumed(run.id(), 3, null);
        var second = store.resumed(run.id(), 3, "went on without [lending]");
        assertEquals(1, first.attempt());
        assertEquals(2, second.attempt());
        assertEquals(List.of(3, 3), store.resumes(run.id()).stream().map(RunCheckpoints.Resume::fromRound).toList());
        catalog.finishRun(run.id(), "{}", 0, 0);
        // an ended run takes no more rounds
        var ended = assertThrows(io.meshfl.core.MeshflException.class, () -> store.commit(run.id(), new RoundRecord(4, 0.1, 10, 20, 3, 0, "{}"),
                new io.meshfl.core.protocol.RunCheckpoint(4, java.util.Map.of("params", new double[]{4, 4}), java.util.Map.of())));
        assertTrue(ended.getMessage().contains("SUCCEEDED"), ended.getMessage());
        assertEquals(3, catalog.rounds(run.id()).size());
        store.discard(run.id());
        assertTrue(store.latest(run.id()).isEmpty());
    }
    @Test
    void aRoundCommitsTheAuditOfItsMessagesWithItselfOrNotAtAll() {
        catalog.registerProduct("lending.loans", "lending", "1.0.0", LOANS_V1, 800);
        JobRecord job = catalog.createJob("j", "name: j");
        RunRecord run = catalog.startRun(job.id(), "horizontal", "{}", "{}", 1, List.of("lending.loans"));
        RunCheckpoints store = new RunCheckpoints(catalog);
        java.util.function.IntFunction<List<AuditRecord>> messages = r -> List.of(
                AuditRecord.of(null, job.id(), run.id(), "horizontal/fit", "coordinator", "lending", 100, "plain | grpc-mtls", 2L * r - 1),
                AuditRecord.of(null, job.id(), run.id(), "horizontal/fit", "lending", "coordinator", 200, "plain | grpc-mtls", 2L * r - 1));
        store.commit(run.id(), new RoundRecord(1, 0.1, 10, 20, 1, 0, "{}"),
                new io.meshfl.core.protocol.RunCheckpoint(1, java.util.Map.of("params", new double[]{1}), java.util.Map.of()), messages.apply(1));
        catalog.recordRound(run.id(), new RoundRecord(2, 0.1, 10, 20, 1, 0, "{}"), messages.apply(2));
        assertEquals(4, catalog.auditLog(run.id(), 0).size());
        // a round the catalog refuses (recorded already) takes its audit records with it: the caller still holds them
        assertThrows(io.meshfl.core.MeshflException.class, () -> store.commit(run.id(), new RoundRecord(2, 0.1, 10, 20, 1, 0, "{}"),
                new io.meshfl.core.protocol.RunCheckpoint(2, java.util.Map.of("params", new double[]{2}), java.util.Map.of()), messages.apply(3)));
        assertThrows(io.meshfl.core.MeshflException.class, () -> catalog.recordRound(run.id(), new RoundRecord(1, 0.1, 10, 20, 1, 0, "{}"),
                messages.apply(3)));
        assertEquals(4, catalog.auditLog(run.id(), 0).size());
        assertEquals(List.of(1L, 1L, 3L, 3L), catalog.auditLog(run.id(), 0).stream().map(AuditRecord::msgSeq).toList());
    }

    /** A stored model of a run over lending.loans@1.0.0 and payments.tx@2.0.0. */
    private ModelRecord modelOverTwoProducts(String jobName) {
        JobRecord job = catalog.createJob(jobName, "name: " + jobName + "\n");
        RunRecord run = catalog.startRun(job.id(), "vertical", "{}", "{}", 1, List.of("lending.loans", "payments.tx"));
        String prov = "{\"job_id\":\"" + job.id() + "\",\"products\":[{\"id\":\"lending.loans\",\"version\":\"1.0.0\",\"domain\":\"lending\","
                + "\"role\":\"train\"},{\"id\":\"payments.tx\",\"version\":\"2.0.0\",\"domain\":\"payments\",\"role\":\"train\"}],"
                + "\"metrics\":{\"auc\":0.71,\"train_auc\":0.74}}";
        return catalog.saveModel(run.id(), "logistic", new double[]{1, 2}, prov);
    }

    @Test
    void theRegistryVersionsAModelAndPromotesItOnlyWithEveryOwnersApprovalRetiringTheVersionBefore() {
        catalog.registerProduct("lending.loans", "lending", "1.0.0", LOANS_V1, 800);
        catalog.registerProduct("payments.tx", "payments", "2.0.0", "id: payments.tx\n", 100);
        ModelRegistry registry = new ModelRegistry(catalog);
        ModelRegistry.Entry one = registry.register(modelOverTwoProducts("credit").id(), "credit", "client:analyst");
        assertEquals(1, one.version());
        assertEquals(ModelRegistry.Stage.CANDIDATE, one.stage());
        List<ModelRegistry.Input> inputs = registry.inputs(one.modelId());
        assertEquals(List.of("lending", "payments"), inputs.stream().map(ModelRegistry.Input::domain).toList());
        assertEquals(catalog.product("lending.loans", "1.0.0").orElseThrow().contractSha256(), inputs.get(0).contractSha256());

        var early = assertThrows(MeshflException.class, () -> registry.promote(one.modelId(), "client:analyst", () -> "contract"));
        assertTrue(early.getMessage().contains("missing: lending (lending.loans@1.0.0), payments (payments.tx@2.0.0)"), early.getMessage());
        var stranger = new ModelRegistry.Input("lending.loans", "lending", "1.0.0", "00".repeat(32));
        assertThrows(MeshflException.class, () -> registry.approve(one.modelId(), stranger, "domain:lending", "ff".repeat(32), "c2ln"));
        assertEquals(ModelRegistry.Stage.CANDIDATE, registry.approve(one.modelId(), inputs.get(0), "domain:lending", "ab".repeat(32), "c2ln").stage());
        assertEquals(ModelRegistry.Stage.APPROVED, registry.approve(one.modelId(), inputs.get(1), "domain:payments", "cd".repeat(32), "c2ln").stage());
        assertEquals(ModelRegistry.Stage.PRODUCTION, registry.promote(one.modelId(), "client:analyst", () -> "kind: DataContract").stage());
        assertEquals("kind: DataContract", registry.require(one.modelId()).outputContract());

        ModelRegistry.Entry two = registry.register(modelOverTwoProducts("credit").id(), "credit", "client:analyst");
        assertEquals(2, two.version());
        for (ModelRegistry.Input i : registry.inputs(two.modelId())) registry.approve(two.modelId(), i, "domain:" + i.domain(), "ab".repeat(32), "c2ln");
        registry.promote(two.modelId(), "client:operator", () -> "kind: DataContract");
        assertEquals(ModelRegistry.Stage.RETIRED, registry.require(one.modelId()).stage());
        assertEquals(List.of(ModelRegistry.Stage.CANDIDATE, ModelRegistry.Stage.APPROVED, ModelRegistry.Stage.PRODUCTION, ModelRegistry.Stage.RETIRED),
                registry.history(one.modelId()).stream().map(ModelRegistry.StageChange::stage).toList());
        assertThrows(MeshflException.class, () -> registry.promote(one.modelId(), "client:operator", () -> "kind: DataContract"));
        assertEquals(List.of(two.modelId(), one.modelId()), registry.list().stream().map(ModelRegistry.Entry::modelId).toList());
    }
}

package io.meshfl.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.meshfl.cli.EmbeddedMesh;
import io.meshfl.core.catalog.AuditRecord;
import io.meshfl.core.catalog.Catalog;
import io.meshfl.core.protocol.session.SessionSteps;
import io.meshfl.core.trust.Journal;
import org.h2.jdbcx.JdbcConnectionPool;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The demo run as a whole: warm runs of the demo job on an {@link EmbeddedMesh}, each timed from
 * {@code runJob} to its report, with the span of {@code session/end} (told to the nodes after the
 * report) read from the run's own audit records (first request out to last reply back; the
 * coordinator stamps both, kept to the microsecond), the CPU of
 * the nodes' background seal checks during those runs, and what one run leaves in the catalog and
 * the node journals.
 */
final class TrustRuns {

    /** The JIT is still compiling long after the first runs; these many make the measured runs warm. */
    static final int RUN_WARMUP = 40;
    static final int RUNS = 20;
    /** A pause before each run, outside its timing: the nodes' background seal checks of the run before finish. */
    static final int SETTLE_MS = 200;
    /** The thread a node's JVM checks seals on after answering a run's end. */
    static final String SEAL_THREAD = "meshfl-seal-check";

    private TrustRuns() {
    }

    /** Per-run counts read back from the catalog and the node journals after the last run. */
    record Counts(int auditRecords, int rounds, int ledgerEntries, int seals, Map<String, Integer> nodeServed,
                  Map<String, Integer> nodeSession, Map<String, Integer> nodeRegistry, Map<String, Integer> nodeForced) {

        int sum(Map<String, Integer> perNode) {
            return perNode.values().stream().mapToInt(Integer::intValue).sum();
        }
    }

    /**
     * @param runMs          each measured run, ms
     * @param endSpan        {@code session/end} of each measured run, after its report, first request to last reply, ms
     * @param sealCheckCpuMs CPU of the nodes' background seal-check thread over the measured runs, per run (-1: not found)
     * @param jitMs          the JIT's compilation time (summed over its threads) during the measured runs
     * @param records        the last run's audit records, as the catalog holds them
     * @param servedBodies   the last run's non-session entries of every node's audit, as appended
     */
    record Result(List<Double> runMs, List<Double> endSpan, double sealCheckCpuMs, long jitMs, String lastRun,
                  Counts counts, List<AuditRecord> records, List<ObjectNode> servedBodies) {
    }

    static Result measure(Catalog catalog, EmbeddedMesh mesh, TrustBench.Demo demo, Path stateRoot) throws Exception {
        List<Double> runMs = new ArrayList<>();
        List<Double> end = new ArrayList<>();
        String last = null;
        long sealCpu0 = -1;
        long jit0 = 0;
        for (int i = 0; i < RUN_WARMUP + RUNS; i++) {
            // every run starts on an idle mesh, as a job submitted to it would
            Thread.sleep(SETTLE_MS);
            if (i == RUN_WARMUP) {
                sealCpu0 = threadCpu(SEAL_THREAD);
                jit0 = TrustSessionCalls.jitMs();
            }
            long t0 = System.nanoTime();
            JsonNode report = mesh.coordinator().runJob(demo.job(), demo.yaml(), BenchData.QUIET);
            long t1 = System.nanoTime();
            last = report.path("run_id").asText();
            // the nodes hear of the end after the report; the next run starts once they have
            if (!mesh.coordinator().runner().awaitEnds(Duration.ofSeconds(30))) throw new IllegalStateException("run " + last + "'s end was not told");
            if (i < RUN_WARMUP) continue;
            runMs.add((t1 - t0) / 1e6);
            List<AuditRecord> recs = catalog.auditLog(last, 0);
            end.add(span(recs, SessionSteps.END));
        }
        long jit = TrustSessionCalls.jitMs() - jit0;
        Thread.sleep(SETTLE_MS);
        long sealCpu1 = threadCpu(SEAL_THREAD);
        double sealCpu = sealCpu0 < 0 || sealCpu1 < 0 ? -1 : (sealCpu1 - sealCpu0) / 1e6 / RUNS;
        Counts counts = counts(catalog, last, stateRoot, demo.domains());
        List<ObjectNode> served = new ArrayList<>();
        for (String d : demo.domains()) {
            for (Journal.Entry e : Journal.verify(stateRoot.resolve(d).resolve("audit.jsonl")).entries()) {
                if (!e.body().path("run").asText().equals(last) || isSession(e.body())) continue;
                ObjectNode b = e.body().deepCopy();
                b.remove(List.of("seq", "prev", "at"));
                served.add(b);
            }
        }
        return new Result(runMs, end, sealCpu, jit, last, counts, catalog.auditLog(last, 0), served);
    }

    /** Milliseconds from the first request of {@code session/step} leaving the coordinator to the last reply coming back. */
    static double span(List<AuditRecord> recs, String step) {
        String name = SessionSteps.PROTOCOL + "/" + step;
        Instant first = null;
        Instant last = null;
        for (AuditRecord r : recs) {
            if (!r.step().equals(name)) continue;
            if (r.sender().equals("coordinator") && (first == null || r.at().isBefore(first))) first = r.at();
            if (r.receiver().equals("coordinator") && (last == null || r.at().isAfter(last))) last = r.at();
        }
        if (first == null || last == null) throw new IllegalStateException("the run's audit has no " + name + " request and reply");
        return Duration.between(first, last).toNanos() / 1e6;
    }

    /** CPU nanoseconds of the live thread named {@code name}, or -1 when there is none. */
    private static long threadCpu(String name) {
        var mx = ManagementFactory.getThreadMXBean();
        for (Thread t : Thread.getAllStackTraces().keySet()) {
            if (t.getName().equals(name)) return mx.getThreadCpuTime(t.getId());
        }
        return -1;
    }

    static boolean isSession(ObjectNode served) {
        return served.path("step").asText().startsWith(SessionSteps.PROTOCOL + "/");
    }

    private static Counts counts(Catalog catalog, String runId, Path stateRoot, List<String> domains) throws SQLException, IOException {
        int audit = catalog.auditLog(runId, 0).size();
        int rounds = catalog.rounds(runId).size();
        int ledger;
        int seals;
        JdbcConnectionPool pool = JdbcConnectionPool.create(catalog.url(), "sa", "");
        try (Connection c = pool.getConnection()) {
            ledger = count(c, "SELECT COUNT(*) FROM ledger_entries WHERE run_id = ?", runId);
            seals = count(c, "SELECT COUNT(*) FROM chain_seals WHERE run_id = ?", runId);
        } finally {
            pool.dispose();
        }
        Map<String, Integer> served = new LinkedHashMap<>();
        Map<String, Integer> session = new LinkedHashMap<>();
        Map<String, Integer> registry = new LinkedHashMap<>();
        Map<String, Integer> forced = new LinkedHashMap<>();
        for (String d : domains) {
            Path nodeDir = stateRoot.resolve(d);
            int s = 0;
            int f = 0;
            for (Journal.Entry e : Journal.verify(nodeDir.resolve("audit.jsonl")).entries()) {
                if (!e.body().path("run").asText().equals(runId)) continue;
                s++;
                if (isSession(e.body())) f++;
            }
            int r = 0;
            int a = 0;
            for (Journal.Entry e : Journal.verify(nodeDir.resolve("runs.jsonl")).entries()) {
                if (!e.body().path("run").asText().equals(runId)) continue;
                r++;
                // the node forces the authorization (its nonce) to the disk; the end and any note are written, not forced
                if (e.body().path("kind").asText().equals("authorize")) a++;
            }
            int nodeLedger = 0;
            for (Journal.Entry e : Journal.verify(nodeDir.resolve("privacy-ledger.jsonl")).entries()) {
                if (e.body().path("run").asText().equals(runId)) nodeLedger++;
            }
            if (nodeLedger > 0 || ledger > 0) {
                throw new IllegalStateException("run " + runId + " charged a privacy ledger; this benchmark does not time ledger entries yet");
            }
            served.put(d, s);
            session.put(d, f);
            registry.put(d, r);
            forced.put(d, a);
        }
        return new Counts(audit, rounds, ledger, seals, served, session, registry, forced);
    }

    private static int count(Connection c, String sql, String runId) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(sql)) {
            ps.setString(1, runId);
            try (ResultSet rs = ps.executeQuery()) {
                rs.next();
                return rs.getInt(1);
            }
        }
    }
}

package io.meshfl.bench;

import io.meshfl.core.catalog.AuditLog;
import io.meshfl.core.catalog.AuditRecord;
import io.meshfl.core.catalog.Catalog;
import io.meshfl.core.catalog.ChainSeals;
import io.meshfl.core.catalog.ProductRecord;
import io.meshfl.core.contract.ContractLoader;
import io.meshfl.core.contract.DataContract;
import io.meshfl.core.trust.Access;
import io.meshfl.core.trust.HashChain;
import io.meshfl.core.trust.JobTicket;
import io.meshfl.core.trust.MeshIdentity.Role;
import io.meshfl.core.trust.SignedTicket;
import io.meshfl.core.trust.Signer;
import io.meshfl.core.trust.Submitter;
import io.meshfl.core.trust.TicketVerifier;
import io.meshfl.wire.tls.MeshTls;
import org.h2.jdbcx.JdbcConnectionPool;

import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The trust work a run does on the coordinator's side, each piece alone on one thread with the
 * code the run uses: the submitter's ticket (drafted and signed as the embedded mesh's submitter
 * signs it), the coordinator's admission of it and grant check (contracts parsed once per version,
 * as the coordinator caches them), the signed seal on the mesh's own catalog after its last run,
 * and the audit chain: the run's own records appended through {@link AuditLog#append} in as many
 * transactions as a run uses, against the same rows inserted with fixed hashes and no chain head.
 */
final class TrustCoordinatorWork {

    static final int WARMUP = 300;
    static final int REPEATS = 1000;
    static final int SEAL_WARMUP = 30;
    static final int SEALS = 150;
    static final int CHAIN_WARMUP = 10;
    static final int CHAIN_REPEATS = 30;

    private TrustCoordinatorWork() {
    }

    /** Milliseconds per operation: ticket draft + sign, the coordinator's check, the seal signed and unsigned. */
    record Result(List<Double> ticketSign, List<Double> check, List<Double> sealSigned, List<Double> sealUnsigned, int products) {
    }

    /** Milliseconds per run's worth of audit records: through the chain, and plain. */
    record Chain(List<Double> chained, List<Double> plain, int batches, int records) {

        double extraMs() {
            return Stats.median(chained) - Stats.median(plain);
        }
    }

    static Result measure(Catalog catalog, Path certs, TrustBench.Demo demo, String lastRun) {
        Submitter submitter = Submitter.of(TrustBench.operator(certs));
        MeshTls tls = MeshTls.load(certs, Role.COORDINATOR, "coordinator");
        Signer sealer = tls.signer();
        TicketVerifier verifier = tls.ticketVerifier();
        List<JobTicket.ProductVersion> products = demo.products();
        String strategy = demo.plan().strategy();

        List<SignedTicket> tickets = new ArrayList<>();
        List<Double> sign = new ArrayList<>();
        for (int i = 0; i < WARMUP + REPEATS; i++) {
            long t0 = System.nanoTime();
            SignedTicket s = demo.ticket(submitter);
            long t1 = System.nanoTime();
            tickets.add(s);
            if (i >= WARMUP) sign.add((t1 - t0) / 1e6);
        }
        Map<String, DataContract> parsed = new ConcurrentHashMap<>();
        List<Double> check = new ArrayList<>();
        for (int i = 0; i < WARMUP + REPEATS; i++) {
            SignedTicket s = tickets.get(i);
            long t0 = System.nanoTime();
            check(catalog, parsed, verifier, s, demo.yaml(), strategy, products);
            long t1 = System.nanoTime();
            if (i >= WARMUP) check.add((t1 - t0) / 1e6);
        }
        ChainSeals seals = new ChainSeals(catalog);
        List<Double> signed = new ArrayList<>();
        List<Double> unsigned = new ArrayList<>();
        for (int i = 0; i < SEAL_WARMUP + SEALS; i++) {
            long t0 = System.nanoTime();
            seals.seal(lastRun, sealer);
            long t1 = System.nanoTime();
            seals.seal(lastRun, null);
            long t2 = System.nanoTime();
            if (i < SEAL_WARMUP) continue;
            signed.add((t1 - t0) / 1e6);
            unsigned.add((t2 - t1) / 1e6);
        }
        return new Result(sign, check, signed, unsigned, products.size());
    }

    /**
     * The coordinator's admission of a ticket ({@code Tickets.admit}: signature, spec, strategy,
     * products) and its grant check ({@code Tickets.checkGrants}: each product's catalog record at
     * its pinned version, its contract parsed once per version, {@link Access#refusal}), from
     * their public parts.
     */
    private static void check(Catalog catalog, Map<String, DataContract> parsed, TicketVerifier verifier, SignedTicket signed, String spec,
                              String strategy, List<JobTicket.ProductVersion> products) {
        TicketVerifier.Verified v = verifier.verify(signed, Instant.now());
        JobTicket t = v.ticket();
        if (!t.purpose().equals(JobTicket.TRAIN) || !t.specSha256().equals(HashChain.sha256Hex(spec)) || !t.strategy().equals(strategy)
                || !new HashSet<>(t.products()).equals(new HashSet<>(products))) {
            throw new IllegalStateException("the bench's ticket does not match its job");
        }
        for (JobTicket.ProductVersion pv : products) {
            ProductRecord r = catalog.product(pv.id(), pv.version()).orElseGet(() -> catalog.requireProduct(pv.id()));
            DataContract c = parsed.computeIfAbsent(r.id() + "@" + r.version() + "#" + r.contractSha256(),
                    k -> ContractLoader.parse(r.contractYaml(), Path.of("catalog:" + r.id() + "@" + r.version()), false));
            String why = Access.refusal(c, v.submitter(), JobTicket.TRAIN, strategy);
            if (why != null) throw new IllegalStateException(why);
        }
    }

    /**
     * The run's audit records (as the coordinator hands them over: not yet numbered) appended in
     * {@code batches} transactions through the chain, against the same rows inserted plainly, on
     * two fresh file catalogs; which of the two goes first alternates.
     */
    static Chain chain(Path dir, List<AuditRecord> runRecords, int batches) throws SQLException {
        List<List<AuditRecord>> runBatches = split(fresh(runRecords), batches);
        List<Double> chained = new ArrayList<>();
        List<Double> plain = new ArrayList<>();
        try (Catalog a = Catalog.open(dir.resolve("chain-catalog").resolve("catalog"));
             Catalog b = Catalog.open(dir.resolve("plain-catalog").resolve("catalog"))) {
            JdbcConnectionPool pool = JdbcConnectionPool.create(b.url(), "sa", "");
            AuditLog log = new AuditLog(a);
            long[] seq = {0};
            try {
                for (int i = 0; i < CHAIN_WARMUP + CHAIN_REPEATS; i++) {
                    double p = i % 2 == 1 ? plainRun(pool, runBatches, seq) : 0;
                    long t0 = System.nanoTime();
                    for (List<AuditRecord> batch : runBatches) log.append(batch);
                    double c = (System.nanoTime() - t0) / 1e6;
                    if (i % 2 == 0) p = plainRun(pool, runBatches, seq);
                    if (i < CHAIN_WARMUP) continue;
                    chained.add(c);
                    plain.add(p);
                }
            } finally {
                pool.dispose();
            }
        }
        return new Chain(chained, plain, runBatches.size(), runRecords.size());
    }

    /** Milliseconds to insert every batch of a run without the chain. */
    private static double plainRun(JdbcConnectionPool pool, List<List<AuditRecord>> batches, long[] seq) throws SQLException {
        long t0 = System.nanoTime();
        for (List<AuditRecord> batch : batches) plainInsert(pool, batch, seq);
        return (System.nanoTime() - t0) / 1e6;
    }

    /** The same rows as {@link AuditLog#append} writes, with fixed hashes, no chain head and no hashing. */
    private static void plainInsert(JdbcConnectionPool pool, List<AuditRecord> batch, long[] seq) throws SQLException {
        String fixed = "f".repeat(64);
        try (Connection c = pool.getConnection()) {
            c.setAutoCommit(false);
            try (PreparedStatement ps = c.prepareStatement("INSERT INTO audit_records (seq, logged_at, job_id, run_id, step, sender, "
                    + "receiver, msg_seq, byte_count, protection, prev_hash, row_hash) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)")) {
                for (AuditRecord r : batch) {
                    ps.setLong(1, ++seq[0]);
                    ps.setObject(2, OffsetDateTime.ofInstant(r.at(), ZoneOffset.UTC));
                    ps.setString(3, r.jobId());
                    ps.setString(4, r.runId());
                    ps.setString(5, r.step());
                    ps.setString(6, r.sender());
                    ps.setString(7, r.receiver());
                    ps.setLong(8, r.msgSeq());
                    ps.setLong(9, r.bytes());
                    ps.setString(10, r.protection());
                    ps.setString(11, fixed);
                    ps.setString(12, fixed);
                    ps.addBatch();
                }
                ps.executeBatch();
            }
            c.commit();
            c.setAutoCommit(true);
        }
    }

    /** The records as the coordinator hands them to the catalog: not yet numbered. */
    private static List<AuditRecord> fresh(List<AuditRecord> logged) {
        return logged.stream().map(r -> AuditRecord.of(r.at(), r.jobId(), r.runId(), r.step(), r.sender(), r.receiver(), r.bytes(), r.protection(),
                r.msgSeq())).toList();
    }

    /** {@code k} consecutive batches of near-equal size. */
    private static List<List<AuditRecord>> split(List<AuditRecord> all, int k) {
        List<List<AuditRecord>> out = new ArrayList<>();
        for (int i = 0; i < k; i++) {
            List<AuditRecord> part = all.subList(i * all.size() / k, (i + 1) * all.size() / k);
            if (!part.isEmpty()) out.add(part);
        }
        return out;
    }
}

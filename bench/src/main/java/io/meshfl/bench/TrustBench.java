package io.meshfl.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.meshfl.cli.EmbeddedMesh;
import io.meshfl.coordinator.Tickets;
import io.meshfl.core.catalog.AuditLog;
import io.meshfl.core.catalog.AuditRecord;
import io.meshfl.core.catalog.Catalog;
import io.meshfl.core.catalog.ChainSeals;
import io.meshfl.core.catalog.ProductRecord;
import io.meshfl.core.contract.ContractLoader;
import io.meshfl.core.contract.DataContract;
import io.meshfl.core.plan.JobLoader;
import io.meshfl.core.plan.JobSpec;
import io.meshfl.core.plan.Plan;
import io.meshfl.core.plan.Planner;
import io.meshfl.core.protocol.Message;
import io.meshfl.core.protocol.session.SessionSteps;
import io.meshfl.core.trust.Access;
import io.meshfl.core.trust.HashChain;
import io.meshfl.core.trust.JobTicket;
import io.meshfl.core.trust.Journal;
import io.meshfl.core.trust.MeshIdentity.Role;
import io.meshfl.core.trust.SignedTicket;
import io.meshfl.core.trust.Signer;
import io.meshfl.core.trust.TicketVerifier;
import io.meshfl.node.DomainNode;
import io.meshfl.wire.tls.MeshTls;
import org.h2.jdbcx.JdbcConnectionPool;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.Signature;
import java.security.spec.ECGenParameterSpec;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;

/**
 * What the trust layer costs a run, measured side by side on one machine: (a) the demo job on an
 * {@link EmbeddedMesh} (mutual TLS on loopback, nodes keeping journals, a file catalog, as
 * {@code meshfl demo} runs it), warm, median of several runs; (b) the trust work inside one such
 * run, piece by piece with the counts the run itself left in the catalog and in the node journals
 * (ticket signing, the coordinator's ticket and grant check, the audit chain against the same
 * inserts without it, the signed seal, each node's session steps through {@link DomainNode#handle}
 * and its journal appends), summed and divided by (a); (c) the job-signature check per node per
 * run (decode, {@link TicketVerifier#verify}, {@link Access#refusal} of the node's products)
 * against the durable journal append and raw EC P-256 sign/verify. Every figure is measured here.
 */
public final class TrustBench {

    static final long SEED = 7;
    static final int RUN_WARMUP = 5;
    static final int RUNS = 15;
    static final int SESSION_WARMUP = 50;
    static final int SESSIONS = 150;
    static final int CHECK_WARMUP = 300;
    static final int CHECKS = 1000;
    static final int CHAIN_WARMUP = 10;
    static final int CHAIN_REPEATS = 30;
    static final int SEAL_WARMUP = 30;
    static final int SEALS = 150;
    static final int APPEND_WARMUP = 300;
    static final int APPENDS = 1000;
    static final int DURABLE_APPENDS = 200;

    private TrustBench() {
    }

    /** Per-run counts read back from the catalog and the node journals after a run. */
    record Counts(int auditRecords, int rounds, int ledgerEntries, int seals, Map<String, Integer> nodeServed, Map<String, Integer> nodeDurable,
                  Map<String, Integer> nodeRuns) {
    }

    public static void main(String[] args) throws Exception {
        String loadBefore = loadAverage();
        Path dir = Files.createTempDirectory("meshfl-bench-trust");
        DemoProducts.write(dir, SEED);
        List<DataContract> contracts = ContractLoader.loadDirectory(dir);
        Path jobFile = dir.resolve("job.yaml");
        JobSpec job = JobLoader.load(jobFile);
        String yaml = Files.readString(jobFile);
        Path stateRoot = dir.resolve("nodes");
        Map<String, Planner.ProductView> views = new LinkedHashMap<>();
        for (DataContract c : contracts) views.put(c.id(), new Planner.ProductView(c, -1));
        Plan plan = Planner.plan(job, views);
        List<String> domains = contracts.stream().map(DataContract::domain).distinct().sorted().toList();

        // (a) the demo job, warm
        List<Double> runMs = new ArrayList<>();
        List<Double> authorizeSpanMs = new ArrayList<>();
        List<Double> endSpanMs = new ArrayList<>();
        String lastRun;
        Counts counts;
        Path certs;
        List<AuditRecord> runRecords;
        List<Double> sealSigned = new ArrayList<>();
        List<Double> sealUnsigned = new ArrayList<>();
        List<Double> coordinatorCheck = new ArrayList<>();
        List<Double> ticketSign = new ArrayList<>();
        Map<String, List<ObjectNode>> servedBodies = new LinkedHashMap<>();
        try (Catalog catalog = Catalog.open(dir.resolve("catalog"));
             EmbeddedMesh mesh = new EmbeddedMesh(catalog, contracts, s -> { }, stateRoot)) {
            certs = mesh.certs();
            lastRun = null;
            for (int i = 0; i < RUN_WARMUP + RUNS; i++) {
                long t0 = System.nanoTime();
                JsonNode report = mesh.coordinator().runJob(job, yaml, BenchData.QUIET);
                long t1 = System.nanoTime();
                lastRun = report.path("run_id").asText();
                if (i < RUN_WARMUP) continue;
                runMs.add((t1 - t0) / 1e6);
                List<AuditRecord> recs = catalog.auditLog(lastRun, 0);
                authorizeSpanMs.add(span(recs, SessionSteps.PROTOCOL + "/" + SessionSteps.AUTHORIZE));
                endSpanMs.add(span(recs, SessionSteps.PROTOCOL + "/" + SessionSteps.END));
            }
            counts = counts(catalog, lastRun, stateRoot, domains);
            runRecords = catalog.auditLog(lastRun, 0);
            for (String d : domains) {
                List<ObjectNode> bodies = new ArrayList<>();
                for (Journal.Entry e : Journal.verify(stateRoot.resolve(d).resolve("audit.jsonl")).entries()) {
                    if (!e.body().path("run").asText().equals(lastRun) || isSession(e.body())) continue;
                    ObjectNode b = e.body().deepCopy();
                    b.remove(List.of("seq", "prev", "at"));
                    bodies.add(b);
                }
                servedBodies.put(d, bodies);
            }

            // (b) the coordinator's pieces, on the mesh's own catalog and keys
            Signer operator = Signer.load(certs.resolve("client-" + EmbeddedMesh.OPERATOR + ".pem"),
                    certs.resolve("client-" + EmbeddedMesh.OPERATOR + "-key.pem"));
            MeshTls coordinatorTls = MeshTls.load(certs, Role.COORDINATOR, "coordinator");
            Signer sealer = coordinatorTls.signer();
            TicketVerifier coordinatorVerifier = coordinatorTls.ticketVerifier();
            List<JobTicket.ProductVersion> products = Tickets.products(plan);
            List<SignedTicket> tickets = new ArrayList<>();
            for (int i = 0; i < CHECK_WARMUP + CHECKS; i++) {
                long t0 = System.nanoTime();
                JobTicket t = Tickets.draft(operator.identity().label(), JobTicket.TRAIN, job.name(), plan.strategy(), yaml, products, null);
                SignedTicket s = SignedTicket.sign(t, operator);
                long t1 = System.nanoTime();
                tickets.add(s);
                if (i >= CHECK_WARMUP) ticketSign.add((t1 - t0) / 1e6);
            }
            for (int i = 0; i < CHECK_WARMUP + CHECKS; i++) {
                SignedTicket s = tickets.get(i);
                long t0 = System.nanoTime();
                coordinatorCheck(catalog, coordinatorVerifier, s, yaml, plan.strategy(), products);
                long t1 = System.nanoTime();
                if (i >= CHECK_WARMUP) coordinatorCheck.add((t1 - t0) / 1e6);
            }
            ChainSeals seals = new ChainSeals(catalog);
            for (int i = 0; i < SEAL_WARMUP + SEALS; i++) {
                long t0 = System.nanoTime();
                seals.seal(lastRun, sealer);
                long t1 = System.nanoTime();
                seals.seal(lastRun, null);
                long t2 = System.nanoTime();
                if (i < SEAL_WARMUP) continue;
                sealSigned.add((t1 - t0) / 1e6);
                sealUnsigned.add((t2 - t1) / 1e6);
            }
        }

        // (b) the audit chain: the run's records appended through AuditLog, against the same inserts without hashing
        int batches = counts.rounds() + 2;
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
                    // which goes first alternates, so neither always runs on a warmer cache
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

        // (b, c) each node's session steps through the node's own code, with its journals on the disk
        Map<String, MeshTls> nodeTls = new LinkedHashMap<>();
        for (String d : domains) nodeTls.put(d, MeshTls.load(certs, Role.DOMAIN, d));
        Signer operator = Signer.load(certs.resolve("client-" + EmbeddedMesh.OPERATOR + ".pem"),
                certs.resolve("client-" + EmbeddedMesh.OPERATOR + "-key.pem"));
        Signer sealer = MeshTls.load(certs, Role.COORDINATOR, "coordinator").signer();
        List<JobTicket.ProductVersion> products = Tickets.products(plan);
        List<Double> authorizeMs = new ArrayList<>();
        List<Double> endMs = new ArrayList<>();
        Map<String, DomainNode> nodes = new LinkedHashMap<>();
        Path benchNodes = dir.resolve("bench-nodes");
        for (String d : domains) {
            List<DataContract> own = contracts.stream().filter(c -> c.domain().equals(d)).toList();
            nodes.put(d, new DomainNode(d, own, s -> { }).trust(nodeTls.get(d).ca(), nodeTls.get(d).revocations())
                    .stateDir(benchNodes.resolve(d)));
        }
        try (Catalog scratch = Catalog.inMemory("bench-trust-seals-" + System.nanoTime())) {
            ChainSeals scratchSeals = new ChainSeals(scratch);
            for (int i = 0; i < SESSION_WARMUP + SESSIONS; i++) {
                String runId = "bench-run-" + i;
                String jobId = "bench-job-" + i;
                SignedTicket t = SignedTicket.sign(Tickets.draft(operator.identity().label(), JobTicket.TRAIN, job.name(), plan.strategy(), yaml,
                        products, null), operator);
                byte[] seal = scratchSeals.seal(runId, sealer).toJson().toString().getBytes(StandardCharsets.UTF_8);
                for (String d : domains) {
                    Message auth = Message.request(jobId, runId, SessionSteps.PROTOCOL, SessionSteps.AUTHORIZE, 0, d)
                            .withBlobs(Map.of("ticket", t.encode())).withSequence(1);
                    Message end = Message.request(jobId, runId, SessionSteps.PROTOCOL, SessionSteps.END, 0, d)
                            .withConfig(Map.of("outcome", "SUCCEEDED")).withBlobs(Map.of("seal", seal)).withSequence(2);
                    long t0 = System.nanoTime();
                    Message r1 = nodes.get(d).handle(auth);
                    long t1 = System.nanoTime();
                    Message r2 = nodes.get(d).handle(end);
                    long t2 = System.nanoTime();
                    if (r1.failed()) throw new IllegalStateException("node " + d + " refused the bench's ticket: " + r1.error().message());
                    if (r2.failed()) throw new IllegalStateException("node " + d + " refused the end of " + runId + ": " + r2.error().message());
                    if (i < SESSION_WARMUP) continue;
                    authorizeMs.add((t1 - t0) / 1e6);
                    endMs.add((t2 - t1) / 1e6);
                }
            }
        }
        for (DomainNode n : nodes.values()) n.close();
        for (String d : domains) {
            Journal.Verification v = Journal.verify(benchNodes.resolve(d).resolve("runs.jsonl"));
            if (!v.ok()) throw new IllegalStateException("the bench node's run registry does not verify: " + v.problems());
        }

        // (c) the signature check alone: decode + verify + grants of the node's own products, no disk
        List<Double> nodeCheckMs = new ArrayList<>();
        List<String> order = new ArrayList<>(domains);
        Map<String, Map<String, DataContract>> ownProducts = new LinkedHashMap<>();
        for (String d : domains) {
            Map<String, DataContract> own = new LinkedHashMap<>();
            for (DataContract c : contracts) if (c.domain().equals(d)) own.put(c.id(), c);
            ownProducts.put(d, own);
        }
        Map<String, TicketVerifier> nodeVerifiers = new LinkedHashMap<>();
        for (String d : domains) nodeVerifiers.put(d, nodeTls.get(d).ticketVerifier());
        List<byte[]> blobs = new ArrayList<>();
        for (int i = 0; i < 200; i++) {
            blobs.add(SignedTicket.sign(Tickets.draft(operator.identity().label(), JobTicket.TRAIN, job.name(), plan.strategy(), yaml, products, null),
                    operator).encode());
        }
        for (int i = 0; i < CHECK_WARMUP + CHECKS; i++) {
            String d = order.get(i % order.size());
            byte[] blob = blobs.get(i % blobs.size());
            long t0 = System.nanoTime();
            nodeCheck(nodeVerifiers.get(d), ownProducts.get(d), blob);
            long t1 = System.nanoTime();
            if (i >= CHECK_WARMUP) nodeCheckMs.add((t1 - t0) / 1e6);
        }

        // (b, c) journal appends: a served request (hash + write) and a durable authorization (hash + write + fsync)
        List<Double> servedAppendMs = new ArrayList<>();
        List<Double> durableAppendMs = new ArrayList<>();
        Path journals = dir.resolve("bench-journals");
        Files.createDirectories(journals);
        List<ObjectNode> served = new ArrayList<>();
        servedBodies.values().forEach(served::addAll);
        try (Journal j = Journal.open(journals.resolve("audit.jsonl"))) {
            for (int i = 0; i < APPEND_WARMUP + APPENDS; i++) {
                ObjectNode e = served.get(i % served.size());
                long t0 = System.nanoTime();
                j.append(e, false);
                long t1 = System.nanoTime();
                if (i >= APPEND_WARMUP) servedAppendMs.add((t1 - t0) / 1e6);
            }
        }
        ObjectNode authEntry = JsonNodeFactory.instance.objectNode().put("kind", "authorize").put("run", lastRun).put("job", "job")
                .put("nonce", JobTicket.freshNonce()).put("submitter", operator.identity().label()).put("authenticated", true)
                .put("purpose", JobTicket.TRAIN).put("strategy", plan.strategy()).put("ticket", HashChain.sha256Hex(yaml))
                .put("issued", Instant.now().toString());
        authEntry.putArray("products").add(contracts.get(0).id());
        try (Journal j = Journal.open(journals.resolve("runs.jsonl"))) {
            for (int i = 0; i < 20 + DURABLE_APPENDS; i++) {
                long t0 = System.nanoTime();
                j.append(authEntry, true);
                long t1 = System.nanoTime();
                if (i >= 20) durableAppendMs.add((t1 - t0) / 1e6);
            }
        }

        // (c) the floor: raw EC P-256 (SHA256withECDSA) over the ticket bytes
        byte[] ticketBytes = SignedTicket.decode(blobs.get(0)).ticket();
        KeyPairGenerator kpg = KeyPairGenerator.getInstance("EC");
        kpg.initialize(new ECGenParameterSpec("secp256r1"));
        KeyPair kp = kpg.generateKeyPair();
        List<Double> rawSign = new ArrayList<>();
        List<Double> rawVerify = new ArrayList<>();
        for (int i = 0; i < CHECK_WARMUP + CHECKS; i++) {
            long t0 = System.nanoTime();
            Signature s = Signature.getInstance("SHA256withECDSA");
            s.initSign(kp.getPrivate());
            s.update(ticketBytes);
            byte[] sig = s.sign();
            long t1 = System.nanoTime();
            Signature v = Signature.getInstance("SHA256withECDSA");
            v.initVerify(kp.getPublic());
            v.update(ticketBytes);
            boolean ok = v.verify(sig);
            long t2 = System.nanoTime();
            if (!ok) throw new IllegalStateException("raw EC P-256 verification failed");
            if (i < CHECK_WARMUP) continue;
            rawSign.add((t1 - t0) / 1e6);
            rawVerify.add((t2 - t1) / 1e6);
        }
        String loadAfter = loadAverage();
        BenchData.deleteTree(dir);

        // the table
        int n = domains.size();
        int servedPerRun = counts.nodeServed().values().stream().mapToInt(Integer::intValue).sum();
        int durablePerRun = counts.nodeDurable().values().stream().mapToInt(Integer::intValue).sum()
                + counts.nodeRuns().values().stream().mapToInt(Integer::intValue).sum();
        int notForced = servedPerRun - counts.nodeDurable().values().stream().mapToInt(Integer::intValue).sum();
        double run = Stats.median(runMs);
        double chainMs = Stats.median(chained) - Stats.median(plain);
        double sign = Stats.median(ticketSign);
        double coord = Stats.median(coordinatorCheck);
        double seal = Stats.median(sealSigned);
        double auth = Stats.median(authorizeMs);
        double end = Stats.median(endMs);
        double append = Stats.median(servedAppendMs);
        double work = sign + coord + chainMs + counts.seals() * seal + n * auth + n * end + notForced * append;
        double authSpan = Stats.median(authorizeSpanMs);
        double endSpan = Stats.median(endSpanMs);
        double wall = sign + coord + chainMs + counts.seals() * seal + authSpan + endSpan + notForced * append;
        double check = Stats.median(nodeCheckMs);

        StringBuilder md = new StringBuilder();
        md.append(String.format(Locale.ROOT, "The demo job (3 lending products of %s rows, logistic, %d rounds) on an `EmbeddedMesh` as `meshfl demo` runs it "
                        + "(mutual TLS on loopback, file catalog, node journals on the disk): %d warm-up runs, then %d measured. Counts per run are read back "
                        + "from the catalog and the node journals after the last run. Load average (1, 5, 15 min) %s at the start, %s at the end.%n%n",
                DemoProducts.rowsLabel(), counts.rounds(), RUN_WARMUP, RUNS, loadBefore, loadAfter));
        md.append(String.format(Locale.ROOT, "Demo run (`runJob`, plan to report): **%.1f ms** median (%.1f-%.1f).%n%n", run, Stats.min(runMs), Stats.max(runMs)));
        md.append("| trust work in one run | count per run | ms each, median (min-max) | ms per run |\n|---|---:|---:|---:|\n");
        row(md, "job ticket: draft + sign (submitter's EC P-256 key)", "1", ticketSign, sign);
        row(md, "coordinator: ticket verified + spec, strategy, products matched + grants (catalog contract parsed, `Access.refusal`) of "
                + products.size() + " products", "1", coordinatorCheck, coord);
        md.append(String.format(Locale.ROOT, "| audit chain: `AuditLog.append` of the run's records in %d transactions (one per round, after the finish, after "
                        + "the end), minus the same JDBC inserts with fixed hashes and no chain head: %.2f (%.2f-%.2f) - %.2f (%.2f-%.2f), %d repeats | "
                        + "%d records | %.4f per record | %.2f |%n", batches, Stats.median(chained), Stats.min(chained), Stats.max(chained),
                Stats.median(plain), Stats.min(plain), Stats.max(plain), CHAIN_REPEATS, counts.auditRecords(), chainMs / counts.auditRecords(), chainMs));
        md.append(String.format(Locale.ROOT, "| ledger chain (`PrivacyLedger`; the demo job has no differential privacy) | %d entries | - | 0.00 |%n",
                counts.ledgerEntries()));
        md.append(String.format(Locale.ROOT, "| seal: `ChainSeals.seal` signed with the coordinator's key (unsigned: %.2f) | %d | %.2f (%.2f-%.2f) | %.2f |%n",
                Stats.median(sealUnsigned), counts.seals(), seal, Stats.min(sealSigned), Stats.max(sealSigned), counts.seals() * seal));
        row(md, "node: `session/authorize` through `DomainNode.handle` (decode, verify, grants, 2 fsync'd journal appends)", String.valueOf(n),
                authorizeMs, n * auth);
        row(md, "node: `session/end` through `DomainNode.handle` (seal checked against the CA, 2 fsync'd journal appends)", String.valueOf(n),
                endMs, n * end);
        row(md, "node: audit journal append of a served request (hash + write, not forced)", String.valueOf(notForced), servedAppendMs,
                notForced * append);
        md.append(String.format(Locale.ROOT, "| **sum** (node work counted once per node, as if the nodes ran one after another) | | | **%.2f** |%n", work));
        md.append(String.format(Locale.ROOT, "%n**Trust work / demo run = %.2f / %.1f ms = %.2f%%** (bar: at most 2%%).%n", work, run, 100 * work / run));
        md.append(String.format(Locale.ROOT, "With the two session round trips as the run sees them instead of the node work inside them (mutual TLS on loopback, "
                        + "from the audit records' timestamps: `session/authorize` to all %d nodes at once %.2f ms median (%.2f-%.2f), `session/end` to one "
                        + "node after another %.2f ms median (%.2f-%.2f)): %.2f ms = %.2f%% of the run.%n",
                n, authSpan, Stats.min(authorizeSpanMs), Stats.max(authorizeSpanMs), endSpan, Stats.min(endSpanMs), Stats.max(endSpanMs), wall,
                100 * wall / run));
        md.append(String.format(Locale.ROOT, "Per run: %d audit records, %d ledger entries, %d seal(s); per node %s requests in the node's audit (of which %s "
                        + "forced) and %s run-registry entries (forced): %d fsync'd appends per run in all.%n%n",
                counts.auditRecords(), counts.ledgerEntries(), counts.seals(), counts.nodeServed().values(), counts.nodeDurable().values(),
                counts.nodeRuns().values(), durablePerRun));
        md.append(String.format(Locale.ROOT, "Job-signature check per node per run (%d measured after %d warm-up, the 3 nodes' verifiers in turn, a fresh ticket "
                + "each of 200):%n%n", CHECKS, CHECK_WARMUP));
        md.append("| per node per run | median ms | p95 ms | min ms |\n|---|---:|---:|---:|\n");
        row3(md, "**signature check**: `SignedTicket.decode` + `TicketVerifier.verify` (CA signature on the certificate, revocation, ticket signature) "
                + "+ version and `Access.refusal` of the node's products", nodeCheckMs);
        row3(md, "durable append of the authorization to `runs.jsonl` (hash + write + fsync; " + DURABLE_APPENDS + " measured)", durableAppendMs);
        row3(md, "floor: raw EC P-256 sign (`SHA256withECDSA`, the ticket's " + ticketBytes.length + " bytes)", rawSign);
        row3(md, "floor: raw EC P-256 verify (the check above verifies twice: the certificate and the ticket)", rawVerify);
        md.append(String.format(Locale.ROOT, "%n**Signature check per node per run = %.3f ms median** (bar: at most 1 ms).%n%n", check));
        md.append(Docs.stamp()).append('\n');
        System.out.println(md);
        Docs.replaceBlock(Docs.docPath(args), "trust", md.toString());
    }

    /** The coordinator's admission of a ticket ({@code Tickets.admit}) and its grant check ({@code Tickets.checkGrants}), from their public parts. */
    private static void coordinatorCheck(Catalog catalog, TicketVerifier verifier, SignedTicket signed, String spec, String strategy,
                                         List<JobTicket.ProductVersion> products) {
        TicketVerifier.Verified v = verifier.verify(signed, Instant.now());
        JobTicket t = v.ticket();
        if (!t.purpose().equals(JobTicket.TRAIN) || !t.specSha256().equals(HashChain.sha256Hex(spec)) || !t.strategy().equals(strategy)
                || !new HashSet<>(t.products()).equals(new HashSet<>(products))) {
            throw new IllegalStateException("the bench's ticket does not match its job");
        }
        for (JobTicket.ProductVersion pv : products) {
            ProductRecord r = catalog.product(pv.id(), pv.version()).orElseGet(() -> catalog.requireProduct(pv.id()));
            DataContract c = ContractLoader.parse(r.contractYaml(), Path.of("catalog:" + r.id() + "@" + r.version()), false);
            String why = Access.refusal(c, v.submitter(), JobTicket.TRAIN, strategy);
            if (why != null) throw new IllegalStateException(why);
        }
    }

    /** A node's own check of a ticket blob: decode, verify, and its products' versions and grants. */
    private static void nodeCheck(TicketVerifier verifier, Map<String, DataContract> own, byte[] blob) {
        SignedTicket signed = SignedTicket.decode(blob);
        TicketVerifier.Verified v = verifier.verify(signed, Instant.now());
        JobTicket t = v.ticket();
        int served = 0;
        for (JobTicket.ProductVersion pv : t.products()) {
            DataContract c = own.get(pv.id());
            if (c == null) continue;
            if (!c.version().equals(pv.version())) throw new IllegalStateException("version mismatch for " + pv.id());
            String why = Access.refusal(c, v.submitter(), t.purpose(), t.strategy());
            if (why != null) throw new IllegalStateException(why);
            served++;
        }
        if (served == 0) throw new IllegalStateException("the ticket names none of the node's products");
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

    /** Milliseconds from the first request of {@code step} leaving the coordinator to the last reply coming back, from the audit records. */
    private static double span(List<AuditRecord> recs, String step) {
        Instant first = null;
        Instant last = null;
        for (AuditRecord r : recs) {
            if (!r.step().equals(step)) continue;
            if (r.sender().equals("coordinator") && (first == null || r.at().isBefore(first))) first = r.at();
            if (r.receiver().equals("coordinator") && (last == null || r.at().isAfter(last))) last = r.at();
        }
        if (first == null || last == null) throw new IllegalStateException("the run's audit has no " + step + " request and reply");
        return java.time.Duration.between(first, last).toNanos() / 1e6;
    }

    private static boolean isSession(ObjectNode served) {
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
        Map<String, Integer> durable = new LinkedHashMap<>();
        Map<String, Integer> registry = new LinkedHashMap<>();
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
            for (Journal.Entry e : Journal.verify(nodeDir.resolve("runs.jsonl")).entries()) {
                if (e.body().path("run").asText().equals(runId)) r++;
            }
            int nodeLedger = 0;
            Path ledgerFile = nodeDir.resolve("privacy-ledger.jsonl");
            for (Journal.Entry e : Journal.verify(ledgerFile).entries()) {
                if (e.body().path("run").asText().equals(runId)) nodeLedger++;
            }
            if (nodeLedger > 0 || ledger > 0) {
                throw new IllegalStateException("run " + runId + " charged a privacy ledger; this benchmark does not time ledger entries yet");
            }
            served.put(d, s);
            durable.put(d, f);
            registry.put(d, r);
        }
        return new Counts(audit, rounds, ledger, seals, served, durable, registry);
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

    private static String loadAverage() {
        try {
            String[] f = Files.readString(Path.of("/proc/loadavg")).trim().split("\\s+");
            return f[0] + ", " + f[1] + ", " + f[2];
        } catch (IOException | RuntimeException e) {
            return "unknown";
        }
    }

    private static void row(StringBuilder md, String what, String count, List<Double> ms, double perRun) {
        md.append(String.format(Locale.ROOT, "| %s | %s | %.3f (%.3f-%.3f) | %.2f |%n", what, count, Stats.median(ms), Stats.min(ms), Stats.max(ms), perRun));
    }

    private static void row3(StringBuilder md, String what, List<Double> ms) {
        md.append(String.format(Locale.ROOT, "| %s | %.3f | %.3f | %.3f |%n", what, Stats.median(ms), Stats.percentile(ms, 95), Stats.min(ms)));
    }

    /**
     * The demo's data, contracts and job, as {@code meshfl demo} writes them (the CLI's generator is
     * package-private, so its shape is repeated here: same units, columns, seed use and job).
     */
    static final class DemoProducts {

        record Unit(String domain, int rows, double ageShift, double incomeScale, double riskShift) {
        }

        static final Unit[] UNITS = {
                new Unit("lending-north", 4000, 2.0, 1.10, -0.2),
                new Unit("lending-south", 3000, -3.0, 0.85, 0.3),
                new Unit("lending-online", 5000, -8.0, 1.00, 0.1),
        };

        static final String[] FEATURES = {"age", "income_k", "debt_ratio", "open_credit_lines", "late_payments_12m",
                "utilization", "tenure_months", "loan_amount_k"};

        private DemoProducts() {
        }

        static String rowsLabel() {
            List<String> rows = new ArrayList<>();
            for (Unit u : UNITS) rows.add(String.format(Locale.ROOT, "%,d", u.rows()));
            return String.join(" / ", rows);
        }

        static void write(Path dir, long seed) throws IOException {
            Files.createDirectories(dir.resolve("data"));
            Random rng = new Random(seed);
            for (Unit u : UNITS) {
                StringBuilder sb = new StringBuilder("customer_id,").append(String.join(",", FEATURES)).append(",defaulted\n");
                for (int i = 0; i < u.rows(); i++) {
                    double age = clamp(40 + u.ageShift() + 12 * rng.nextGaussian(), 18, 90);
                    double income = Math.max(8, u.incomeScale() * Math.exp(3.8 + 0.45 * rng.nextGaussian()));
                    double debt = clamp(0.35 + 0.15 * rng.nextGaussian(), 0, 1.5);
                    int lines = (int) Math.max(0, Math.round(4 + 2.5 * rng.nextGaussian()));
                    int late = poisson(rng, 0.4 + Math.max(0, debt - 0.3));
                    double util = clamp(0.3 + 0.25 * rng.nextGaussian() + 0.2 * late / 3.0, 0, 1);
                    int tenure = (int) Math.max(1, Math.round(36 + 30 * rng.nextGaussian()));
                    double loan = Math.max(1, income * (0.2 + 0.3 * rng.nextDouble()));
                    double logit = -2.2 + u.riskShift() - 0.02 * (age - 40) - 0.012 * (income - 45) + 2.4 * (debt - 0.35)
                            + 0.55 * late + 1.6 * (util - 0.3) - 0.008 * (tenure - 36) + 0.01 * (loan - 12) + 0.05 * (lines - 4);
                    int y = rng.nextDouble() < 1 / (1 + Math.exp(-logit)) ? 1 : 0;
                    sb.append(String.format(Locale.ROOT, "%s-%06d,%.1f,%.2f,%.4f,%d,%d,%.4f,%d,%.2f,%d%n", u.domain(), i, age, income,
                            debt, lines, late, util, tenure, loan, y));
                }
                Files.writeString(dir.resolve("data").resolve(u.domain() + "-loans.csv"), sb.toString());
                Files.writeString(dir.resolve(u.domain() + ".loans.yaml"), contract(u));
            }
            Files.writeString(dir.resolve("job.yaml"), """
                    name: demo-default-risk
                    description: Predict loan default across three lending units without pooling their rows.
                    products: [lending-north.loans, lending-south.loans, lending-online.loans]
                    label: defaulted
                    model: {type: logistic}
                    strategy: auto
                    aggregator: {name: fedavg, fraction: 1.0, minNodes: 2}
                    local: {epochs: 1, batchSize: 32, optimizer: sgd, lr: 0.05}
                    rounds: 15
                    evaluation: {holdout: 0.2}
                    seed: 7
                    """);
        }

        private static String contract(Unit u) {
            StringBuilder props = new StringBuilder("      - {name: customer_id, logicalType: string, primaryKey: true, classification: pii}\n");
            for (String f : FEATURES) props.append("      - {name: ").append(f).append(", logicalType: number}\n");
            props.append("      - {name: defaulted, logicalType: integer}\n");
            return """
                    apiVersion: v3.0.2
                    kind: DataContract
                    id: %1$s.loans
                    version: 1.0.0
                    domain: %1$s
                    dataProduct: loans
                    status: active
                    team:
                      name: %1$s-data
                      members: [{username: %1$s-owner, role: owner}]
                    description: {purpose: "Loan book of the %1$s unit, one row per customer."}
                    servers:
                      - server: local
                        type: csv
                        path: data/%1$s-loans.csv
                    schema:
                      - name: loans
                        physicalType: table
                        properties:
                    %2$s
                    meshfl:
                      entityKey: customer_id
                      consumers: [{identity: 'client:operator'}]
                      label: defaulted
                      features: "*"
                      rawRowsMayLeave: false
                    """.formatted(u.domain(), props.toString().stripTrailing());
        }

        private static double clamp(double v, double lo, double hi) {
            return Math.max(lo, Math.min(hi, v));
        }

        private static int poisson(Random rng, double lambda) {
            double l = Math.exp(-lambda), p = 1;
            int k = 0;
            do {
                k++;
                p *= rng.nextDouble();
            } while (p > l);
            return k - 1;
        }
    }
}

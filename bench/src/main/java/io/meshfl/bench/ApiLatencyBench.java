package io.meshfl.bench;

import io.meshfl.core.catalog.AuditRecord;
import io.meshfl.core.catalog.Catalog;
import io.meshfl.core.catalog.RoundRecord;
import io.meshfl.core.catalog.RunRecord;
import io.meshfl.core.contract.ContractLoader;
import io.meshfl.core.plan.JobLoader;
import io.meshfl.core.plan.JobSpec;
import io.meshfl.core.plan.Planner;
import io.meshfl.core.report.RunReport;
import io.meshfl.core.trust.MeshIdentity;
import io.meshfl.web.ApiServer;
import io.meshfl.web.Backend;
import io.meshfl.wire.tls.CertificateAuthority;
import io.meshfl.wire.tls.MeshTls;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * Latency of the REST API's list routes over a large catalog: an H2 file catalog with 10,000 runs
 * (3 rounds each, real plan JSON from the planner, five submitters, runs over five domains'
 * products) and 1,000,000 audit records, served by the real {@link ApiServer} over mutual TLS and
 * asked by the JDK's HttpClient with client certificates (one keep-alive connection per identity,
 * requests one after another), while another run commits a round with its audit records every
 * 200 ms, as on a live mesh (which also keeps H2 from answering a repeated query from the result it
 * kept). Each route is asked a few hundred times after a warm-up; the floor is {@code /api/me},
 * which reads nothing from the catalog. Also: how long a run's event stream takes to show a round
 * after its commit.
 *
 * <p>The catalog is built once into {@code bench/target/api-catalog} (several minutes) and reused
 * while its marker file says it has the asked size; {@code -Dmeshfl.api.runs=} and
 * {@code -Dmeshfl.api.audit=} change the size.
 */
public final class ApiLatencyBench {

    static final int RUNS = Integer.getInteger("meshfl.api.runs", 10_000);
    static final int AUDIT = Integer.getInteger("meshfl.api.audit", 1_000_000);
    static final int ROUNDS = 3;
    static final int MEASURED = Integer.getInteger("meshfl.api.requests", 300);
    static final int WARMUP = Integer.getInteger("meshfl.api.warmup", 30);
    /** A route stops being asked after this long (the slow routes of an old build would take an hour otherwise). */
    static final long BUDGET_NANOS = TimeUnit.SECONDS.toNanos(Long.getLong("meshfl.api.budget", 25));

    static final String[] SUBMITTERS = {"client:operator", "client:alice", "client:bob", "client:carol", "client:dave"};
    static final List<List<String>> PRODUCT_SETS = List.of(
            List.of("clinic-a.breast", "clinic-b.breast"),
            List.of("lending.accounts", "shop.accounts"),
            List.of("shop.accounts", "telco.accounts"),
            List.of("clinic-a.breast", "clinic-b.breast", "clinic-a.breast-test"),
            List.of("telco.accounts", "lending.accounts"),
            List.of("lending.accounts"));
    static final String[] STEPS = {"horizontal/train", "horizontal/evaluate", "secagg/mask", "secagg/unmask", "psi/match"};

    private ApiLatencyBench() {
    }

    public static void main(String[] args) throws Exception {
        Path doc = Docs.docPath(args);
        Path work = Path.of("bench/target/api-catalog").toAbsolutePath();
        Path db = work.resolve("catalog.mv.db");
        Path marker = work.resolve("built-" + RUNS + "-" + AUDIT);
        if (!Files.exists(marker)) {
            if (Files.exists(work)) {
                try (var s = Files.walk(work)) {
                    s.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
                }
            }
            build(db);
            Files.writeString(marker, Instant.now().toString());
        } else {
            System.out.println("reusing the catalog in " + work + " (" + RUNS + " runs, " + AUDIT + " audit records)");
        }
        Path certs = Files.createTempDirectory("meshfl-api-bench");
        CertificateAuthority ca = CertificateAuthority.create(certs, CertificateAuthority.KeyType.EC, "bench", 10);
        ca.issue(MeshIdentity.Role.COORDINATOR, "coordinator", 5, List.of("localhost", "127.0.0.1"));
        ca.issue(MeshIdentity.Role.DOMAIN, "shop", 5);
        for (String c : List.of("operator", "alice")) ca.issue(MeshIdentity.Role.CLIENT, c, 5);

        try (Catalog catalog = Catalog.open(db)) {
            List<RunRecord> sample = catalog.runningRuns();
            String anyRun = runAt(catalog, RUNS / 2);
            String aliceRun = runAt(catalog, RUNS / 2 + 1); // i % 5 == 1 submitted by alice for runs built in order
            String running = sample.isEmpty() ? null : sample.get(0).id();
            MeshTls tls = MeshTls.load(certs, MeshIdentity.Role.COORDINATOR, "coordinator");
            try (ApiServer api = ApiServer.start(new InetSocketAddress("127.0.0.1", 0), tls,
                    new Backend(catalog, spec -> { throw new UnsupportedOperationException(); },
                            io.meshfl.core.trust.Pem.certificate(certs.resolve("ca.pem"))), m -> { })) {
                String base = "https://127.0.0.1:" + api.port();
                HttpClient op = client(certs, MeshIdentity.Role.CLIENT, "operator");
                HttpClient alice = client(certs, MeshIdentity.Role.CLIENT, "alice");
                HttpClient shop = client(certs, MeshIdentity.Role.DOMAIN, "shop");
                Map<String, Object[]> cases = new LinkedHashMap<>();
                cases.put("floor: `/api/me` (operator, no catalog read)", new Object[]{op, "/api/me"});
                cases.put("`/api/runs` (operator)", new Object[]{op, "/api/runs"});
                cases.put("`/api/runs` (client:alice, her runs)", new Object[]{alice, "/api/runs"});
                cases.put("`/api/runs` (domain:shop, runs over its products)", new Object[]{shop, "/api/runs"});
                cases.put("`/api/runs?offset=9000` (operator)", new Object[]{op, "/api/runs?offset=" + (RUNS * 9 / 10)});
                cases.put("`/api/runs?offset=3000` (domain:shop)", new Object[]{shop, "/api/runs?offset=" + (RUNS * 3 / 10)});
                cases.put("`/api/runs?status=FAILED` (operator)", new Object[]{op, "/api/runs?status=FAILED"});
                cases.put("`/api/runs?status=FAILED` (client:alice)", new Object[]{alice, "/api/runs?status=FAILED"});
                cases.put("`/api/runs/{id}` (operator)", new Object[]{op, "/api/runs/" + anyRun});
                cases.put("`/api/runs/{id}` (client:alice, her run)", new Object[]{alice, "/api/runs/" + aliceRun});
                cases.put("`/api/models` (operator)", new Object[]{op, "/api/models"});
                cases.put("`/api/models` (domain:shop)", new Object[]{shop, "/api/models"});
                cases.put("`/api/products` (operator)", new Object[]{op, "/api/products"});
                cases.put("`/api/nodes` (operator)", new Object[]{op, "/api/nodes"});
                cases.put("`/api/audit` (operator)", new Object[]{op, "/api/audit"});
                cases.put("`/api/audit?run=` (operator)", new Object[]{op, "/api/audit?run=" + anyRun});
                cases.put("`/api/audit?party=shop` (operator)", new Object[]{op, "/api/audit?party=shop"});
                cases.put("`/api/audit?step=psi/match` (operator)", new Object[]{op, "/api/audit?step=psi/match"});
                cases.put("`/api/audit` (domain:shop)", new Object[]{shop, "/api/audit"});
                cases.put("`/api/audit` (client:alice)", new Object[]{alice, "/api/audit"});
                cases.put("`/api/audit?offset=900000` (operator)", new Object[]{op, "/api/audit?offset=" + (AUDIT * 9 / 10)});
                cases.put("`/api/metrics` (operator)", new Object[]{op, "/api/metrics"});

                // a live mesh: a run commits a round with its audit records every WRITE_EVERY_MS while the API is read
                // (this also keeps H2 from answering a repeated query from the result it kept of the last one)
                String busy = sample.size() > 1 ? sample.get(1).id() : null;
                Thread writer = busy == null ? null : new Thread(() -> write(catalog, busy), "bench-writer");
                if (writer != null) {
                    writer.setDaemon(true);
                    writer.start();
                }
                StringBuilder md = new StringBuilder();
                md.append("Catalog: H2 file, ").append(String.format(Locale.ROOT, "%,d", RUNS)).append(" runs (").append(ROUNDS)
                        .append(" rounds each, plan JSON ").append(planSize(catalog, anyRun)).append(" bytes, 5 submitters, runs over 6 product sets of 5 domains), ")
                        .append(String.format(Locale.ROOT, "%,d", AUDIT)).append(" audit records, ").append(String.format(Locale.ROOT, "%,d", Files.size(db) >> 20))
                        .append(" MiB on disk. Real `ApiServer` over mutual TLS on 127.0.0.1; JDK HttpClient with the identity's client certificate, one ")
                        .append("keep-alive connection per identity, one request at a time; ").append(WARMUP).append(" warm-up requests (at least 2, for at most a third of the budget below), then up to ")
                        .append(MEASURED).append(" measured (fewer when a route takes over ").append(BUDGET_NANOS / 1_000_000_000L)
                        .append(" s in all), while another run commits a round with ")
                        .append(WRITE_AUDIT).append(" audit records every ").append(WRITE_EVERY_MS).append(" ms. Time = request sent to whole body read. Pages of 50.\n\n");
                md.append("| route (caller) | n | p50 ms | p99 ms | max ms | items / total | bytes |\n|---|---:|---:|---:|---:|---|---:|\n");
                for (var e : cases.entrySet()) {
                    HttpClient c = (HttpClient) e.getValue()[0];
                    String path = (String) e.getValue()[1];
                    Row row = measure(c, base + path);
                    System.out.printf(Locale.ROOT, "%-60s n=%d p50=%.1f p99=%.1f max=%.1f %s%n", e.getKey(), row.times.size(),
                            Stats.median(row.times), Stats.percentile(row.times, 99), Stats.max(row.times), row.shape);
                    md.append(String.format(Locale.ROOT, "| %s | %d | %.1f | %.1f | %.1f | %s | %,d |%n", e.getKey(), row.times.size(),
                            Stats.median(row.times), Stats.percentile(row.times, 99), Stats.max(row.times), row.shape, row.bytes));
                }
                if (writer != null) {
                    writer.interrupt();
                    writer.join();
                }
                if (running != null) {
                    List<Double> lag = followLag(catalog, op, base, running);
                    md.append(String.format(Locale.ROOT, "%nA round committed to a RUNNING run reached a client following `/api/runs/{id}/events` "
                                    + "after %.0f ms median, %.0f ms max (%d rounds, committed at random moments).%n",
                            Stats.median(lag), Stats.max(lag), lag.size()));
                }
                md.append("\nLoad average when the measurement began and ended: ").append(LOAD_AT_START).append(" / ").append(load()).append(".\n\n");
                md.append(Docs.stamp()).append('\n');
                Docs.replaceBlock(doc, "api", md.toString());
            }
        }
    }

    static final int WRITE_EVERY_MS = 200;
    static final int WRITE_AUDIT = 10;
    static volatile int written;

    /** Commits a round of {@code runId} with its audit records every {@link #WRITE_EVERY_MS} until interrupted. */
    static void write(Catalog catalog, String runId) {
        int round = catalog.rounds(runId).size();
        try {
            while (!Thread.currentThread().isInterrupted()) {
                Thread.sleep(WRITE_EVERY_MS);
                round++;
                List<AuditRecord> audit = new ArrayList<>();
                for (int k = 0; k < WRITE_AUDIT; k++) {
                    audit.add(AuditRecord.of(null, null, runId, STEPS[k % STEPS.length], k % 2 == 0 ? "coordinator" : "shop",
                            k % 2 == 0 ? "shop" : "coordinator", 5000, "secure-aggregation | mutual TLS", k));
                }
                catalog.recordRound(runId, new RoundRecord(round, 0.2, 1000, 1000, 2, 0, "{\"auc\": 0.5}"), audit);
                written++;
            }
        } catch (InterruptedException e) {
            // measured: stop writing
        }
    }

    static final String LOAD_AT_START = load();

    static String load() {
        try {
            return Files.readString(Path.of("/proc/loadavg")).trim().split("\\s+")[0] + " (1-min)";
        } catch (Exception e) {
            return "unknown";
        }
    }

    record Row(List<Double> times, String shape, long bytes) {
    }

    static Row measure(HttpClient c, String url) throws Exception {
        HttpRequest req = HttpRequest.newBuilder(URI.create(url)).GET().build();
        String shape = "";
        long bytes = 0;
        long warm = System.nanoTime();
        for (int i = 0; i < WARMUP && (i < 2 || System.nanoTime() - warm < BUDGET_NANOS / 3); i++) {
            HttpResponse<String> r = c.send(req, HttpResponse.BodyHandlers.ofString());
            if (r.statusCode() != 200) throw new IllegalStateException(url + " answered " + r.statusCode() + ": " + r.body());
            bytes = r.body().length();
            if (r.body().startsWith("{")) {
                var j = io.meshfl.web.Json.MAPPER.readTree(r.body());
                if (j.has("total")) shape = j.path("items").size() + " / " + j.path("total").asLong();
            }
        }
        List<Double> times = new ArrayList<>();
        long start = System.nanoTime();
        for (int i = 0; i < MEASURED && System.nanoTime() - start < BUDGET_NANOS; i++) {
            long t0 = System.nanoTime();
            HttpResponse<String> r = c.send(req, HttpResponse.BodyHandlers.ofString());
            long t1 = System.nanoTime();
            if (r.statusCode() != 200) throw new IllegalStateException(url + " answered " + r.statusCode());
            times.add((t1 - t0) / 1e6);
        }
        return new Row(times, shape, bytes);
    }

    /** Commits rounds to a RUNNING run at random moments while a client follows its events; the delay of each round's event. */
    static List<Double> followLag(Catalog catalog, HttpClient c, String base, String runId) throws Exception {
        int have = catalog.rounds(runId).size();
        BlockingQueue<Long> arrivals = new ArrayBlockingQueue<>(100);
        HttpRequest req = HttpRequest.newBuilder(URI.create(base + "/api/runs/" + runId + "/events")).GET().build();
        var body = c.send(req, HttpResponse.BodyHandlers.ofInputStream()).body();
        Thread reader = new Thread(() -> {
            try (BufferedReader in = new BufferedReader(new InputStreamReader(body, StandardCharsets.UTF_8))) {
                String line;
                while ((line = in.readLine()) != null) {
                    if (line.startsWith("event: round")) arrivals.put(System.nanoTime());
                }
            } catch (Exception ignored) {
                // the stream ends when the bench closes the server
            }
        });
        reader.setDaemon(true);
        reader.start();
        for (int i = 0; i < have; i++) arrivals.poll(10, TimeUnit.SECONDS); // the rounds already committed come first
        List<Double> lag = new ArrayList<>();
        Random rnd = new Random(7);
        for (int i = 0; i < 12; i++) {
            Thread.sleep(100 + rnd.nextInt(400));
            long t0 = System.nanoTime();
            catalog.recordRound(runId, new RoundRecord(have + i + 1, 0.4, 1000, 1000, 2, 0, "{\"auc\": 0.8}"));
            Long at = arrivals.poll(10, TimeUnit.SECONDS);
            if (at == null) throw new IllegalStateException("no event for a round committed 10 s ago");
            lag.add((at - t0) / 1e6);
        }
        body.close();
        return lag;
    }

    static HttpClient client(Path certs, MeshIdentity.Role role, String name) {
        return HttpClient.newBuilder().sslContext(MeshTls.load(certs, role, name).httpsContext()).version(HttpClient.Version.HTTP_1_1).build();
    }

    static String runAt(Catalog catalog, int index) {
        // runs() is the whole table; the bench reads it once to pick ids, before any timing
        List<RunRecord> all = catalog.runs();
        return all.get(all.size() - 1 - index).id();
    }

    static int planSize(Catalog catalog, String runId) {
        return catalog.run(runId).map(r -> r.planJson().length()).orElse(0);
    }

    // ------------------------------------------------------------------ building the catalog

    static String contract(String domain, String consumers) {
        return """
                apiVersion: v3.0.2
                kind: DataContract
                id: %1$s.accounts
                version: 1.0.0
                domain: %1$s
                dataProduct: accounts
                description: {purpose: "Accounts of %1$s's customers"}
                servers:
                  - {server: local, type: csv, path: /srv/%1$s/accounts.csv}
                schema:
                  - name: accounts
                    properties:
                      - {name: id, logicalType: string, primaryKey: true, classification: pii}
                      - {name: income, logicalType: number}
                      - {name: age, logicalType: integer}
                      - {name: tenure, logicalType: number}
                      - {name: y, logicalType: integer}
                meshfl:
                  entityKey: id
                  label: y
                %2$s""".formatted(domain, consumers);
    }

    static void build(Path db) throws Exception {
        long t0 = System.nanoTime();
        Path examples = Path.of("examples/breast-homo");
        try (Catalog catalog = Catalog.open(db)) {
            for (String d : List.of("clinic-a", "clinic-b", "lending", "shop", "telco")) catalog.upsertDomain(d, d + "-owner");
            Map<String, Planner.ProductView> views = new LinkedHashMap<>();
            for (String f : List.of("clinic-a.breast", "clinic-b.breast", "clinic-a.breast-test")) {
                String yaml = Files.readString(examples.resolve(f + ".yaml"));
                catalog.registerProduct(f, f.substring(0, f.indexOf('.')), "1.0.0", yaml, 285);
                views.put(f, new Planner.ProductView(ContractLoader.parse(yaml, examples.resolve(f + ".yaml"), false), 285));
            }
            String grants = "  consumers: [{identity: 'client:alice', may: [train]}, {identity: 'client:bob', may: [train]}]\n";
            for (String d : List.of("lending", "shop", "telco")) catalog.registerProduct(d + ".accounts", d, "1.0.0", contract(d, grants), 5000);
            for (int n = 0; n < 10; n++) {
                String d = List.of("clinic-a", "clinic-b", "lending", "shop", "telco").get(n % 5);
                catalog.upsertNode(d + "-node-" + n, d, "127.0.0.1:" + (7000 + n));
            }
            String jobYaml = Files.readString(examples.resolve("job.yaml"));
            JobSpec job = JobLoader.parse(jobYaml, "job.yaml");
            String planJson = RunReport.JSON.valueToTree(Planner.plan(job, views)).toString();
            String configJson = RunReport.JSON.valueToTree(job).toString();
            System.out.println("plan JSON " + planJson.length() + " bytes, config JSON " + configJson.length() + " bytes");
            List<String> jobs = new ArrayList<>();
            for (int j = 0; j < 50; j++) jobs.add(catalog.createJob("job-" + j, jobYaml).id());
            int perRun = AUDIT / RUNS;
            Random rnd = new Random(42);
            double[] params = new double[31];
            long audited = 0;
            for (int i = 0; i < RUNS; i++) {
                List<String> products = PRODUCT_SETS.get(i % PRODUCT_SETS.size());
                String submitter = SUBMITTERS[i % SUBMITTERS.length];
                String jobId = jobs.get(i % jobs.size());
                RunRecord run = catalog.startRun(jobId, "horizontal", planJson, configJson, i, products,
                        new Catalog.Ticket(submitter, "nonce-" + i, "0".repeat(64)));
                List<String> domains = products.stream().map(p -> p.substring(0, p.indexOf('.'))).distinct().toList();
                int left = perRun + (i < AUDIT % RUNS ? 1 : 0);
                for (int round = 1; round <= ROUNDS; round++) {
                    int n = round == ROUNDS ? left : perRun / ROUNDS;
                    left -= n;
                    List<AuditRecord> audit = new ArrayList<>(n);
                    for (int k = 0; k < n; k++) {
                        String d = domains.get(k % domains.size());
                        boolean out = k % 2 == 0;
                        audit.add(AuditRecord.of(null, jobId, run.id(), STEPS[(k / 2 + round) % STEPS.length], out ? "coordinator" : d,
                                out ? d : "coordinator", 1000 + rnd.nextInt(100_000), "secure-aggregation | mutual TLS", audited + k));
                    }
                    audited += n;
                    catalog.recordRound(run.id(), new RoundRecord(round, 0.3 + rnd.nextDouble(), 250_000, 240_000, domains.size(), 0,
                            "{\"loss\": " + rnd.nextDouble() + ", \"auc\": " + rnd.nextDouble() + ", \"accuracy\": " + rnd.nextDouble() + "}"), audit);
                }
                if (i % 100 == 37) continue; // left RUNNING
                if (i % 10 == 3) {
                    catalog.failRun(run.id(), "node clinic-b-node-1 did not answer the fit of round 3 within 60 s", 750_000, 720_000);
                } else if (i % 50 == 7) {
                    catalog.cancelRun(run.id(), "cancelled by " + submitter, 500_000, 480_000);
                } else {
                    catalog.finishRun(run.id(), "{\"auc\": " + rnd.nextDouble() + ", \"accuracy\": " + rnd.nextDouble() + "}", 750_000, 720_000);
                    for (int p = 0; p < params.length; p++) params[p] = rnd.nextGaussian();
                    catalog.saveModel(run.id(), "logistic", params, "{\"run_id\": \"" + run.id() + "\", \"job_file\": \"/home/u/jobs/job.yaml\", "
                            + "\"products\": " + RunReport.JSON.valueToTree(products) + ", \"strategy\": \"horizontal\"}");
                }
                if ((i + 1) % 500 == 0) {
                    System.out.printf(Locale.ROOT, "built %,d of %,d runs, %,d audit records, %.0f s%n", i + 1, RUNS, audited,
                            (System.nanoTime() - t0) / 1e9);
                }
            }
        }
        System.out.printf(Locale.ROOT, "catalog built in %.0f s%n", (System.nanoTime() - t0) / 1e9);
    }
}

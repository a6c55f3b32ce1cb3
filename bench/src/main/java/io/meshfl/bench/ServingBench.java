package io.meshfl.bench;

import com.fasterxml.jackson.databind.JsonNode;
import io.meshfl.cli.EmbeddedMesh;
import io.meshfl.cli.Main;
import io.meshfl.coordinator.JobObserver;
import io.meshfl.coordinator.PredictOptions;
import io.meshfl.coordinator.ServingClient;
import io.meshfl.core.catalog.Catalog;
import io.meshfl.core.contract.ContractLoader;
import io.meshfl.core.plan.JobLoader;
import io.meshfl.core.protocol.scoring.Missing;
import io.meshfl.core.report.RunReport;
import io.meshfl.core.trust.MeshIdentity;
import io.meshfl.serving.ScoreEndpoint;
import io.meshfl.wire.tls.MeshTls;

import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

/**
 * Online scoring of a three-domain vertical model over loopback, against batch scoring of the same
 * rows in the same run, then of a SecureBoost model and a split network on the same mesh: an embedded mesh with mutual TLS (coordinator and three nodes on loopback
 * gRPC), the bank serving the model from its own endpoint (HTTPS, client certificates) as
 * {@code meshfl serve} does, asked by the JDK's HttpClient on one keep-alive connection per client.
 * Single keys one after another (latency percentiles), batches of 1,000 from one and from four
 * clients (entities per second), and the same calls without the HTTPS hop, straight through the
 * session, to show what the endpoint adds.
 */
public final class ServingBench {

    static final int CUSTOMERS = Integer.getInteger("meshfl.serving.customers", 20_000);
    static final int SINGLE = Integer.getInteger("meshfl.serving.single", 2_000);
    static final int BATCHES = Integer.getInteger("meshfl.serving.batches", 60);
    static final List<String> PRODUCTS = List.of("bank.customers", "shop.customers", "telco.customers");

    private ServingBench() {
    }

    public static void main(String[] args) throws Exception {
        Path doc = Docs.docPath(args);
        Path work = Files.createTempDirectory("meshfl-serving-bench");
        Path certs = work.resolve("certs");
        if (Main.execute("certs", "init", "--dir", certs.toString(), "--domains", "bank,shop,telco", "--days", "1") != 0) {
            throw new IllegalStateException("certs init failed");
        }
        Path data = write(work.resolve("data"), CUSTOMERS);
        String job = """
                name: served
                products: [bank.customers, shop.customers, telco.customers]
                label: target
                model: {type: logistic}
                vertical: {epochs: 1, batchSize: 4096, lr: 0.3, keyBits: 1024, tol: 0}
                seed: 3
                """;
        JobObserver quiet = JobObserver.QUIET;
        try (Catalog cat = Catalog.inMemory("serving-bench-" + System.nanoTime());
             EmbeddedMesh mesh = new EmbeddedMesh(cat, ContractLoader.loadDirectory(data), s -> { }, work.resolve("state"), certs)) {
            String model = mesh.coordinator().runJob(JobLoader.parse(job, "job.yaml"), job, quiet).path("model_id").asText();
            System.out.println("trained " + model);
            Row v = measure(mesh, certs, model, true);
            StringBuilder md = new StringBuilder();
            md.append(String.format(Locale.ROOT, """
                    ### Online serving of a three-domain vertical model (`bench/run.sh serving`, `ServingBench`)

                    %,d customers; bank (label, 3 columns), shop (4 columns, missing 8%% of them) and telco (3 columns); a logistic
                    model trained under Paillier. Embedded mesh with mutual TLS over loopback gRPC (coordinator and three nodes in
                    one JVM); the bank serves from its own HTTPS endpoint (client certificates, TLS 1.3) as `meshfl serve` does,
                    asked by the JDK's HttpClient on keep-alive connections; keys a party does not know are imputed at its means.
                    Opening the session (every party scores and indexes its %,d rows under the session's key): %.2f s.

                    | path | single key p50 / p90 / p99 / max (ms) | batches of 1,000: entities/s |
                    |---|---|---|
                    | `POST /score` over HTTPS, one client | %.2f / %.2f / %.2f / %.2f | %,.0f |
                    | `POST /score` over HTTPS, four clients at once | | %,.0f |
                    | the session without the HTTPS hop (what the endpoint calls) | %.2f / %.2f / %.2f / %.2f | %,.0f |
                    | batch `meshfl predict` of all %,d rows (PSI with each party, then scoring) | | %,.0f (%.2f s) |

                    Bars: p99 under 20 ms for one entity, at least 5,000 entities/s in batches of 1,000.
                    """, CUSTOMERS, CUSTOMERS, v.openSeconds,
                    pct(v.httpSingle, 50), pct(v.httpSingle, 90), pct(v.httpSingle, 99), v.httpSingle[v.httpSingle.length - 1], v.httpBatch, v.httpBatch4,
                    pct(v.directSingle, 50), pct(v.directSingle, 90), pct(v.directSingle, 99), v.directSingle[v.directSingle.length - 1], v.directBatch,
                    v.batchRows, v.batchRows / v.batchSeconds, v.batchSeconds));
            md.append(String.format(Locale.ROOT, """

                    The other model families on the same mesh and products, the same way (HTTPS from one client; batch `meshfl predict` beside):
                    a SecureBoost model (%s; the hosts' split bits sealed for the bank's node, which walks the trees and seals the
                    predictions for the endpoint) and a split network (%s; the parties' cut layers to the coordinator's top network).

                    | model | opening (s) | single key p50 / p90 / p99 / max (ms) | batches of 1,000 over HTTPS: entities/s | batch `meshfl predict`: rows/s |
                    |---|---:|---|---:|---:|
                    """, BOOST_SETTINGS, SPLIT_SETTINGS));
            String[][] others = {{"secureboost", BOOST_JOB}, {"split network", SPLIT_JOB}};
            for (String[] o : others) {
                String id = mesh.coordinator().runJob(JobLoader.parse(o[1], "job.yaml"), o[1], quiet).path("model_id").asText();
                System.out.println("trained " + o[0] + " " + id);
                Row r = measure(mesh, certs, id, false);
                md.append(String.format(Locale.ROOT, "| %s | %.2f | %.2f / %.2f / %.2f / %.2f | %,.0f | %,.0f |%n", o[0], r.openSeconds,
                        pct(r.httpSingle, 50), pct(r.httpSingle, 90), pct(r.httpSingle, 99), r.httpSingle[r.httpSingle.length - 1], r.httpBatch,
                        r.batchRows / r.batchSeconds));
            }
            md.append('\n').append(Docs.stamp()).append('\n');
            System.out.println(md);
            Docs.replaceBlock(doc, "serving", md.toString());
        }
    }

    static final String BOOST_SETTINGS = "10 trees of depth 3, 32 bins, 1024-bit Paillier";
    static final String BOOST_JOB = """
            name: served-boost
            products: [bank.customers, shop.customers, telco.customers]
            label: target
            model: {type: gbdt}
            boost: {trees: 10, depth: 3, bins: 32, lr: 0.3, keyBits: 1024}
            seed: 5
            """;
    static final String SPLIT_SETTINGS = "bottoms 16 -> cut 4 per party, top 8, 2 epochs";
    static final String SPLIT_JOB = """
            name: served-split
            products: [bank.customers, shop.customers, telco.customers]
            label: target
            model: {type: splitnn}
            split: {bottomHidden: [16], cutWidth: 4, topHidden: [8], epochs: 2, batchSize: 256, lr: 0.02, labels: bank}
            seed: 7
            """;

    /** What one model's serving measured. */
    private record Row(double openSeconds, double[] httpSingle, double httpBatch, double httpBatch4, double[] directSingle, double directBatch,
                       int batchRows, double batchSeconds) {
    }

    /** Batch scoring of every row (measured the second time), then the bank's endpoint: single keys and batches. */
    private static Row measure(EmbeddedMesh mesh, Path certs, String model, boolean full) throws Exception {
        JobObserver quiet = JobObserver.QUIET;
        mesh.coordinator().predict(model, PRODUCTS, null, new PredictOptions("impute-mean", null, null), quiet);
        long b0 = System.nanoTime();
        JsonNode batch = mesh.coordinator().predict(model, PRODUCTS, null, new PredictOptions("impute-mean", null, null), quiet);
        double batchSeconds = (System.nanoTime() - b0) / 1e9;
        int batchRows = batch.path("rows").asInt();
        MeshTls bank = MeshTls.load(certs, MeshIdentity.Role.DOMAIN, "bank");
        long o0 = System.nanoTime();
        try (ServingClient client = mesh.serve("bank", model, PRODUCTS, Missing.IMPUTE_MEAN);
             ScoreEndpoint endpoint = ScoreEndpoint.start(new InetSocketAddress("127.0.0.1", 0), bank, client, Set.of("client:operator"), s -> { })) {
            double openSeconds = (System.nanoTime() - o0) / 1e9;
            URI score = URI.create("https://127.0.0.1:" + endpoint.port() + "/score");
            MeshTls operator = MeshTls.load(certs, MeshIdentity.Role.CLIENT, "operator");
            Random r = new Random(1);
            String[] keys = new String[CUSTOMERS];
            for (int i = 0; i < CUSTOMERS; i++) keys[i] = "C" + i;
            HttpClient http = HttpClient.newBuilder().sslContext(operator.httpsContext()).build();
            double[] httpSingle = singles(() -> post(http, score, new String[]{keys[r.nextInt(CUSTOMERS)]}));
            double httpBatch = batches(1, () -> post(HttpClient.newBuilder().sslContext(operator.httpsContext()).build(), score,
                    sample(keys, r, 1000)), () -> post(http, score, sample(keys, new Random(), 1000)));
            if (!full) return new Row(openSeconds, httpSingle, httpBatch, 0, null, 0, batchRows, batchSeconds);
            double[] directSingle = singles(() -> client.score(new String[]{keys[r.nextInt(CUSTOMERS)]}));
            double directBatch = batches(1, null, () -> client.score(sample(keys, new Random(), 1000)));
            List<HttpClient> four = new ArrayList<>();
            for (int i = 0; i < 4; i++) four.add(HttpClient.newBuilder().sslContext(operator.httpsContext()).build());
            double httpBatch4 = batchesConcurrent(four, score, keys);
            return new Row(openSeconds, httpSingle, httpBatch, httpBatch4, directSingle, directBatch, batchRows, batchSeconds);
        }
    }

    private static String[] sample(String[] keys, Random r, int n) {
        String[] out = new String[n];
        for (int i = 0; i < n; i++) out[i] = keys[r.nextInt(keys.length)];
        return out;
    }

    /** Milliseconds of each of SINGLE calls after a warm-up, sorted. */
    private static double[] singles(Runnable call) {
        for (int i = 0; i < 300; i++) call.run();
        double[] ms = new double[SINGLE];
        for (int i = 0; i < SINGLE; i++) {
            long t = System.nanoTime();
            call.run();
            ms[i] = (System.nanoTime() - t) / 1e6;
        }
        Arrays.sort(ms);
        return ms;
    }

    /** Entities per second over BATCHES calls of 1,000 keys one after another, after a warm-up. */
    private static double batches(int clients, Runnable warm, Runnable call) {
        for (int i = 0; i < 10; i++) (warm == null ? call : warm).run();
        long t = System.nanoTime();
        for (int i = 0; i < BATCHES; i++) call.run();
        return BATCHES * 1000.0 * clients / ((System.nanoTime() - t) / 1e9);
    }

    private static double batchesConcurrent(List<HttpClient> clients, URI score, String[] keys) throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(clients.size());
        try {
            for (HttpClient c : clients) post(c, score, sample(keys, new Random(), 1000));
            long t = System.nanoTime();
            List<Future<?>> fs = new ArrayList<>();
            for (HttpClient c : clients) {
                fs.add(pool.submit(() -> {
                    Random r = new Random();
                    for (int i = 0; i < BATCHES / clients.size() * 2; i++) post(c, score, sample(keys, r, 1000));
                }));
            }
            for (Future<?> f : fs) f.get();
            return (BATCHES / clients.size() * 2) * clients.size() * 1000.0 / ((System.nanoTime() - t) / 1e9);
        } finally {
            pool.shutdownNow();
        }
    }

    private static void post(HttpClient c, URI uri, String[] keys) {
        StringBuilder b = new StringBuilder("{\"keys\":[");
        for (int i = 0; i < keys.length; i++) b.append(i == 0 ? "\"" : ",\"").append(keys[i]).append('"');
        b.append("]}");
        try {
            HttpResponse<String> r = c.send(HttpRequest.newBuilder(uri).POST(HttpRequest.BodyPublishers.ofString(b.toString())).build(),
                    HttpResponse.BodyHandlers.ofString());
            if (r.statusCode() != 200) throw new IllegalStateException("score answered " + r.statusCode() + ": " + r.body());
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    private static double pct(double[] sorted, int p) {
        return sorted[Math.min(sorted.length - 1, (int) Math.ceil(p / 100.0 * sorted.length) - 1)];
    }

    /** bank (label, 3 columns), shop (4 columns, missing 8% of the customers), telco (3 columns). */
    static Path write(Path d, int customers) throws Exception {
        Files.createDirectories(d);
        Random r = new Random(4);
        String[] domains = {"bank", "shop", "telco"};
        int[] cols = {3, 4, 3};
        StringBuilder[] csv = new StringBuilder[3];
        for (int k = 0; k < 3; k++) {
            csv[k] = new StringBuilder("cid" + (k == 0 ? ",target" : ""));
            for (int j = 0; j < cols[k]; j++) csv[k].append(",").append((char) ('a' + k)).append(j);
            csv[k].append('\n');
        }
        for (int i = 0; i < customers; i++) {
            double z = 0;
            double[][] x = new double[3][];
            for (int k = 0; k < 3; k++) {
                x[k] = new double[cols[k]];
                for (int j = 0; j < cols[k]; j++) {
                    x[k][j] = r.nextGaussian();
                    z += (j % 2 == 0 ? 1 : -1) * 0.6 * x[k][j];
                }
            }
            int y = r.nextDouble() < 1 / (1 + Math.exp(-z)) ? 1 : 0;
            for (int k = 0; k < 3; k++) {
                if (k == 1 && (i % 25 == 3 || i % 25 == 15)) continue;
                csv[k].append('C').append(i);
                if (k == 0) csv[k].append(',').append(y);
                for (double v : x[k]) csv[k].append(String.format(Locale.ROOT, ",%.5f", v));
                csv[k].append('\n');
            }
        }
        for (int k = 0; k < 3; k++) {
            StringBuilder props = new StringBuilder(io.meshfl.core.testing.CustomerContracts.PII_KEY);
            if (k == 0) props.append("      - {name: target, logicalType: integer}\n");
            for (int j = 0; j < cols[k]; j++) props.append("      - {name: ").append((char) ('a' + k)).append(j).append(", logicalType: number}\n");
            Files.writeString(d.resolve(domains[k] + ".csv"), csv[k]);
            Files.writeString(d.resolve(domains[k] + ".yaml"), io.meshfl.core.testing.CustomerContracts.yaml(domains[k], props.toString(),
                    "  consumers: [{identity: 'client:operator'}, {identity: 'domain:bank', may: [predict]}]\n" + (k == 0 ? "  label: target\n" : "")));
        }
        return d;
    }
}

package io.meshfl.web;

import com.fasterxml.jackson.databind.JsonNode;
import io.meshfl.core.catalog.Catalog;
import io.meshfl.core.catalog.RoundRecord;
import io.meshfl.core.trust.MeshIdentity;
import io.meshfl.core.trust.Revocations;
import io.meshfl.wire.tls.CertificateAuthority;
import io.meshfl.wire.tls.MeshTls;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The REST API over real HTTPS with the mesh's certificates: who may connect, what each identity
 * sees, pages, problem details, and an OpenAPI document that lists every route it serves.
 */
class ApiServerTest {

    @TempDir
    Path dir;
    private Catalog catalog;
    private ApiServer api;
    private CertificateAuthority ca;
    private final List<String> runIds = new ArrayList<>();

    private static final String LENDING_PATH = "/srv/lending/secret-accounts.csv";

    /** A product of {@code domain} with three columns, its data at {@code path}, granted per {@code consumers} (a meshfl line or empty). */
    static String contract(String domain, String path, String consumers) {
        return """
                apiVersion: v3.0.2
                kind: DataContract
                id: %1$s.accounts
                version: 1.0.0
                domain: %1$s
                dataProduct: accounts
                servers:
                  - {server: local, type: csv, path: %2$s}
                schema:
                  - name: accounts
                    properties:
                      - {name: id, logicalType: string, primaryKey: true}
                      - {name: income, logicalType: number}
                      - {name: y, logicalType: integer}
                meshfl:
                  entityKey: id
                  label: y
                %3$s""".formatted(domain, path, consumers);
    }

    @BeforeEach
    void mesh() throws Exception {
        ca = CertificateAuthority.create(dir.resolve("certs"), CertificateAuthority.KeyType.EC, "t", 10);
        ca.issue(MeshIdentity.Role.COORDINATOR, "coordinator", 5, List.of("localhost", "127.0.0.1"));
        for (String d : List.of("lending", "shop")) ca.issue(MeshIdentity.Role.DOMAIN, d, 5);
        for (String c : List.of("operator", "alice", "bob")) ca.issue(MeshIdentity.Role.CLIENT, c, 5);
        catalog = Catalog.inMemory("api" + System.nanoTime());
        catalog.upsertDomain("lending", "lending-owner");
        catalog.upsertDomain("shop", "shop-owner");
        catalog.registerProduct("lending.accounts", "lending", "1.0.0",
                contract("lending", LENDING_PATH, "  consumers: [{identity: 'client:alice', may: [train]}]\n"), 1000);
        catalog.registerProduct("shop.accounts", "shop", "1.0.0", contract("shop", "/srv/shop/orders.csv", ""), 500);
        String job = catalog.createJob("credit", "name: credit").id();
        for (int i = 0; i < 120; i++) {
            // alice's runs use lending's product; the operator's also shop's
            boolean alice = i % 3 == 0;
            var run = catalog.startRun(job, "horizontal", "{}", "{}", i, alice ? List.of("lending.accounts") : List.of("lending.accounts", "shop.accounts"),
                    new Catalog.Ticket(alice ? "client:alice" : "client:operator", "n" + i, "sha"));
            catalog.recordRound(run.id(), new RoundRecord(1, 0.5, 100, 100, 2, 0, "{\"auc\": 0.7}"), List.of(
                    io.meshfl.core.catalog.AuditRecord.of(java.time.Instant.now(), job, run.id(), "horizontal/train", "coordinator", "lending", 10,
                            "secure-aggregation | mutual TLS"),
                    io.meshfl.core.catalog.AuditRecord.of(java.time.Instant.now(), job, run.id(), "horizontal/train", "coordinator",
                            alice ? "lending" : "shop", 10, "plain | mutual TLS")));
            catalog.finishRun(run.id(), "{\"auc\": 0.71}", 100, 100);
            runIds.add(run.id());
        }
        MeshTls tls = MeshTls.load(dir.resolve("certs"), MeshIdentity.Role.COORDINATOR, "coordinator");
        api = ApiServer.start(new InetSocketAddress("127.0.0.1", 0), tls, new Backend(catalog,
                spec -> io.meshfl.core.plan.Planner.plan(spec, views()), io.meshfl.core.trust.Pem.certificate(dir.resolve("certs").resolve("ca.pem"))),
                m -> { });
    }

    /** The catalog's products as the planner sees them. */
    private java.util.Map<String, io.meshfl.core.plan.Planner.ProductView> views() {
        java.util.Map<String, io.meshfl.core.plan.Planner.ProductView> m = new java.util.LinkedHashMap<>();
        for (var p : catalog.products()) {
            m.put(p.id(), new io.meshfl.core.plan.Planner.ProductView(io.meshfl.core.contract.ContractLoader.parse(p.contractYaml(),
                    Path.of(p.id() + ".yaml"), false), p.rows()));
        }
        return m;
    }

    @AfterEach
    void stop() {
        api.close();
        catalog.close();
    }

    private HttpClient client(MeshIdentity.Role role, String name) {
        MeshTls tls = MeshTls.load(dir.resolve("certs"), role, name);
        return HttpClient.newBuilder().sslContext(tls.httpsContext()).build();
    }

    private HttpResponse<String> get(HttpClient c, String path) throws Exception {
        return c.send(HttpRequest.newBuilder(URI.create("https://127.0.0.1:" + api.port() + path)).GET().build(), HttpResponse.BodyHandlers.ofString());
    }

    private static JsonNode json(HttpResponse<String> r) throws IOException {
        return Json.MAPPER.readTree(r.body());
    }

    @Test
    void theOperatorPagesThroughEveryRunNewestFirstAndSeesRoundsAndPlans() throws Exception {
        HttpClient op = client(MeshIdentity.Role.CLIENT, "operator");
        JsonNode me = json(get(op, "/api/me"));
        assertEquals("client:operator", me.path("identity").asText());
        assertTrue(me.path("operator").asBoolean());
        JsonNode first = json(get(op, "/api/runs"));
        assertEquals(120, first.path("total").asInt());
        assertEquals(50, first.path("items").size());
        assertEquals(50, first.path("next").asInt());
        JsonNode last = json(get(op, "/api/runs?offset=100&limit=50"));
        assertEquals(20, last.path("items").size());
        assertFalse(last.has("next"), "the last page has no next");
        JsonNode run = json(get(op, "/api/runs/" + runIds.get(7)));
        assertEquals("SUCCEEDED", run.path("status").asText());
        assertEquals(0.7, run.path("rounds").get(0).path("metrics").path("auc").asDouble());
        assertEquals(2, json(get(op, "/api/products")).path("total").asInt());

        // a stored contract the loader no longer reads is listed with the reason, not dropped without a word
        catalog.registerProduct("lending.legacy", "lending", "0.9.0", "apiVersion: v3.0.2\nkind: DataContract\nid: lending.legacy\n", 10);
        JsonNode legacy = json(get(op, "/api/products/lending.legacy")).path("versions").get(0);
        assertTrue(legacy.path("contract_error").asText().contains("does not load"), legacy.toString());
        assertEquals(404, get(client(MeshIdentity.Role.CLIENT, "alice"), "/api/products/lending.legacy").statusCode());
    }

    @Test
    void eachIdentitySeesOnlyWhatItsGrantsAndDomainAllowAndNoDomainsFilePath() throws Exception {
        HttpClient shop = client(MeshIdentity.Role.DOMAIN, "shop");
        JsonNode products = json(get(shop, "/api/products"));
        assertEquals(1, products.path("total").asInt(), "a domain reads its own products: " + products);
        assertEquals("shop.accounts", products.path("items").get(0).path("id").asText());
        HttpResponse<String> hidden = get(shop, "/api/products/lending.accounts");
        assertEquals(404, hidden.statusCode(), "a product the caller may not read answers as absent");
        assertEquals(Problem.MEDIA_TYPE, hidden.headers().firstValue("Content-Type").orElse(""));
        assertEquals("MeshFL-301 CATALOG_NOT_FOUND", json(hidden).path("code").asText());
        assertEquals(80, json(get(shop, "/api/runs")).path("total").asInt(), "the runs over shop's product");

        HttpClient alice = client(MeshIdentity.Role.CLIENT, "alice");
        HttpResponse<String> granted = get(alice, "/api/products/lending.accounts");
        assertEquals(200, granted.statusCode());
        JsonNode version = json(granted).path("versions").get(0);
        assertEquals("y", version.path("label").asText());
        assertEquals(3, version.path("columns").size());
        assertFalse(granted.body().contains(LENDING_PATH) || granted.body().contains("secret-accounts"), "where the data lives stays with lending");
        assertEquals(40, json(get(alice, "/api/runs")).path("total").asInt(), "the runs alice submitted");
        assertEquals(404, get(alice, "/api/runs/" + runIds.get(1)).statusCode(), "the operator's run over shop's product");

        HttpClient lending = client(MeshIdentity.Role.DOMAIN, "lending");
        assertEquals(120, json(get(lending, "/api/runs")).path("total").asInt(), "every run used lending's product");
        for (String path : List.of("/api/products", "/api/runs?limit=500", "/api/runs/" + runIds.get(3))) {
            assertFalse(get(lending, path).body().contains("/srv/"), path + " names no file path");
        }
    }

    @Test
    void aRunsReportIsServedAsJsonAndHtmlToWhoeverMaySeeTheRunWithoutAFolderAndIsAbsentUntilKept() throws Exception {
        String alices = runIds.get(0), operators = runIds.get(1);
        var report = Json.MAPPER.createObjectNode().put("run_id", alices).put("job_name", "credit").put("rounds", 1).put("status", "FAILED")
                .put("error", "MeshFL-501 NODE_FAILURE: cannot read " + dir.resolve("lending/accounts.csv"));
        report.putObject("plan").put("strategy", "horizontal").put("explain", "PLAN  strategy=horizontal");
        report.putObject("metrics").put("auc", 0.7);
        report.putArray("history").addObject().put("round", 1).putObject("metrics").put("auc", 0.7);
        report.putObject("provenance").put("job_file", dir.resolve("jobs/credit.yaml").toString());
        catalog.saveRunReport(alices, report);

        HttpClient alice = client(MeshIdentity.Role.CLIENT, "alice");
        HttpResponse<String> json = get(alice, "/api/runs/" + alices + "/report");
        assertEquals(200, json.statusCode(), json.body());
        assertEquals("credit", json(json).path("job_name").asText());
        assertEquals("credit.yaml", json(json).path("provenance").path("job_file").asText());
        assertEquals("MeshFL-501 NODE_FAILURE: cannot read accounts.csv", json(json).path("error").asText());
        HttpResponse<String> html = get(alice, "/api/runs/" + alices + "/report.html");
        assertEquals(200, html.statusCode(), html.body());
        assertTrue(html.headers().firstValue("Content-Type").orElse("").startsWith("text/html"));
        assertTrue(html.body().contains("<h1>Run " + alices + "</h1>"), html.body());
        for (HttpResponse<String> r : List.of(json, html)) assertFalse(r.body().contains(dir.toString()), "a folder of this machine: " + r.body());

        assertEquals(200, get(client(MeshIdentity.Role.DOMAIN, "lending"), "/api/runs/" + alices + "/report").statusCode(), "a run over its product");
        for (HttpClient other : List.of(client(MeshIdentity.Role.CLIENT, "bob"), client(MeshIdentity.Role.DOMAIN, "shop"))) {
            for (String path : List.of("/report", "/report.html")) {
                HttpResponse<String> hidden = get(other, "/api/runs/" + alices + path);
                assertEquals(404, hidden.statusCode(), "a run the caller may not see: " + path);
                assertEquals(Problem.MEDIA_TYPE, hidden.headers().firstValue("Content-Type").orElse(""), "a problem detail, not a page");
            }
        }
        HttpResponse<String> none = get(client(MeshIdentity.Role.CLIENT, "operator"), "/api/runs/" + operators + "/report.html");
        assertEquals(404, none.statusCode(), "no report kept for this run");
        assertTrue(json(none).path("detail").asText().contains("no report yet"), none.body());
    }

    @Test
    void connectionsWithoutAMeshCertificateReachOnlyTheLoginAForeignOneIsRefusedAtTheHandshakeAndARevokedOneOnItsNextRequest() throws Exception {
        HttpClient bob = client(MeshIdentity.Role.CLIENT, "bob");
        assertEquals(200, get(bob, "/api/me").statusCode());
        ca.revoke(CertificateAuthority.stem(MeshIdentity.Role.CLIENT, "bob"));
        Thread.sleep(1200);
        HttpResponse<String> refused = get(bob, "/api/me");
        assertEquals(403, refused.statusCode());
        assertTrue(json(refused).path("detail").asText().contains("is revoked"), refused.body());

        // no client certificate at all: the login page only (a browser signs in there), never the API or a console page
        HttpClient none = HttpClient.newBuilder().sslContext(trustOnly()).build();
        HttpResponse<String> anonymous = get(none, "/api/me");
        assertEquals(401, anonymous.statusCode(), anonymous.body());
        assertEquals(Problem.MEDIA_TYPE, anonymous.headers().firstValue("Content-Type").orElse(""));
        assertEquals(401, get(none, "/api/runs").statusCode());
        assertEquals(401, get(none, "/api/openapi.json").statusCode());
        HttpResponse<String> page = get(none, "/console");
        assertEquals(303, page.statusCode());
        assertEquals("/console/login?next=%2Fconsole", page.headers().firstValue("Location").orElse(""));
        assertEquals(200, get(none, "/console/login").statusCode());
        // and one of another CA is refused at the handshake
        CertificateAuthority other = CertificateAuthority.create(dir.resolve("other"), CertificateAuthority.KeyType.EC, "t", 10);
        other.issue(MeshIdentity.Role.CLIENT, "operator", 5);
        HttpClient foreign = HttpClient.newBuilder().sslContext(MeshTls.load(dir.resolve("other"), MeshIdentity.Role.CLIENT, "operator")
                .httpsContext()).build();
        assertThrows(IOException.class, () -> get(foreign, "/api/me"));
    }

    /** A TLS context that trusts the mesh CA and presents no certificate. */
    private javax.net.ssl.SSLContext trustOnly() throws Exception {
        return standard(null);
    }

    /**
     * An ordinary HTTPS client's context, as curl's or a browser's: the JDK's PKIX trust in the mesh
     * CA alone (host names checked by the client), presenting the certificate of {@code stem} if given.
     */
    private javax.net.ssl.SSLContext standard(String stem) throws Exception {
        Path certs = dir.resolve("certs");
        java.security.KeyStore trust = java.security.KeyStore.getInstance("PKCS12");
        trust.load(null, null);
        trust.setCertificateEntry("ca", io.meshfl.core.trust.Pem.certificate(certs.resolve("ca.pem")));
        javax.net.ssl.TrustManagerFactory tmf = javax.net.ssl.TrustManagerFactory.getInstance("PKIX");
        tmf.init(trust);
        javax.net.ssl.KeyManager[] keys = null;
        if (stem != null) {
            var cert = io.meshfl.core.trust.Pem.certificate(certs.resolve(stem + ".pem"));
            java.security.KeyStore ks = java.security.KeyStore.getInstance("PKCS12");
            ks.load(null, null);
            ks.setKeyEntry("me", io.meshfl.core.trust.Pem.privateKey(certs.resolve(stem + "-key.pem"), cert.getPublicKey().getAlgorithm()),
                    new char[0], new java.security.cert.Certificate[]{cert});
            javax.net.ssl.KeyManagerFactory kmf = javax.net.ssl.KeyManagerFactory.getInstance(javax.net.ssl.KeyManagerFactory.getDefaultAlgorithm());
            kmf.init(ks, new char[0]);
            keys = kmf.getKeyManagers();
        }
        javax.net.ssl.SSLContext ctx = javax.net.ssl.SSLContext.getInstance("TLSv1.3");
        ctx.init(keys, tmf.getTrustManagers(), null);
        return ctx;
    }

    @Test
    void anOrdinaryHttpsClientThatChecksHostNamesReachesTheApiByTheNamesTheCoordinatorsCertificateCarries() throws Exception {
        HttpClient plain = HttpClient.newBuilder().sslContext(standard("client-operator")).build();
        HttpResponse<String> me = plain.send(HttpRequest.newBuilder(URI.create("https://localhost:" + api.port() + "/api/me")).build(),
                HttpResponse.BodyHandlers.ofString());
        assertEquals(200, me.statusCode(), me.body());
        assertEquals("client:operator", json(me).path("identity").asText());
    }

    @Test
    void theOpenApiDocumentListsEveryRouteTheServerDispatchesAndErrorsAreProblemDetails() throws Exception {
        HttpClient op = client(MeshIdentity.Role.CLIENT, "operator");
        JsonNode doc = json(get(op, "/api/openapi.json"));
        assertEquals("3.1.0", doc.path("openapi").asText());
        for (Route r : api.routes()) {
            JsonNode op2 = doc.path("paths").path(r.path()).path(r.method().toLowerCase());
            assertFalse(op2.isMissingNode(), r.method() + " " + r.path() + " is undocumented");
            for (Route.Param p : r.params()) {
                boolean listed = false;
                for (JsonNode q : op2.path("parameters")) listed |= q.path("name").asText().equals(p.name());
                assertTrue(listed, "parameter " + p.name() + " of " + r.path());
            }
        }
        // every reference resolves
        List<String> refs = new ArrayList<>();
        doc.findValues("$ref").forEach(v -> refs.add(v.asText()));
        assertFalse(refs.isEmpty());
        for (String ref : refs) assertTrue(doc.path("components").path("schemas").has(ref.substring(ref.lastIndexOf('/') + 1)), ref);
        int operations = 0;
        for (JsonNode path : doc.path("paths")) operations += path.size();
        assertEquals(api.routes().size(), operations, "one documented operation per route, no more");
        for (Route r : api.pages()) assertTrue(r.path().startsWith("/console"), "a page outside the console: " + r.path());

        HttpResponse<String> bad = get(op, "/api/runs?limit=0");
        assertEquals(400, bad.statusCode());
        assertTrue(json(bad).path("detail").asText().contains("'limit'"), bad.body());
        HttpResponse<String> none = get(op, "/api/nothing");
        assertEquals(404, none.statusCode());
        assertEquals("Not found", json(none).path("title").asText());
        HttpResponse<String> post = op.send(HttpRequest.newBuilder(URI.create("https://127.0.0.1:" + api.port() + "/api/runs"))
                .POST(HttpRequest.BodyPublishers.ofString("{}")).build(), HttpResponse.BodyHandlers.ofString());
        assertEquals(405, post.statusCode(), "runs are listed here, started through /api/jobs");
        assertEquals("application/yaml", doc.path("paths").path("/api/plan").path("post").path("requestBody").path("content")
                .fieldNames().next(), "the plan route documents its body");
    }

    @Test
    void operatorsScrapeRunsNodesStepsAndCatalogLatencyInPrometheusFormatAndNoOneElseDoes() throws Exception {
        HttpResponse<String> r = get(client(MeshIdentity.Role.CLIENT, "operator"), "/api/metrics");
        assertEquals(200, r.statusCode(), r.body());
        assertTrue(r.headers().firstValue("Content-Type").orElse("").startsWith("text/plain"), r.headers().toString());
        assertTrue(r.body().contains("meshfl_runs{state=\"SUCCEEDED\"} 120.0"), r.body());
        assertTrue(r.body().contains("meshfl_privacy_spent{product=\"lending.accounts\"} 0.0"), r.body());
        assertTrue(r.body().contains("meshfl_catalog_transaction_seconds_count"), "the catalog's latency: " + r.body());
        assertEquals(403, get(client(MeshIdentity.Role.CLIENT, "alice"), "/api/metrics").statusCode());
        assertEquals(403, get(client(MeshIdentity.Role.DOMAIN, "shop"), "/api/metrics").statusCode());
    }

    @Test
    void aFollowedRunShowsEachRoundWithinASecondOfItsCommitAndEndsWithItsState() throws Exception {
        String job = catalog.createJob("live", "name: live").id();
        var run = catalog.startRun(job, "horizontal", "{}", "{}", 1, List.of("lending.accounts"), new Catalog.Ticket("client:alice", "live", "sha"));
        catalog.recordRound(run.id(), new RoundRecord(1, 0.5, 100, 100, 2, 0, "{\"auc\": 0.61}"));
        HttpClient alice = client(MeshIdentity.Role.CLIENT, "alice");
        HttpResponse<java.util.stream.Stream<String>> events = alice.send(HttpRequest.newBuilder(URI.create("https://127.0.0.1:" + api.port()
                + "/api/runs/" + run.id() + "/events")).build(), HttpResponse.BodyHandlers.ofLines());
        assertEquals(200, events.statusCode());
        assertEquals(Route.EVENTS, events.headers().firstValue("Content-Type").orElse(""));
        var lines = events.body().iterator();
        List<Long> lags = new ArrayList<>();
        java.util.concurrent.atomic.AtomicLong committed = new java.util.concurrent.atomic.AtomicLong();
        Thread writer = new Thread(() -> {
            try {
                for (int round = 2; round <= 4; round++) {
                    Thread.sleep(400);
                    committed.set(System.nanoTime());
                    catalog.recordRound(run.id(), new RoundRecord(round, 0.5, 100, 100, 2, 0, "{\"auc\": 0.6" + round + "}"));
                }
                Thread.sleep(300);
                catalog.finishRun(run.id(), "{\"auc\": 0.64}", 400, 400);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        });
        writer.start();
        List<String> seen = new ArrayList<>();
        String event = null;
        while (lines.hasNext()) {
            String line = lines.next();
            if (line.startsWith("event: ")) event = line.substring(7);
            if (!line.startsWith("data: ")) continue;
            JsonNode data = Json.MAPPER.readTree(line.substring(6));
            if (event.equals("round")) {
                seen.add("round " + data.path("round").asInt());
                if (data.path("round").asInt() > 1) lags.add((System.nanoTime() - committed.get()) / 1_000_000);
            } else {
                seen.add(event + " " + data.path("status").asText());
            }
        }
        writer.join();
        assertEquals(List.of("round 1", "round 2", "round 3", "round 4", "ended SUCCEEDED"), seen);
        System.out.println("rounds shown after their commit (ms): " + lags);
        for (long lag : lags) assertTrue(lag < 1000, "a round showed " + lag + " ms after its commit");
        assertEquals(404, get(client(MeshIdentity.Role.DOMAIN, "shop"), "/api/runs/" + run.id() + "/events").statusCode(),
                "a run the caller may not see is not followed either");
    }

    private HttpResponse<String> post(HttpClient c, String path, String body) throws Exception {
        return c.send(HttpRequest.newBuilder(URI.create("https://127.0.0.1:" + api.port() + path)).POST(HttpRequest.BodyPublishers.ofString(body))
                .build(), HttpResponse.BodyHandlers.ofString());
    }

    private static final String JOB = """
            name: credit
            products: [lending.accounts, shop.accounts]
            label: y
            model: {type: logistic}
            rounds: 3
            """;

    @Test
    void aJobIsPlannedWithoutRunningOnlyForACallerWhoMayUseEveryProduct() throws Exception {
        JsonNode plan = json(post(client(MeshIdentity.Role.CLIENT, "operator"), "/api/plan", JOB));
        assertEquals("horizontal", plan.path("strategy").asText(), plan.toString());
        assertTrue(plan.path("explain").asText().contains("PLAN  strategy=horizontal"), plan.toString());
        assertEquals(2, plan.path("products").size());
        assertEquals(120, json(get(client(MeshIdentity.Role.CLIENT, "operator"), "/api/runs")).path("total").asInt(), "planning ran nothing");

        // shop's product is not alice's to read: refused before the planner sees it, as if it did not exist
        HttpResponse<String> refused = post(client(MeshIdentity.Role.CLIENT, "alice"), "/api/plan", JOB);
        assertEquals(404, refused.statusCode(), refused.body());
        assertTrue(json(refused).path("detail").asText().contains("no data product 'shop.accounts' the caller may read"), refused.body());
        assertEquals(json(post(client(MeshIdentity.Role.CLIENT, "alice"), "/api/plan", JOB.replace("shop.accounts", "nowhere.accounts")))
                .path("detail").asText().replace("nowhere", "shop"), json(refused).path("detail").asText(), "an absent product reads the same");
        // readable but not granted for this use: alice may train lending's product, not predict with it; a plan over it alone is hers
        JsonNode own = json(post(client(MeshIdentity.Role.CLIENT, "alice"), "/api/plan", JOB.replace(", shop.accounts", "")));
        assertEquals("lending.accounts", own.path("products").get(0).path("id").asText(), own.toString());
        HttpResponse<String> bad = post(client(MeshIdentity.Role.CLIENT, "operator"), "/api/plan", "name: x\nproducts: [lending.accounts]\nmodel: {type: nope}\n");
        assertEquals(400, bad.statusCode(), bad.body());
        assertEquals(Problem.MEDIA_TYPE, bad.headers().firstValue("Content-Type").orElse(""));
    }

    @Test
    void theAuditIsFilteredAndPagedByTheDatabaseAndEachIdentitySeesItsOwnMessages() throws Exception {
        HttpClient op = client(MeshIdentity.Role.CLIENT, "operator");
        JsonNode all = json(get(op, "/api/audit?limit=100"));
        assertEquals(240, all.path("total").asInt());
        assertEquals(100, all.path("items").size());
        assertEquals(100, all.path("next").asInt());
        assertTrue(all.path("items").get(0).path("seq").asLong() > all.path("items").get(1).path("seq").asLong(), "newest first");
        assertEquals(2, json(get(op, "/api/audit?run=" + runIds.get(5))).path("total").asInt());
        assertEquals(120, json(get(op, "/api/audit?protection=secure-aggregation")).path("total").asInt());
        assertEquals(80, json(get(op, "/api/audit?party=shop")).path("total").asInt());

        assertEquals(80, json(get(client(MeshIdentity.Role.DOMAIN, "shop"), "/api/audit")).path("total").asInt(), "what shop sent or received");
        assertEquals(0, json(get(client(MeshIdentity.Role.DOMAIN, "shop"), "/api/audit?party=lending&protection=secure-aggregation"))
                .path("total").asInt(), "a domain's filter narrows its own view, never widens it");
        assertEquals(80, json(get(client(MeshIdentity.Role.CLIENT, "alice"), "/api/audit")).path("total").asInt(), "the runs alice submitted");

        // these runs were ended straight in the catalog, never sealed by a coordinator: the check finds each one
        JsonNode verified = json(get(op, "/api/audit/verify"));
        assertFalse(verified.path("ok").asBoolean());
        assertEquals(240, verified.path("audit_records").asInt());
        assertEquals(120, verified.path("findings").size());
        assertTrue(verified.path("findings").get(0).path("what").asText().contains("has no seal"), verified.path("findings").get(0).toString());
        assertEquals(403, get(client(MeshIdentity.Role.DOMAIN, "shop"), "/api/audit/verify").statusCode());
    }

    @Test
    void nodesAnswerTheirStateHeartbeatAndTheVersionTheyRegisteredWithEachDomainItsOwn() throws Exception {
        catalog.upsertNode("lending-1", "lending", "10.0.0.7:7001", false, "0.1.0-test");
        catalog.upsertNode("shop-1", "shop", "10.0.0.8:7001", false, null);
        catalog.markLost("shop-1", "no heartbeat");
        JsonNode all = json(get(client(MeshIdentity.Role.CLIENT, "operator"), "/api/nodes"));
        assertEquals(2, all.path("total").asInt(), all.toString());
        JsonNode lending = all.path("items").get(0);
        assertEquals("lending-1", lending.path("id").asText());
        assertEquals("ACTIVE", lending.path("status").asText());
        assertEquals("0.1.0-test", lending.path("version").asText());
        assertFalse(lending.path("last_heartbeat").asText().isEmpty());
        assertTrue(all.path("items").get(1).path("version").isNull(), "a node that said no version answers none");
        assertEquals("LOST", all.path("items").get(1).path("status").asText());
        assertFalse(all.toString().contains("10.0.0."), "a node's address is not answered");
        JsonNode own = json(get(client(MeshIdentity.Role.DOMAIN, "shop"), "/api/nodes"));
        assertEquals(1, own.path("total").asInt());
        assertEquals("shop-1", own.path("items").get(0).path("id").asText());
        // registering again with a new version replaces it
        catalog.upsertNode("lending-1", "lending", "10.0.0.7:7001", false, "0.2.0-test");
        assertEquals("0.2.0-test", catalog.node("lending-1").orElseThrow().version());
    }
}

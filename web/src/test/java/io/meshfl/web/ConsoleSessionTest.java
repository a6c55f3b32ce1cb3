package io.meshfl.web;

import com.fasterxml.jackson.databind.JsonNode;
import io.meshfl.core.catalog.Catalog;
import io.meshfl.core.plan.JobSpec;
import io.meshfl.core.trust.MeshIdentity;
import io.meshfl.core.trust.Pem;
import io.meshfl.core.trust.SignedTicket;
import io.meshfl.core.trust.TicketVerifier;
import io.meshfl.wire.tls.CertificateAuthority;
import io.meshfl.wire.tls.MeshTls;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.PrivateKey;
import java.security.Signature;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A browser's way in, attacked: logins by a signed challenge (as the console's script signs it,
 * P1363 over the origin and challenge), replayed, relayed from another origin, signed by another
 * key, from another CA or a revoked certificate; sessions without their CSRF token or after logout;
 * jobs submitted under a ticket the caller signed, a draft stolen by another identity or used twice,
 * and cancelling a run that is someone else's.
 */
class ConsoleSessionTest {

    @TempDir
    Path dir;

    private CertificateAuthority ca;
    private Catalog catalog;
    private ApiServer api;
    private final List<SignedTicket> submitted = new ArrayList<>();
    private final List<String> cancelled = new ArrayList<>();
    private String aliceRun;
    private String operatorRun;

    @BeforeEach
    void mesh() throws Exception {
        ca = CertificateAuthority.create(dir.resolve("certs"), CertificateAuthority.KeyType.EC, "t", 10);
        ca.issue(MeshIdentity.Role.COORDINATOR, "coordinator", 5, List.of("localhost", "127.0.0.1"));
        ca.issue(MeshIdentity.Role.DOMAIN, "lending", 5);
        for (String c : List.of("operator", "alice", "bob")) ca.issue(MeshIdentity.Role.CLIENT, c, 5);
        catalog = Catalog.inMemory("session" + System.nanoTime());
        catalog.upsertDomain("lending", "lending-owner");
        catalog.registerProduct("lending.accounts", "lending", "1.0.0", ApiServerTest.contract("lending", "/srv/lending/accounts.csv",
                "  consumers: [{identity: 'client:alice', may: [train]}]\n"), 1000);
        String job = catalog.createJob("credit", "name: credit").id();
        aliceRun = catalog.startRun(job, "horizontal", "{}", "{}", 1, List.of("lending.accounts"), new Catalog.Ticket("client:alice", "a", "s")).id();
        operatorRun = catalog.startRun(job, "horizontal", "{}", "{}", 2, List.of("lending.accounts"), new Catalog.Ticket("client:operator", "o", "s")).id();
        MeshTls tls = MeshTls.load(dir.resolve("certs"), MeshIdentity.Role.COORDINATOR, "coordinator");
        TicketVerifier verifier = tls.ticketVerifier();
        JobService jobs = new JobService() {
            @Override
            public Started submit(JobSpec job, String yaml, SignedTicket ticket, String caller, boolean acceptWarnings) {
                // the nodes' own check of the ticket: the signature must verify as Java verifies it (DER)
                TicketVerifier.Verified v = verifier.verify(ticket, java.time.Instant.now());
                if (!v.submitter().equals(caller)) throw new AssertionError("ticket of " + v.submitter() + " presented by " + caller);
                submitted.add(ticket);
                return new Started("run-" + submitted.size(), "job-" + submitted.size());
            }

            @Override
            public String cancel(String runId, String who) {
                cancelled.add(runId + " by " + who);
                return null;
            }
        };
        api = ApiServer.start(new InetSocketAddress("127.0.0.1", 0), tls, new Backend(catalog,
                spec -> io.meshfl.core.plan.Planner.plan(spec, Map.of("lending.accounts", new io.meshfl.core.plan.Planner.ProductView(
                        io.meshfl.core.contract.ContractLoader.parse(catalog.product("lending.accounts").orElseThrow().contractYaml(),
                                Path.of("lending.accounts.yaml"), false), 1000))), tls.ca(), jobs), m -> { });
    }

    @AfterEach
    void stop() {
        api.close();
        catalog.close();
    }

    private String origin() {
        return "https://localhost:" + api.port();
    }

    private HttpClient browser() throws Exception {
        java.security.KeyStore trust = java.security.KeyStore.getInstance("PKCS12");
        trust.load(null, null);
        trust.setCertificateEntry("ca", Pem.certificate(dir.resolve("certs").resolve("ca.pem")));
        javax.net.ssl.TrustManagerFactory tmf = javax.net.ssl.TrustManagerFactory.getInstance("PKIX");
        tmf.init(trust);
        javax.net.ssl.SSLContext ctx = javax.net.ssl.SSLContext.getInstance("TLSv1.3");
        ctx.init(null, tmf.getTrustManagers(), null);
        return HttpClient.newBuilder().sslContext(ctx).build();
    }

    private X509Certificate cert(String stem) {
        return Pem.certificate(dir.resolve("certs").resolve(stem + ".pem"));
    }

    private PrivateKey key(String stem) {
        return Pem.privateKey(dir.resolve("certs").resolve(stem + "-key.pem"), "EC");
    }

    /** What the console's script sends: ECDSA P-256 over SHA-256 in IEEE P1363 form, as WebCrypto signs. */
    private static byte[] browserSign(PrivateKey key, byte[] data) throws Exception {
        Signature s = Signature.getInstance("SHA256withECDSAinP1363Format");
        s.initSign(key);
        s.update(data);
        return s.sign();
    }

    private HttpResponse<String> send(HttpClient c, String method, String path, String body, String... headers) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(origin() + path))
                .method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body));
        if (headers.length > 0) b.headers(headers);
        return c.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }

    private String challenge(HttpClient c) throws Exception {
        return Json.MAPPER.readTree(send(c, "GET", "/api/session/challenge", null).body()).path("challenge").asText();
    }

    private HttpResponse<String> login(HttpClient c, X509Certificate cert, PrivateKey key, String origin, String challenge) throws Exception {
        byte[] sig = browserSign(key, Sessions.statement(origin, challenge).getBytes(StandardCharsets.UTF_8));
        String body = Json.MAPPER.createObjectNode().put("certificate", Base64.getEncoder().encodeToString(cert.getEncoded())).put("origin", origin)
                .put("challenge", challenge).put("signature", Base64.getEncoder().encodeToString(sig)).toString();
        return send(c, "POST", "/api/session", body, "Content-Type", "application/json");
    }

    /** The session and CSRF cookies a login set. */
    private record Cookies(String session, String csrf) {
        String header() {
            return ApiServer.SESSION_COOKIE + "=" + session + "; " + ApiServer.CSRF_COOKIE + "=" + csrf;
        }
    }

    private Cookies cookies(HttpResponse<String> login) {
        String session = null, csrf = null;
        for (String c : login.headers().allValues("Set-Cookie")) {
            String kv = c.substring(0, c.indexOf(';'));
            if (kv.startsWith(ApiServer.SESSION_COOKIE + "=")) {
                session = kv.substring(ApiServer.SESSION_COOKIE.length() + 1);
                assertTrue(c.contains("HttpOnly") && c.contains("Secure") && c.contains("SameSite=Strict"), c);
            }
            if (kv.startsWith(ApiServer.CSRF_COOKIE + "=")) csrf = kv.substring(ApiServer.CSRF_COOKIE.length() + 1);
        }
        return new Cookies(session, csrf);
    }

    private Cookies signIn(HttpClient c, String stem) throws Exception {
        HttpResponse<String> r = login(c, cert(stem), key(stem), origin(), challenge(c));
        assertEquals(200, r.statusCode(), r.body());
        return cookies(r);
    }

    @Test
    void aBrowserSignsInBySigningAChallengeForThisOriginAndNoReplayRelayForeignKeyOrRevokedCertificateOpensASession() throws Exception {
        HttpClient c = browser();
        String ch = challenge(c);
        HttpResponse<String> ok = login(c, cert("client-alice"), key("client-alice"), origin(), ch);
        assertEquals(200, ok.statusCode(), ok.body());
        assertEquals("client:alice", Json.MAPPER.readTree(ok.body()).path("identity").asText());
        Cookies alice = cookies(ok);
        HttpResponse<String> me = send(c, "GET", "/api/me", null, "Cookie", alice.header());
        assertEquals("client:alice", Json.MAPPER.readTree(me.body()).path("identity").asText(), me.body());
        HttpResponse<String> page = send(c, "GET", "/console", null, "Cookie", alice.header());
        assertEquals(200, page.statusCode());
        assertTrue(page.headers().firstValue("Content-Security-Policy").orElse("").contains("script-src 'self'"));

        // the same challenge again: spent
        HttpResponse<String> replay = login(c, cert("client-alice"), key("client-alice"), origin(), ch);
        assertEquals(401, replay.statusCode());
        assertTrue(replay.body().contains("unknown, used or expired"), replay.body());
        // signed on a page of another origin that relayed this server's challenge
        HttpResponse<String> relayed = login(c, cert("client-alice"), key("client-alice"), "https://evil.example:443", challenge(c));
        assertEquals(401, relayed.statusCode());
        assertTrue(relayed.body().contains("not this server"), relayed.body());
        // alice's certificate, bob's key
        HttpResponse<String> stolen = login(c, cert("client-alice"), key("client-bob"), origin(), challenge(c));
        assertEquals(401, stolen.statusCode());
        assertTrue(stolen.body().contains("not by the key of"), stolen.body());
        // a certificate and key of another CA, with the operator's name
        CertificateAuthority other = CertificateAuthority.create(dir.resolve("other"), CertificateAuthority.KeyType.EC, "t", 10);
        other.issue(MeshIdentity.Role.CLIENT, "operator", 5);
        HttpResponse<String> foreign = login(c, Pem.certificate(dir.resolve("other").resolve("client-operator.pem")),
                Pem.privateKey(dir.resolve("other").resolve("client-operator-key.pem"), "EC"), origin(), challenge(c));
        assertEquals(401, foreign.statusCode());
        assertTrue(foreign.body().contains("not issued by this mesh's CA"), foreign.body());
        // a made-up session cookie
        assertEquals(401, send(c, "GET", "/api/me", null, "Cookie", ApiServer.SESSION_COOKIE + "=forged").statusCode());

        // revoking alice's certificate ends her open session on its next request, and she cannot sign in again
        ca.revoke(CertificateAuthority.stem(MeshIdentity.Role.CLIENT, "alice"));
        Thread.sleep(1200);
        assertEquals(401, send(c, "GET", "/api/me", null, "Cookie", alice.header()).statusCode());
        HttpResponse<String> revoked = login(c, cert("client-alice"), key("client-alice"), origin(), challenge(c));
        assertEquals(401, revoked.statusCode());
        assertTrue(revoked.body().contains("revoked"), revoked.body());
    }

    @Test
    void aSessionsRequestsThatChangeSomethingNeedItsCsrfTokenAndLogoutEndsIt() throws Exception {
        HttpClient c = browser();
        Cookies op = signIn(c, "client-operator");
        String job = "name: credit\nproducts: [lending.accounts]\nlabel: y\nmodel: {type: logistic}\n";
        // a page elsewhere can make the browser send its cookies, not read the CSRF cookie
        HttpResponse<String> forged = send(c, "POST", "/api/plan", job, "Cookie", op.header(), "Content-Type", "application/yaml");
        assertEquals(403, forged.statusCode());
        assertTrue(forged.body().contains(ApiServer.CSRF_HEADER), forged.body());
        HttpResponse<String> wrong = send(c, "POST", "/api/plan", job, "Cookie", op.header(), ApiServer.CSRF_HEADER, "guess");
        assertEquals(403, wrong.statusCode());
        HttpResponse<String> planned = send(c, "POST", "/api/plan", job, "Cookie", op.header(), ApiServer.CSRF_HEADER, op.csrf());
        assertEquals(200, planned.statusCode(), planned.body());

        assertEquals(403, send(c, "POST", "/console/logout", null, "Cookie", op.header()).statusCode(), "logging out needs the token too");
        HttpResponse<String> out = send(c, "POST", "/console/logout", null, "Cookie", op.header(), ApiServer.CSRF_HEADER, op.csrf());
        assertEquals(200, out.statusCode());
        assertTrue(out.headers().allValues("Set-Cookie").stream().anyMatch(x -> x.startsWith(ApiServer.SESSION_COOKIE + "=;") && x.contains("Max-Age=0")));
        assertEquals(401, send(c, "GET", "/api/me", null, "Cookie", op.header()).statusCode(), "the old cookie opens nothing");
    }

    @Test
    void aJobStartsOnlyUnderATicketItsCallerSignedAndADraftServesOneCallerOnce() throws Exception {
        HttpClient c = browser();
        Cookies alice = signIn(c, "client-alice");
        String job = "name: credit\nproducts: [lending.accounts]\nlabel: y\nmodel: {type: logistic}\n";
        HttpResponse<String> d = send(c, "POST", "/api/jobs/draft", job, "Cookie", alice.header(), ApiServer.CSRF_HEADER, alice.csrf());
        assertEquals(200, d.statusCode(), d.body());
        JsonNode draft = Json.MAPPER.readTree(d.body());
        assertEquals("client:alice", draft.path("says").path("submitter").asText());
        assertEquals("horizontal", draft.path("strategy").asText());
        byte[] ticket = Base64.getDecoder().decode(draft.path("ticket").asText());

        // bob signs alice's draft with his own key and certificate: the draft is not his
        Cookies bob = signIn(c, "client-bob");
        HttpResponse<String> bobs = send(c, "POST", "/api/jobs", submission(draft, "client-bob", ticket), "Cookie", bob.header(),
                ApiServer.CSRF_HEADER, bob.csrf());
        assertEquals(404, bobs.statusCode(), bobs.body());
        // alice's certificate with bob's signature: the ticket does not verify (the nodes' check)
        HttpResponse<String> forged = send(c, "POST", "/api/jobs", submission(draft, "client-alice", "client-bob", ticket), "Cookie", alice.header(),
                ApiServer.CSRF_HEADER, alice.csrf());
        assertEquals(403, forged.statusCode(), forged.body());
        assertTrue(submitted.isEmpty());

        // a forged submission spent the draft; a fresh one, signed by alice, starts
        draft = Json.MAPPER.readTree(send(c, "POST", "/api/jobs/draft", job, "Cookie", alice.header(), ApiServer.CSRF_HEADER, alice.csrf()).body());
        ticket = Base64.getDecoder().decode(draft.path("ticket").asText());
        HttpResponse<String> ok = send(c, "POST", "/api/jobs", submission(draft, "client-alice", ticket), "Cookie", alice.header(),
                ApiServer.CSRF_HEADER, alice.csrf());
        assertEquals(202, ok.statusCode(), ok.body());
        assertEquals("run-1", Json.MAPPER.readTree(ok.body()).path("run_id").asText());
        assertEquals(1, submitted.size());
        assertTrue(java.util.Arrays.equals(ticket, submitted.get(0).ticket()), "the run carries the very bytes alice signed");
        HttpResponse<String> again = send(c, "POST", "/api/jobs", submission(draft, "client-alice", ticket), "Cookie", alice.header(),
                ApiServer.CSRF_HEADER, alice.csrf());
        assertEquals(404, again.statusCode(), "a draft starts one run");
        assertEquals(1, submitted.size());
    }

    private String submission(JsonNode draft, String stem, byte[] ticket) throws Exception {
        return submission(draft, stem, stem, ticket);
    }

    private String submission(JsonNode draft, String certStem, String keyStem, byte[] ticket) throws Exception {
        return Json.MAPPER.createObjectNode().put("draft", draft.path("draft").asText())
                .put("certificate", Base64.getEncoder().encodeToString(cert(certStem).getEncoded()))
                .put("signature", Base64.getEncoder().encodeToString(browserSign(key(keyStem), ticket))).toString();
    }

    @Test
    void aRunIsCancelledByItsSubmitterOrTheOperatorOnlyAndAnUnseenOneIsAbsent() throws Exception {
        HttpClient c = browser();
        Cookies alice = signIn(c, "client-alice");
        Cookies bob = signIn(c, "client-bob");
        Cookies op = signIn(c, "client-operator");
        Cookies lending = signIn(c, "lending");
        // the domain sees alice's run over its product, and still may not stop it
        HttpResponse<String> notTheirs = send(c, "POST", "/api/runs/" + aliceRun + "/cancel", null, "Cookie", lending.header(),
                ApiServer.CSRF_HEADER, lending.csrf());
        assertEquals(403, notTheirs.statusCode(), notTheirs.body());
        assertEquals(404, send(c, "POST", "/api/runs/" + operatorRun + "/cancel", null, "Cookie", alice.header(), ApiServer.CSRF_HEADER, alice.csrf())
                .statusCode(), "alice does not see the operator's run");
        assertEquals(404, send(c, "POST", "/api/runs/" + aliceRun + "/cancel", null, "Cookie", bob.header(), ApiServer.CSRF_HEADER, bob.csrf())
                .statusCode(), "bob does not see alice's run");
        assertTrue(cancelled.isEmpty());
        assertEquals(200, send(c, "POST", "/api/runs/" + aliceRun + "/cancel", null, "Cookie", alice.header(), ApiServer.CSRF_HEADER, alice.csrf())
                .statusCode());
        assertEquals(200, send(c, "POST", "/api/runs/" + operatorRun + "/cancel", null, "Cookie", op.header(), ApiServer.CSRF_HEADER, op.csrf())
                .statusCode());
        assertEquals(List.of(aliceRun + " by client:alice", operatorRun + " by null"), cancelled);
    }

    @Test
    void aBrowserSignatureIsReencodedAsTheNodesVerifyItAndOtherEncodingsPassUnchanged() throws Exception {
        X509Certificate cert = cert("client-alice");
        byte[] data = "ticket".getBytes(StandardCharsets.UTF_8);
        for (int i = 0; i < 50; i++) {
            byte[] p1363 = browserSign(key("client-alice"), data);
            byte[] der = Sessions.der(cert, data, p1363);
            Signature v = Signature.getInstance("SHA256withECDSA");
            v.initVerify(cert.getPublicKey());
            v.update(data);
            assertTrue(v.verify(der), "signature " + i);
            assertTrue(java.util.Arrays.equals(der, Sessions.der(cert, data, der)), "a DER signature passes unchanged");
        }
        assertFalse(Sessions.verifies(cert, data, browserSign(key("client-bob"), data)));
    }
}

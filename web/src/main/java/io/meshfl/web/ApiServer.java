package io.meshfl.web;

import com.fasterxml.jackson.databind.JsonNode;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpsConfigurator;
import com.sun.net.httpserver.HttpsExchange;
import com.sun.net.httpserver.HttpsParameters;
import com.sun.net.httpserver.HttpsServer;
import io.meshfl.core.MeshflException;
import io.meshfl.core.trust.MeshIdentity;
import io.meshfl.core.trust.Revocations;

import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLPeerUnverifiedException;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.function.Consumer;

/**
 * The coordinator's REST API and web console over HTTPS ({@code meshfl coordinator --http PORT}):
 * TLS 1.3 with the coordinator's certificate. A caller is either a connection with a client
 * certificate of the mesh CA (tools, the Python client) or a browser session opened by signing a
 * login challenge with the user's mesh key ({@link Sessions}); either way the certificate's
 * revocation is checked again on every request, as the gRPC side does, and a browser's requests
 * that change something carry the session's CSRF token. Only the login page, its challenge and the
 * console's static files answer anyone. API routes are dispatched from {@link Route}s, which also
 * make the OpenAPI document at {@code /api/openapi.json}; every API error is a problem detail.
 */
public final class ApiServer implements AutoCloseable {

    /** The cookie that names a browser's session (HttpOnly) and the one its scripts echo as the CSRF header. */
    public static final String SESSION_COOKIE = "meshfl_session";
    public static final String CSRF_COOKIE = "meshfl_csrf";
    public static final String CSRF_HEADER = "X-MeshFL-CSRF";

    private final HttpsServer server;
    private final ExecutorService pool;
    private final List<Route> routes;
    private final List<Route> open;
    private final List<Route> pages;
    private final Revocations revocations;
    private final Sessions sessions;
    private final Consumer<String> log;

    private ApiServer(HttpsServer server, ExecutorService pool, List<Route> routes, List<Route> open, List<Route> pages, Revocations revocations,
                      Sessions sessions, Consumer<String> log) {
        this.server = server;
        this.pool = pool;
        this.routes = routes;
        this.open = open;
        this.pages = pages;
        this.revocations = revocations;
        this.sessions = sessions;
        this.log = log;
    }

    /**
     * Listens on {@code address} with the coordinator's {@code tls} (its key and certificate, trust in
     * the mesh CA, the revocation list) and answers from {@code backend}; refusals go to {@code log}.
     */
    public static ApiServer start(InetSocketAddress address, io.meshfl.wire.tls.MeshTls tls, Backend backend, Consumer<String> log)
            throws IOException {
        SSLContext ssl = tls.httpsContext();
        HttpsServer s = HttpsServer.create(address, 64);
        s.setHttpsConfigurator(new HttpsConfigurator(ssl) {
            @Override
            public void configure(HttpsParameters p) {
                SSLParameters sp = ssl.getDefaultSSLParameters();
                // a certificate is asked for, not required: a browser without one reaches the login page only
                sp.setWantClientAuth(true);
                sp.setProtocols(new String[]{"TLSv1.3"});
                p.setSSLParameters(sp);
            }
        });
        Sessions sessions = new Sessions(tls.ca(), tls.revocations(), origins(tls.signer().certificate(), s.getAddress().getPort()),
                java.time.Clock.systemUTC());
        List<Route> routes = new ArrayList<>(new ApiRoutes(backend).routes());
        routes.addAll(new JobRoutes(backend).routes());
        routes.addAll(new MeshRoutes(backend).routes());
        routes.add(OperatorMetrics.route(backend.catalog()));
        SessionRoutes login = new SessionRoutes(sessions);
        List<Route> open = login.open();
        List<Route> pages = new ArrayList<>(io.meshfl.web.console.ConsoleRoutes.routes(backend));
        pages.addAll(login.pages());
        // a followed run holds its thread for as long as it runs: enough threads that followers never starve other requests
        ExecutorService pool = Executors.newFixedThreadPool(MAX_STREAMS + 8, r -> {
            Thread t = new Thread(r, "meshfl-api");
            t.setDaemon(true);
            return t;
        });
        routes.addAll(open.stream().filter(r -> r.path().startsWith("/api/")).toList());
        ApiServer api = new ApiServer(s, pool, routes, open, pages, tls.revocations(), sessions, log);
        String version = ApiServer.class.getPackage().getImplementationVersion();
        JsonNode doc = OpenApi.document(withDocument(routes), version == null ? "dev" : version);
        routes.add(new Route("GET", "/api/openapi.json", "This document", List.of(), false, "OpenApi", q -> doc));
        s.createContext("/", api::handle);
        s.setExecutor(pool);
        s.start();
        return api;
    }

    /** The origins a browser reaches this server by: the host names and addresses its certificate carries, on its port. */
    static java.util.Set<String> origins(X509Certificate cert, int port) {
        java.util.Set<String> out = new java.util.LinkedHashSet<>();
        try {
            if (cert.getSubjectAlternativeNames() != null) {
                for (List<?> san : cert.getSubjectAlternativeNames()) {
                    int type = (Integer) san.get(0);
                    if (type == 2 || type == 7) out.add("https://" + san.get(1) + ":" + port);
                }
            }
        } catch (java.security.cert.CertificateParsingException e) {
            throw new IllegalStateException("the coordinator's certificate names no hosts: " + e.getMessage(), e);
        }
        if (port == 443) out.addAll(out.stream().map(o -> o.substring(0, o.lastIndexOf(':'))).toList());
        return out;
    }

    /** The routes with the document's own, so that the document lists itself. */
    private static List<Route> withDocument(List<Route> routes) {
        List<Route> all = new ArrayList<>(routes);
        all.add(new Route("GET", "/api/openapi.json", "This document", List.of(), false, "OpenApi", q -> null));
        return all;
    }

    public int port() {
        return server.getAddress().getPort();
    }

    /** Every API route the server dispatches (all under {@code /api}, each in the OpenAPI document). */
    public List<Route> routes() {
        return List.copyOf(routes);
    }

    /** The console's pages (HTML under {@code /console}; not part of the API's document). */
    public List<Route> pages() {
        return List.copyOf(pages);
    }

    private void handle(HttpExchange ex) throws IOException {
        try (ex) {
            headers(ex);
            URI uri = ex.getRequestURI();
            String path = uri.getPath();
            var asset = io.meshfl.web.console.Assets.find(path);
            if (asset.isPresent() && ex.getRequestMethod().equals("GET")) {
                ex.getResponseHeaders().set("Content-Type", asset.get().type());
                ex.getResponseHeaders().set("Cache-Control", "max-age=3600");
                ex.sendResponseHeaders(200, asset.get().bytes().length);
                try (OutputStream out = ex.getResponseBody()) {
                    out.write(asset.get().bytes());
                }
                return;
            }
            Matched m = match(ex.getRequestMethod(), path);
            if (m == null) {
                boolean known = java.util.stream.Stream.of(open, routes, pages).flatMap(List::stream).anyMatch(r -> r.match(r.method(), path) != null);
                send(ex, known ? new Problem(405, "Method not allowed", "MeshFL-400 JOB_INVALID", ex.getRequestMethod() + " is not served on " + path)
                        : Problem.notFound("no route " + path + " (see /api/openapi.json)"));
                return;
            }
            // an API route answers problem details even where it serves HTML (a run's report): only the console's are pages
            boolean page = m.route().produces().startsWith("text/html") && !path.startsWith("/api/");
            Caller caller;
            try {
                caller = caller((HttpsExchange) ex, !m.open());
            } catch (ApiException e) {
                log.accept("API refused " + ex.getRemoteAddress() + ": " + e.getMessage());
                if (page && ex.getRequestMethod().equals("GET")) {
                    redirect(ex, "/console/login?next=" + java.net.URLEncoder.encode(path, StandardCharsets.UTF_8));
                } else {
                    send(ex, e.problem);
                }
                return;
            }
            Route r = m.route();
            Request q = new Request(caller, m.params(), query(uri), "", new Request.Reply());
            if (r.streamer() != null) {
                stream(ex, r, q);
                return;
            }
            try {
                String body = r.body() == null ? "" : body(ex);
                q = new Request(caller, m.params(), q.query(), body, q.reply());
                JsonNode answer = r.handler().handle(q);
                for (String c : q.reply().cookies()) ex.getResponseHeaders().add("Set-Cookie", c);
                send(ex, q.reply().status(), r.produces(), r.produces().equals(Route.JSON) ? Json.MAPPER.writeValueAsBytes(answer)
                        : answer.asText().getBytes(StandardCharsets.UTF_8));
            } catch (ApiException e) {
                answer(ex, page, caller, e.problem);
            } catch (MeshflException e) {
                answer(ex, page, caller, Problem.of(e));
            } catch (RuntimeException e) {
                // the cause stays in the coordinator's log: a message may name what the caller must not see
                String incident = Long.toHexString(System.nanoTime());
                log.accept("API error " + incident + " on " + ex.getRequestMethod() + " " + path + ": " + e);
                send(ex, new Problem(500, "Server error", "MeshFL-900 INTERNAL", "internal error, incident " + incident));
            }
        }
    }

    /** A problem as a console page (for a browser's page) or as a problem detail (for the API). */
    private static void answer(HttpExchange ex, boolean page, Caller caller, Problem p) throws IOException {
        if (!page) {
            send(ex, p);
            return;
        }
        String body = "<div class=\"problem\" id=\"page-problem\">" + io.meshfl.web.console.Html.esc(p.code() + ": " + p.detail()) + "</div>";
        send(ex, p.status(), io.meshfl.web.console.Html.MEDIA_TYPE,
                io.meshfl.web.console.Html.page(p.title(), caller, body, List.of()).asText().getBytes(StandardCharsets.UTF_8));
    }

    private record Matched(Route route, Map<String, String> params, boolean open) {
    }

    private Matched match(String method, String path) {
        for (Route r : open) {
            Map<String, String> p = r.match(method, path);
            if (p != null) return new Matched(r, p, true);
        }
        for (List<Route> list : List.of(routes, pages)) {
            for (Route r : list) {
                Map<String, String> p = r.match(method, path);
                if (p != null) return new Matched(r, p, false);
            }
        }
        return null;
    }

    /** What every answer carries: no framing, no sniffing, no referrer, scripts and styles only from this server. */
    private static void headers(HttpExchange ex) {
        var h = ex.getResponseHeaders();
        h.set("Content-Security-Policy", "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; "
                + "connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'");
        h.set("X-Content-Type-Options", "nosniff");
        h.set("Referrer-Policy", "no-referrer");
        h.set("X-Frame-Options", "DENY");
        h.set("Strict-Transport-Security", "max-age=31536000");
    }

    /**
     * The caller of a request: the connection's client certificate, else the browser session its
     * cookie names (whose requests that change something must echo the session's CSRF token and come
     * from this server's own pages). A revoked certificate is refused here, on every request;
     * {@code required}: whether a request without a caller is refused (else its caller is null).
     */
    private Caller caller(HttpsExchange ex, boolean required) {
        X509Certificate cert = null;
        try {
            cert = (X509Certificate) ex.getSSLSession().getPeerCertificates()[0];
        } catch (SSLPeerUnverifiedException none) {
            // a browser: its session, if any
        }
        if (cert != null) {
            MeshIdentity id = MeshIdentity.of(cert).orElseThrow(() -> new ApiException(Problem.forbidden("the client certificate carries no mesh identity")));
            if (revocations.isRevoked(id.serial())) throw new ApiException(Problem.forbidden("the certificate of " + id.describe() + " is revoked"));
            return new Caller(id);
        }
        Sessions.Session s = sessions.find(cookie(ex, SESSION_COOKIE)).orElse(null);
        if (s == null) {
            if (!required) return null;
            throw new ApiException(new Problem(401, "Unauthorized", "MeshFL-" + io.meshfl.core.ErrorCode.POLICY_VIOLATION.number() + " POLICY_VIOLATION",
                    "sign in: a client certificate of the mesh, or a console session (/console/login)"));
        }
        String method = ex.getRequestMethod();
        if (!method.equals("GET") && !method.equals("HEAD")) {
            String token = ex.getRequestHeaders().getFirst(CSRF_HEADER);
            if (token == null || !java.security.MessageDigest.isEqual(token.getBytes(StandardCharsets.UTF_8), s.csrf().getBytes(StandardCharsets.UTF_8))) {
                throw new ApiException(Problem.forbidden("a console request that changes something must carry the session's " + CSRF_HEADER + " header"));
            }
        }
        return new Caller(s.identity(), s.id());
    }

    static String cookie(HttpExchange ex, String name) {
        for (String header : ex.getRequestHeaders().getOrDefault("Cookie", List.of())) {
            for (String part : header.split(";")) {
                String kv = part.trim();
                if (kv.startsWith(name + "=")) return kv.substring(name.length() + 1);
            }
        }
        return null;
    }

    private static void redirect(HttpExchange ex, String to) throws IOException {
        ex.getResponseHeaders().set("Location", to);
        ex.getResponseHeaders().set("Cache-Control", "no-store");
        ex.sendResponseHeaders(303, -1);
    }

    /**
     * Answers with server-sent events until the route's stream ends or the client goes; a refusal
     * before the first event is a problem detail like any other.
     */
    /** Runs followed at once; one more is refused (503) rather than queued behind them. */
    static final int MAX_STREAMS = 32;

    static {
        NoDelay.ask();
    }
    private final java.util.concurrent.Semaphore streams = new java.util.concurrent.Semaphore(MAX_STREAMS);

    private void stream(HttpExchange ex, Route r, Request q) throws IOException {
        if (!streams.tryAcquire()) {
            send(ex, new Problem(503, "Service unavailable", "MeshFL-700 COORDINATOR_FAILURE", MAX_STREAMS + " runs are followed already; try again later"));
            return;
        }
        try {
            streamHeld(ex, r, q);
        } finally {
            streams.release();
        }
    }

    private void streamHeld(HttpExchange ex, Route r, Request q) throws IOException {
        final boolean[] started = {false};
        OutputStream out = ex.getResponseBody();
        Route.Emitter emit = (event, data) -> {
            try {
                if (!started[0]) {
                    ex.getResponseHeaders().set("Content-Type", Route.EVENTS);
                    ex.getResponseHeaders().set("Cache-Control", "no-store");
                    ex.sendResponseHeaders(200, 0);
                    started[0] = true;
                }
                out.write(("event: " + event + "\ndata: " + Json.MAPPER.writeValueAsString(data) + "\n\n").getBytes(StandardCharsets.UTF_8));
                out.flush();
                return true;
            } catch (IOException gone) {
                return false;
            }
        };
        try {
            r.streamer().stream(q, emit);
        } catch (ApiException e) {
            if (!started[0]) send(ex, e.problem);
        } catch (MeshflException e) {
            if (!started[0]) send(ex, Problem.of(e));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        if (started[0]) out.close();
    }

    /** Largest request body read: a job file is a few kilobytes. */
    static final int MAX_BODY = 1 << 20;

    private static String body(HttpExchange ex) throws IOException {
        byte[] b = ex.getRequestBody().readNBytes(MAX_BODY + 1);
        if (b.length > MAX_BODY) throw new ApiException(Problem.badRequest("the request body is larger than " + MAX_BODY + " bytes"));
        return new String(b, StandardCharsets.UTF_8);
    }

    private static Map<String, String> query(URI uri) {
        Map<String, String> out = new LinkedHashMap<>();
        String q = uri.getRawQuery();
        if (q == null) return out;
        for (String kv : q.split("&")) {
            if (kv.isEmpty()) continue;
            int i = kv.indexOf('=');
            String k = java.net.URLDecoder.decode(i < 0 ? kv : kv.substring(0, i), StandardCharsets.UTF_8);
            String v = i < 0 ? "" : java.net.URLDecoder.decode(kv.substring(i + 1), StandardCharsets.UTF_8);
            out.put(k, v);
        }
        return out;
    }

    private static void send(HttpExchange ex, Problem p) throws IOException {
        send(ex, p.status(), Problem.MEDIA_TYPE, Json.MAPPER.writeValueAsBytes(p.json()));
    }

    private static void send(HttpExchange ex, int status, String type, byte[] body) throws IOException {
        ex.getResponseHeaders().set("Content-Type", type);
        ex.getResponseHeaders().set("Cache-Control", "no-store");
        ex.sendResponseHeaders(status, body.length);
        try (OutputStream out = ex.getResponseBody()) {
            out.write(body);
        }
    }

    @Override
    public void close() {
        server.stop(0);
        pool.shutdownNow();
    }
}

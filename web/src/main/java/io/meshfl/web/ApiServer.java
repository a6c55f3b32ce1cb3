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
 * The coordinator's REST API over HTTPS ({@code meshfl coordinator --http PORT}): TLS 1.3 with the
 * coordinator's certificate, a client certificate of the mesh CA required at the handshake, and its
 * revocation checked again on every request, as the gRPC side does. Routes are dispatched from
 * {@link Route}s, which also make the OpenAPI document at {@code /api/openapi.json}; every error is a
 * problem detail. Nothing here changes the catalog yet: its one POST route plans a job without running it.
 */
public final class ApiServer implements AutoCloseable {

    private final HttpsServer server;
    private final ExecutorService pool;
    private final List<Route> routes;
    private final Revocations revocations;
    private final Consumer<String> log;

    private ApiServer(HttpsServer server, ExecutorService pool, List<Route> routes, Revocations revocations, Consumer<String> log) {
        this.server = server;
        this.pool = pool;
        this.routes = routes;
        this.revocations = revocations;
        this.log = log;
    }

    /**
     * Listens on {@code address} with {@code tls} (the coordinator's key, certificate and trust in the
     * mesh CA) and answers from {@code backend}; refusals go to {@code log}.
     */
    public static ApiServer start(InetSocketAddress address, SSLContext tls, Revocations revocations, Backend backend, Consumer<String> log)
            throws IOException {
        HttpsServer s = HttpsServer.create(address, 64);
        s.setHttpsConfigurator(new HttpsConfigurator(tls) {
            @Override
            public void configure(HttpsParameters p) {
                SSLParameters sp = tls.getDefaultSSLParameters();
                sp.setNeedClientAuth(true);
                sp.setProtocols(new String[]{"TLSv1.3"});
                p.setSSLParameters(sp);
            }
        });
        List<Route> routes = new ArrayList<>(new ApiRoutes(backend).routes());
        routes.add(OperatorMetrics.route(backend.catalog()));
        // a followed run holds its thread for as long as it runs: enough threads that followers never starve other requests
        ExecutorService pool = Executors.newFixedThreadPool(MAX_STREAMS + 8, r -> {
            Thread t = new Thread(r, "meshfl-api");
            t.setDaemon(true);
            return t;
        });
        ApiServer api = new ApiServer(s, pool, routes, revocations, log);
        String version = ApiServer.class.getPackage().getImplementationVersion();
        JsonNode doc = OpenApi.document(withDocument(routes), version == null ? "dev" : version);
        routes.add(new Route("GET", "/api/openapi.json", "This document", List.of(), false, "OpenApi", q -> doc));
        s.createContext("/", api::handle);
        s.setExecutor(pool);
        s.start();
        return api;
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

    /** Every route the server dispatches. */
    public List<Route> routes() {
        return List.copyOf(routes);
    }

    private void handle(HttpExchange ex) throws IOException {
        try (ex) {
            Caller caller;
            try {
                caller = caller((HttpsExchange) ex);
            } catch (ApiException e) {
                log.accept("API refused " + ex.getRemoteAddress() + ": " + e.getMessage());
                send(ex, e.problem);
                return;
            }
            URI uri = ex.getRequestURI();
            String path = uri.getPath();
            for (Route r : routes) {
                Map<String, String> params = r.match(ex.getRequestMethod(), path);
                if (params == null) continue;
                if (r.streamer() != null) {
                    stream(ex, r, new Request(caller, params, query(uri)));
                    return;
                }
                try {
                    String body = r.body() == null ? "" : body(ex);
                    JsonNode answer = r.handler().handle(new Request(caller, params, query(uri), body));
                    send(ex, 200, r.produces(), r.produces().equals(Route.JSON) ? Json.MAPPER.writeValueAsBytes(answer)
                            : answer.asText().getBytes(StandardCharsets.UTF_8));
                } catch (ApiException e) {
                    send(ex, e.problem);
                } catch (MeshflException e) {
                    send(ex, Problem.of(e));
                } catch (RuntimeException e) {
                    // the cause stays in the coordinator's log: a message may name what the caller must not see
                    String incident = Long.toHexString(System.nanoTime());
                    log.accept("API error " + incident + " on " + ex.getRequestMethod() + " " + path + ": " + e);
                    send(ex, new Problem(500, "Server error", "MeshFL-900 INTERNAL", "internal error, incident " + incident));
                }
                return;
            }
            boolean known = routes.stream().anyMatch(r -> r.match(r.method(), path) != null);
            send(ex, known ? new Problem(405, "Method not allowed", "MeshFL-400 JOB_INVALID", ex.getRequestMethod() + " is not served on " + path)
                    : Problem.notFound("no route " + path + " (see /api/openapi.json)"));
        }
    }

    /** The caller of the connection, from its client certificate; a revoked one is refused here, on every request. */
    private Caller caller(HttpsExchange ex) {
        X509Certificate cert;
        try {
            cert = (X509Certificate) ex.getSSLSession().getPeerCertificates()[0];
        } catch (SSLPeerUnverifiedException e) {
            throw new ApiException(Problem.forbidden("a client certificate of the mesh is required"));
        }
        MeshIdentity id = MeshIdentity.of(cert).orElseThrow(() -> new ApiException(Problem.forbidden("the client certificate carries no mesh identity")));
        if (revocations.isRevoked(id.serial())) throw new ApiException(Problem.forbidden("the certificate of " + id.describe() + " is revoked"));
        return new Caller(id);
    }

    /**
     * Answers with server-sent events until the route's stream ends or the client goes; a refusal
     * before the first event is a problem detail like any other.
     */
    /** Runs followed at once; one more is refused (503) rather than queued behind them. */
    static final int MAX_STREAMS = 32;
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

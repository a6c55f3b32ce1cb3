package io.meshfl.serving;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpsConfigurator;
import com.sun.net.httpserver.HttpsExchange;
import com.sun.net.httpserver.HttpsParameters;
import com.sun.net.httpserver.HttpsServer;
import io.meshfl.coordinator.ServingClient;
import io.meshfl.coordinator.ServingScorer;
import io.meshfl.core.MeshflException;
import io.meshfl.core.trust.MeshIdentity;
import io.meshfl.wire.tls.MeshTls;

import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLParameters;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.security.cert.X509Certificate;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.function.Consumer;

/**
 * {@code POST /score} over HTTPS with mutual TLS: a caller presents a certificate of the mesh CA,
 * unrevoked, whose identity is among those the serving identity allows; the body names entity
 * keys ({@code {"keys": [...]}}), the answer gives each key's prediction and which domains' parts
 * knew it. Runs where the requester is, so keys and predictions stay in its domain.
 */
public final class ScoreEndpoint implements AutoCloseable {

    /** Keys per call at most: a larger batch is refused, naming the limit. */
    public static final int MAX_KEYS = 10_000;
    private static final ObjectMapper JSON = new ObjectMapper();

    static {
        // a one-key answer would otherwise wait for the client's delayed acknowledgement of its headers (40 ms)
        io.meshfl.web.NoDelay.ask();
    }

    private final HttpsServer server;
    private final ExecutorService pool;

    private ScoreEndpoint(HttpsServer server, ExecutorService pool) {
        this.server = server;
        this.pool = pool;
    }

    /** Listens on {@code at} with {@code tls} (the serving identity's certificate), answering from {@code client}. */
    public static ScoreEndpoint start(InetSocketAddress at, MeshTls tls, ServingScorer client, Set<String> allowed,
                                      Consumer<String> log) throws IOException {
        SSLContext ssl = tls.httpsContext();
        HttpsServer s = HttpsServer.create(at, 256);
        s.setHttpsConfigurator(new HttpsConfigurator(ssl) {
            @Override
            public void configure(HttpsParameters p) {
                SSLParameters sp = ssl.getDefaultSSLParameters();
                sp.setNeedClientAuth(true);
                sp.setProtocols(new String[]{"TLSv1.3"});
                p.setSSLParameters(sp);
            }
        });
        ExecutorService pool = Executors.newFixedThreadPool(8, r -> {
            Thread t = new Thread(r, "meshfl-serve");
            t.setDaemon(true);
            return t;
        });
        s.createContext("/", ex -> handle(ex, tls, client, allowed, log));
        s.setExecutor(pool);
        s.start();
        return new ScoreEndpoint(s, pool);
    }

    public int port() {
        return server.getAddress().getPort();
    }

    private static void handle(HttpExchange ex, MeshTls tls, ServingScorer client, Set<String> allowed, Consumer<String> log) throws IOException {
        try (ex) {
            if (!ex.getRequestURI().getPath().equals("/score")) {
                send(ex, 404, problem("no such resource; POST /score"));
                return;
            }
            if (!ex.getRequestMethod().equals("POST")) {
                send(ex, 405, problem("POST /score with {\"keys\": [...]}"));
                return;
            }
            String who = caller((HttpsExchange) ex, tls);
            if (who == null || !allowed.contains(who)) {
                log.accept("serving: refused " + (who == null ? "a caller without a mesh identity" : who));
                send(ex, 403, problem((who == null ? "a caller without a mesh identity" : who) + " may not score with this model"));
                return;
            }
            String[] keys;
            try {
                keys = keys(ex.getRequestBody());
            } catch (IllegalArgumentException e) {
                send(ex, 400, problem(e.getMessage()));
                return;
            }
            ServingClient.Answer a = client.score(keys);
            send(ex, 200, answer(client, a));
        } catch (MeshflException e) {
            log.accept("serving: a call failed: " + e.getMessage());
            send(ex, 502, problem(e.toString()));
        } catch (RuntimeException e) {
            log.accept("serving: a call failed: " + e);
            send(ex, 500, problem("MeshFL-900 INTERNAL: " + e.getClass().getSimpleName()));
        }
    }

    /** The caller's mesh identity from its client certificate, or null; a revoked certificate is refused as having none. */
    private static String caller(HttpsExchange ex, MeshTls tls) {
        try {
            X509Certificate cert = (X509Certificate) ex.getSSLSession().getPeerCertificates()[0];
            MeshIdentity id = MeshIdentity.of(cert).orElse(null);
            if (id == null || tls.revocations().isRevoked(id.serial())) return null;
            return id.label();
        } catch (javax.net.ssl.SSLPeerUnverifiedException e) {
            return null;
        }
    }

    /** The request's keys: {@code {"keys": ["...", ...]}}, 1 to {@link #MAX_KEYS} strings. */
    static String[] keys(InputStream body) {
        JsonNode root;
        try {
            root = JSON.readTree(body.readNBytes(64 << 20));
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new IllegalArgumentException("the body is not JSON: " + e.getOriginalMessage());
        } catch (IOException e) {
            throw new IllegalArgumentException("the body could not be read: " + e.getMessage());
        }
        JsonNode k = root == null ? null : root.get("keys");
        if (k == null || !k.isArray()) throw new IllegalArgumentException("keys: expected an array of entity keys");
        if (k.isEmpty() || k.size() > MAX_KEYS) throw new IllegalArgumentException("keys: " + k.size() + " keys; a call scores 1 to " + MAX_KEYS);
        String[] out = new String[k.size()];
        for (int i = 0; i < out.length; i++) {
            if (!k.get(i).isTextual()) throw new IllegalArgumentException("keys[" + i + "]: expected a string");
            out[i] = k.get(i).asText();
        }
        return out;
    }

    private static ObjectNode answer(ServingScorer client, ServingClient.Answer a) {
        ObjectNode out = JSON.createObjectNode().put("model", client.model()).put("version", client.version());
        ArrayNode scores = out.putArray("scores");
        int k = a.outputs();
        for (int i = 0; i < a.keys().length; i++) {
            ObjectNode s = scores.addObject().put("key", a.keys()[i]);
            double p = a.predictions()[i * k];
            if (Double.isNaN(p)) {
                s.putNull("prediction");
            } else if (k == 1) {
                s.put("prediction", p);
            } else {
                ArrayNode probs = s.putArray("probabilities");
                for (int c = 0; c < k; c++) probs.add(a.predictions()[i * k + c]);
                s.put("prediction", io.meshfl.core.metrics.Metrics.argmax(a.predictions(), i * k, k));
            }
            ObjectNode parts = s.putObject("parts");
            for (var e : a.known().entrySet()) parts.put(e.getKey(), e.getValue()[i]);
        }
        return out;
    }

    private static ObjectNode problem(String detail) {
        return JSON.createObjectNode().put("detail", detail);
    }

    private static void send(HttpExchange ex, int status, ObjectNode body) throws IOException {
        byte[] b = JSON.writeValueAsString(body).getBytes(StandardCharsets.UTF_8);
        ex.getResponseHeaders().set("Content-Type", "application/json");
        ex.sendResponseHeaders(status, b.length);
        ex.getResponseBody().write(b);
    }

    @Override
    public void close() {
        server.stop(0);
        pool.shutdownNow();
    }
}

package io.meshfl.wire.health;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import io.meshfl.core.ErrorCode;
import io.meshfl.core.MeshflException;

import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.Executors;
import java.util.function.Supplier;

/**
 * The probes a platform asks a coordinator or a node (a Kubernetes kubelet, a load balancer): plain
 * HTTP on an address of their own, off unless asked for ({@code --health HOST:PORT}), answering only
 * {@code GET /livez} (the process serves) and {@code GET /readyz} (it can do its work: 200, or 503
 * with the reason in words, never a path or a value). Nothing else is served on it.
 */
public final class HealthEndpoint implements AutoCloseable {

    private final HttpServer server;

    static {
        // the JDK's server reads this once, when the first server of the process loads it; the coordinator's
        // API (io.meshfl.web.NoDelay) needs it, or each reply's body waits up to 40 ms for an acknowledgement
        if (System.getProperty("sun.net.httpserver.nodelay") == null) System.setProperty("sun.net.httpserver.nodelay", "true");
    }

    private HealthEndpoint(HttpServer server) {
        this.server = server;
    }

    /** @param readiness null when ready, else why not */
    public static HealthEndpoint start(String hostPort, Supplier<String> readiness) {
        int colon = hostPort.lastIndexOf(':');
        if (colon < 0) throw new MeshflException(ErrorCode.JOB_INVALID, "--health " + hostPort + ": expected HOST:PORT");
        InetSocketAddress at;
        try {
            at = new InetSocketAddress(hostPort.substring(0, colon), Integer.parseInt(hostPort.substring(colon + 1)));
        } catch (IllegalArgumentException e) {
            throw new MeshflException(ErrorCode.JOB_INVALID, "--health " + hostPort + ": expected HOST:PORT");
        }
        try {
            HttpServer s = HttpServer.create(at, 16);
            s.createContext("/", ex -> answer(ex, readiness));
            s.setExecutor(Executors.newSingleThreadExecutor(r -> {
                Thread t = new Thread(r, "meshfl-health");
                t.setDaemon(true);
                return t;
            }));
            s.start();
            return new HealthEndpoint(s);
        } catch (IOException e) {
            throw new MeshflException(ErrorCode.NODE_FAILURE, "cannot serve health probes on " + hostPort + ": " + e.getMessage(), e);
        }
    }

    public int port() {
        return server.getAddress().getPort();
    }

    private static void answer(HttpExchange ex, Supplier<String> readiness) throws IOException {
        try (ex) {
            String path = ex.getRequestURI().getPath();
            if (!"GET".equals(ex.getRequestMethod())) {
                send(ex, 405, "only GET");
                return;
            }
            switch (path) {
                case "/livez" -> send(ex, 200, "ok");
                case "/readyz" -> {
                    String why;
                    try {
                        why = readiness.get();
                    } catch (RuntimeException e) {
                        why = "readiness check failed (" + e.getClass().getSimpleName() + ")";
                    }
                    if (why == null) send(ex, 200, "ready");
                    else send(ex, 503, "not ready: " + why);
                }
                default -> send(ex, 404, "serves /livez and /readyz only");
            }
        }
    }

    private static void send(HttpExchange ex, int code, String body) throws IOException {
        byte[] b = (body + "\n").getBytes(StandardCharsets.UTF_8);
        ex.getResponseHeaders().set("Content-Type", "text/plain; charset=utf-8");
        ex.sendResponseHeaders(code, b.length);
        try (OutputStream out = ex.getResponseBody()) {
            out.write(b);
        }
    }

    @Override
    public void close() {
        server.stop(0);
    }
}

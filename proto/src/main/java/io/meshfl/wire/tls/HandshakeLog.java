package io.meshfl.wire.tls;

import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import java.util.logging.Logger;

/**
 * Reports TLS handshakes that fail before any certificate is looked at (a plaintext client, a
 * client without a certificate, no common protocol), which gRPC's Netty transport only notes at
 * debug level: one line per refusal on the party's own log, with the reason in words. Refusals of
 * a presented certificate are reported by {@link MeshTrustManager} with the peer's address.
 */
final class HandshakeLog {

    /** The transport's logger for failed negotiations (held here, so its level setting is not collected). */
    private static final Logger NEGOTIATION = Logger.getLogger("io.grpc.netty.shaded.io.grpc.netty.ProtocolNegotiators");
    private static final CopyOnWriteArrayList<Consumer<String>> SINKS = new CopyOnWriteArrayList<>();

    static {
        NEGOTIATION.setLevel(Level.FINE);
        NEGOTIATION.addHandler(new Handler() {
            @Override
            public void publish(LogRecord r) {
                String msg = r.getMessage();
                if (msg == null || !msg.startsWith("TLS negotiation failed")) return;
                String line = "refused a connection: " + reason(r.getThrown());
                for (Consumer<String> s : SINKS) s.accept(line);
            }

            @Override
            public void flush() {
            }

            @Override
            public void close() {
            }
        });
    }

    private HandshakeLog() {
    }

    /** Sends failed handshakes of this process's mesh servers to {@code sink} too. */
    static void reportTo(Consumer<String> sink) {
        SINKS.addIfAbsent(sink);
    }

    static String reason(Throwable t) {
        for (Throwable c = t; c != null; c = c.getCause()) {
            String name = c.getClass().getSimpleName();
            if (name.equals("NotSslRecordException")) {
                return "the client does not speak TLS (a plaintext client, such as one started with --insecure); this server requires mutual TLS";
            }
            String m = c.getMessage() == null ? "" : c.getMessage();
            if (m.contains("CERTIFICATE_REQUIRED") || m.contains("PEER_DID_NOT_RETURN_A_CERTIFICATE") || m.contains("certificate_required")) {
                return "the client presented no certificate; this server requires a certificate of the mesh";
            }
        }
        if (t == null) return "TLS handshake failed";
        String m = t.getMessage();
        return "TLS handshake failed (" + t.getClass().getSimpleName() + (m == null ? "" : ": " + m.lines().findFirst().orElse("")) + ")";
    }
}

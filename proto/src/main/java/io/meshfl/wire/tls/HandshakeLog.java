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

    /**
     * The transport's logger that receives the failure of a TLS negotiation with its cause (held
     * here, so its level setting is not collected with it).
     */
    private static final Logger FAILURES = Logger.getLogger("io.grpc.netty.shaded.io.grpc.netty.WriteBufferingAndExceptionHandler");
    private static final CopyOnWriteArrayList<Consumer<String>> SINKS = new CopyOnWriteArrayList<>();

    static {
        FAILURES.setLevel(Level.FINE);
        FAILURES.addHandler(new Handler() {
            @Override
            public void publish(LogRecord r) {
                String why = reason(r.getThrown());
                if (why == null) return;
                String line = "refused a connection: " + why;
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

    /**
     * Why a connection's TLS negotiation failed, in words; null when {@code t} is not such a failure
     * or is one {@link MeshTrustManager} has reported already (a certificate it refused).
     */
    static String reason(Throwable t) {
        if (t == null || t.getMessage() == null || !t.getMessage().contains("ssl exception")) return null;
        for (Throwable c = t; c != null; c = c.getCause()) {
            if (c instanceof java.security.cert.CertificateException) return null;
            String name = c.getClass().getSimpleName();
            String m = c.getMessage() == null ? "" : c.getMessage();
            if (name.equals("NotSslRecordException")) {
                return "the client does not speak TLS (a plaintext client, such as one started with --insecure); this server requires mutual TLS";
            }
            if (m.contains("CERTIFICATE_REQUIRED") || m.contains("PEER_DID_NOT_RETURN_A_CERTIFICATE") || m.contains("certificate_required")) {
                return "the client presented no certificate of the mesh CA; this server requires one";
            }
            if (m.contains("CERTIFICATE_VERIFY_FAILED") || m.contains("certificate_unknown")) return null;
        }
        Throwable root = t;
        while (root.getCause() != null) root = root.getCause();
        String m = root.getMessage();
        return "TLS handshake failed (" + root.getClass().getSimpleName() + (m == null ? "" : ": " + m.lines().findFirst().orElse("")) + ")";
    }
}

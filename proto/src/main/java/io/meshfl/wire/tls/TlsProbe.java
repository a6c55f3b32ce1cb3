package io.meshfl.wire.tls;

import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.TrustManager;
import javax.net.ssl.X509TrustManager;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.security.GeneralSecurityException;
import java.security.cert.X509Certificate;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * Tells whether a server speaks TLS, so that a client that cannot reach it can say why: a
 * plaintext client at a TLS coordinator (or the reverse) otherwise sees only "UNAVAILABLE:
 * Network closed for unknown reason". The probe starts a handshake and looks only at whether a
 * server certificate comes back; it trusts nothing and sends no data.
 */
public final class TlsProbe {

    private TlsProbe() {
    }

    /** True when something accepts TCP connections at {@code host:port}. */
    public static boolean listens(String target, int timeoutMillis) {
        int colon = target.lastIndexOf(':');
        if (colon < 0) return false;
        try (Socket s = new Socket()) {
            s.connect(new InetSocketAddress(target.substring(0, colon), Integer.parseInt(target.substring(colon + 1))), timeoutMillis);
            return true;
        } catch (IOException | NumberFormatException e) {
            return false;
        }
    }

    /** True when {@code host:port} answers a TLS ClientHello with a certificate; false on anything else. */
    public static boolean speaksTls(String target, int timeoutMillis) {
        int colon = target.lastIndexOf(':');
        if (colon < 0) return false;
        String host = target.substring(0, colon);
        int port;
        try {
            port = Integer.parseInt(target.substring(colon + 1));
        } catch (NumberFormatException e) {
            return false;
        }
        AtomicBoolean sawCertificate = new AtomicBoolean();
        TrustManager look = new X509TrustManager() {
            @Override
            public void checkClientTrusted(X509Certificate[] chain, String authType) {
            }

            @Override
            public void checkServerTrusted(X509Certificate[] chain, String authType) {
                sawCertificate.set(chain != null && chain.length > 0);
            }

            @Override
            public X509Certificate[] getAcceptedIssuers() {
                return new X509Certificate[0];
            }
        };
        try (Socket raw = new Socket()) {
            raw.connect(new InetSocketAddress(host, port), timeoutMillis);
            raw.setSoTimeout(timeoutMillis);
            SSLContext ctx = SSLContext.getInstance("TLS");
            ctx.init(null, new TrustManager[]{look}, null);
            try (SSLSocket s = (SSLSocket) ctx.getSocketFactory().createSocket(raw, host, port, false)) {
                s.setEnabledProtocols(new String[]{"TLSv1.3", "TLSv1.2"});
                s.startHandshake();
            }
        } catch (IOException | GeneralSecurityException e) {
            // a refused client certificate ends the handshake after the server showed its own
        }
        return sawCertificate.get();
    }
}

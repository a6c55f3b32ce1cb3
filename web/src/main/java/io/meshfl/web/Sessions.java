package io.meshfl.web;

import io.meshfl.core.trust.MeshIdentity;
import io.meshfl.core.trust.Revocations;

import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.SecureRandom;
import java.security.Signature;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Browser sessions after a certificate login: the server hands out a one-time challenge, the
 * browser signs it with the user's mesh key (which never leaves the browser) together with the
 * origin it is talking to, and sends the signature with the user's certificate. A session is
 * granted only for a certificate of the mesh CA, valid now and not revoked, whose key signed this
 * server's unused challenge for one of this server's own origins (so a page elsewhere cannot relay
 * it); it carries the certificate's identity, and the same checks run again on every request.
 */
public final class Sessions {

    /** What a browser signs to log in: this text's UTF-8 bytes. */
    public static String statement(String origin, String challenge) {
        return "meshfl console login v1\norigin=" + origin + "\nchallenge=" + challenge;
    }

    /** A signed-in browser: who, the token its requests that change something echo, and until when. */
    public record Session(String id, MeshIdentity identity, String csrf, Instant created, Instant certificateExpires) {
    }

    static final Duration CHALLENGE_LIFE = Duration.ofMinutes(2);
    static final Duration IDLE = Duration.ofMinutes(30);
    static final Duration MAX_LIFE = Duration.ofHours(8);
    static final int MAX_PENDING = 4096;

    private static final SecureRandom RANDOM = new SecureRandom();

    private final X509Certificate ca;
    private final Revocations revocations;
    private final Set<String> origins;
    private final Clock clock;
    private final Map<String, Instant> challenges = new LinkedHashMap<>();
    private final Map<String, Session> sessions = new ConcurrentHashMap<>();
    private final Map<String, Instant> lastSeen = new ConcurrentHashMap<>();

    /** {@code origins}: the {@code https://host:port} a browser may reach this server by (its certificate's names and port). */
    public Sessions(X509Certificate ca, Revocations revocations, Set<String> origins, Clock clock) {
        this.ca = ca;
        this.revocations = revocations;
        this.origins = Set.copyOf(origins);
        this.clock = clock;
    }

    /** A fresh challenge, valid for two minutes and once. */
    public synchronized String challenge() {
        Instant now = clock.instant();
        challenges.values().removeIf(t -> t.isBefore(now));
        // a flood of challenges pushes out the oldest, never the server's memory
        Iterator<String> oldest = challenges.keySet().iterator();
        while (challenges.size() >= MAX_PENDING && oldest.hasNext()) {
            oldest.next();
            oldest.remove();
        }
        String c = token();
        challenges.put(c, now.plus(CHALLENGE_LIFE));
        return c;
    }

    private synchronized boolean take(String challenge) {
        Instant until = challenges.remove(challenge);
        return until != null && !until.isBefore(clock.instant());
    }

    /**
     * A session for the holder of {@code certificateDer}'s key, who signed {@link #statement} of
     * {@code origin} and {@code challenge} ({@code signature}: IEEE P1363 r||s for an EC key, as
     * browsers sign, or DER; PKCS#1 v1.5 for RSA); else an {@link ApiException} saying what failed.
     */
    public Session login(byte[] certificateDer, String origin, String challenge, byte[] signature) {
        // the challenge is spent whatever follows: a failed try cannot be retried with it
        if (challenge == null || !take(challenge)) throw refused("the login challenge is unknown, used or expired; ask for a new one");
        if (origin == null || !origins.contains(origin)) throw refused("the login was signed for " + origin + ", which is not this server");
        X509Certificate cert;
        try {
            cert = (X509Certificate) CertificateFactory.getInstance("X.509").generateCertificate(new java.io.ByteArrayInputStream(certificateDer));
        } catch (GeneralSecurityException | RuntimeException e) {
            throw refused("the certificate does not parse");
        }
        try {
            cert.verify(ca.getPublicKey());
        } catch (GeneralSecurityException e) {
            throw refused("the certificate is not issued by this mesh's CA");
        }
        MeshIdentity id = MeshIdentity.of(cert).orElseThrow(() -> refused("the certificate carries no mesh identity"));
        Instant now = clock.instant();
        if (now.isBefore(cert.getNotBefore().toInstant()) || now.isAfter(cert.getNotAfter().toInstant())) {
            throw refused("the certificate of " + id.describe() + " is not valid now");
        }
        if (revocations.isRevoked(id.serial())) throw refused("the certificate of " + id.describe() + " is revoked");
        if (!verifies(cert, statement(origin, challenge).getBytes(StandardCharsets.UTF_8), signature)) {
            throw refused("the signature is not by the key of " + id.describe());
        }
        Session s = new Session(token(), id, token(), now, cert.getNotAfter().toInstant());
        sessions.put(s.id(), s);
        lastSeen.put(s.id(), now);
        return s;
    }

    /** The live session {@code id} names: not logged out, not idle or old past its limits, its certificate valid and not revoked. */
    public Optional<Session> find(String id) {
        if (id == null) return Optional.empty();
        Session s = sessions.get(id);
        if (s == null) return Optional.empty();
        Instant now = clock.instant();
        Instant seen = lastSeen.getOrDefault(id, s.created());
        if (now.isAfter(seen.plus(IDLE)) || now.isAfter(s.created().plus(MAX_LIFE)) || now.isAfter(s.certificateExpires())
                || revocations.isRevoked(s.identity().serial())) {
            end(id);
            return Optional.empty();
        }
        lastSeen.put(id, now);
        return Optional.of(s);
    }

    /** Ends session {@code id} (logging out). */
    public void end(String id) {
        if (id == null) return;
        sessions.remove(id);
        lastSeen.remove(id);
    }

    int live() {
        return sessions.size();
    }

    /** Whether {@code signature} over {@code data} is by {@code cert}'s key, in any of the encodings browsers and tools produce. */
    static boolean verifies(X509Certificate cert, byte[] data, byte[] signature) {
        String alg = cert.getPublicKey().getAlgorithm();
        String[] tries = alg.equals("EC") ? new String[]{"SHA256withECDSAinP1363Format", "SHA256withECDSA"}
                : alg.equals("RSA") ? new String[]{"SHA256withRSA"} : new String[0];
        for (String t : tries) {
            try {
                Signature v = Signature.getInstance(t);
                v.initVerify(cert.getPublicKey());
                v.update(data);
                if (v.verify(signature)) return true;
            } catch (GeneralSecurityException | RuntimeException notThisEncoding) {
                // the next encoding
            }
        }
        return false;
    }

    /**
     * An ECDSA signature of {@code data} as Java and the nodes verify it (DER): a browser's IEEE P1363
     * {@code r||s} that verifies as such is re-encoded (the signed value is the same); anything else
     * passes unchanged, for the receiver's own check to accept or refuse.
     */
    public static byte[] der(X509Certificate cert, byte[] data, byte[] signature) {
        if (!cert.getPublicKey().getAlgorithm().equals("EC") || signature.length % 2 != 0) return signature;
        try {
            Signature v = Signature.getInstance("SHA256withECDSAinP1363Format");
            v.initVerify(cert.getPublicKey());
            v.update(data);
            if (!v.verify(signature)) return signature;
        } catch (GeneralSecurityException | RuntimeException notP1363) {
            return signature;
        }
        int half = signature.length / 2;
        byte[] r = integer(java.util.Arrays.copyOfRange(signature, 0, half));
        byte[] s = integer(java.util.Arrays.copyOfRange(signature, half, signature.length));
        int len = r.length + s.length;
        java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
        out.write(0x30);
        if (len > 127) out.write(0x81);
        out.write(len);
        out.writeBytes(r);
        out.writeBytes(s);
        return out.toByteArray();
    }

    private static byte[] integer(byte[] unsigned) {
        byte[] v = new BigInteger(1, unsigned).toByteArray();
        byte[] out = new byte[v.length + 2];
        out[0] = 0x02;
        out[1] = (byte) v.length;
        System.arraycopy(v, 0, out, 2, v.length);
        return out;
    }

    private static String token() {
        byte[] b = new byte[32];
        RANDOM.nextBytes(b);
        return Base64.getUrlEncoder().withoutPadding().encodeToString(b);
    }

    private static ApiException refused(String why) {
        return new ApiException(new Problem(401, "Unauthorized", "MeshFL-" + io.meshfl.core.ErrorCode.POLICY_VIOLATION.number() + " POLICY_VIOLATION", why));
    }
}

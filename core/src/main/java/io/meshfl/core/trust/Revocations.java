package io.meshfl.core.trust;

import io.meshfl.core.ErrorCode;
import io.meshfl.core.MeshflException;

import java.io.IOException;
import java.math.BigInteger;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.security.GeneralSecurityException;
import java.security.cert.X509CRL;
import java.security.cert.X509CRLEntry;
import java.security.cert.X509Certificate;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * The revoked serials of the mesh CA's {@code crl.pem}, re-read when the file changes, so that
 * {@code meshfl certs revoke} takes effect on a running coordinator without a restart. A CRL not
 * signed by the mesh CA is refused rather than ignored: a forged empty list must not un-revoke.
 */
public final class Revocations {

    /** Checking the file at most once a second keeps a stat call off most RPCs. */
    private static final long RECHECK_NANOS = 1_000_000_000L;

    private final Path file;
    private final X509Certificate ca;
    private Set<BigInteger> revoked = Set.of();
    private FileTime loadedAt;
    private long lastCheck = System.nanoTime() - 2 * RECHECK_NANOS;

    /** @param file the CRL; may be absent (nothing revoked) or null (revocation not checked) */
    public Revocations(Path file, X509Certificate ca) {
        this.file = file;
        this.ca = ca;
        refresh(true);
    }

    public synchronized boolean isRevoked(BigInteger serial) {
        refresh(false);
        return revoked.contains(serial);
    }

    private synchronized void refresh(boolean force) {
        if (file == null) return;
        long now = System.nanoTime();
        if (!force && now - lastCheck < RECHECK_NANOS) return;
        lastCheck = now;
        try {
            if (!Files.exists(file)) {
                revoked = Set.of();
                loadedAt = null;
                return;
            }
            FileTime t = Files.getLastModifiedTime(file);
            if (t.equals(loadedAt)) return;
            X509CRL crl = Pem.crl(file);
            crl.verify(ca.getPublicKey());
            Set<? extends X509CRLEntry> entries = crl.getRevokedCertificates();
            revoked = entries == null ? Set.of() : entries.stream().map(X509CRLEntry::getSerialNumber).collect(Collectors.toUnmodifiableSet());
            loadedAt = t;
        } catch (IOException | GeneralSecurityException e) {
            throw new MeshflException(ErrorCode.CRYPTO_FAILURE, file + " is not a revocation list signed by the mesh CA: " + e.getMessage());
        }
    }
}

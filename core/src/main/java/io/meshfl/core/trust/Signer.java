package io.meshfl.core.trust;

import io.meshfl.core.ErrorCode;
import io.meshfl.core.MeshflException;

import org.bouncycastle.jce.provider.BouncyCastleProvider;

import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.PrivateKey;
import java.security.Provider;
import java.security.PublicKey;
import java.security.Signature;
import java.security.cert.X509Certificate;
import java.security.spec.X509EncodedKeySpec;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * A mesh identity that can sign: its certificate and private key. Submitters sign job tickets,
 * the coordinator signs the heads of its audit and ledger chains. ECDSA P-256 or RSA, with
 * SHA-256, whichever key the mesh CA issued.
 *
 * <p>Signing uses the JDK's provider. ECDSA signatures are checked with BouncyCastle on a key
 * converted once per certificate, whose point keeps its precomputed multiples: a check then takes
 * a fraction of the JDK's (see the trust benchmark), and every run checks several (the ticket on
 * each node and at the coordinator, the seal on each node). Verification handles public data
 * only, so nothing secret depends on that implementation's timing.
 */
public final class Signer {

    private static final Provider BC = new BouncyCastleProvider();
    /** EC public keys as BouncyCastle keys, by encoding; a mesh has few identities, the bound only guards memory. */
    private static final Map<ByteBuffer, PublicKey> EC_KEYS = new ConcurrentHashMap<>();
    private static final int MAX_KEYS = 4096;

    private final X509Certificate certificate;
    private final PrivateKey key;
    private final MeshIdentity identity;

    private Signer(X509Certificate certificate, PrivateKey key) {
        this.certificate = certificate;
        this.key = key;
        this.identity = MeshIdentity.of(certificate).orElseThrow(() -> new MeshflException(ErrorCode.CRYPTO_FAILURE,
                "certificate of " + certificate.getSubjectX500Principal().getName() + " carries no meshfl:// identity"));
    }

    public static Signer of(X509Certificate certificate, PrivateKey key) {
        return new Signer(certificate, key);
    }

    /** Reads a certificate and its key (refused if others may read the key file). */
    public static Signer load(Path certFile, Path keyFile) {
        PrivateFiles.requirePrivateFile(keyFile, "private key");
        X509Certificate cert = Pem.certificate(certFile);
        return new Signer(cert, Pem.privateKey(keyFile, cert.getPublicKey().getAlgorithm()));
    }

    public MeshIdentity identity() {
        return identity;
    }

    public X509Certificate certificate() {
        return certificate;
    }

    public byte[] sign(byte[] data) {
        try {
            Signature s = Signature.getInstance(algorithm(key.getAlgorithm()));
            s.initSign(key);
            s.update(data);
            return s.sign();
        } catch (GeneralSecurityException e) {
            throw new MeshflException(ErrorCode.CRYPTO_FAILURE, "cannot sign as " + identity.describe() + ": " + e.getMessage(), e);
        }
    }

    /** Whether {@code signature} over {@code data} was made with the key of {@code certificate}. */
    public static boolean verify(X509Certificate certificate, byte[] data, byte[] signature) {
        try {
            PublicKey pub = certificate.getPublicKey();
            Signature s;
            if (pub.getAlgorithm().equals("EC")) {
                s = Signature.getInstance("SHA256withECDSA", BC);
                pub = bouncyCastleKey(pub);
            } else {
                s = Signature.getInstance(algorithm(pub.getAlgorithm()));
            }
            s.initVerify(pub);
            s.update(data);
            return s.verify(signature);
        } catch (GeneralSecurityException | IllegalArgumentException e) {
            return false;
        }
    }

    private static PublicKey bouncyCastleKey(PublicKey pub) throws GeneralSecurityException {
        ByteBuffer encoded = ByteBuffer.wrap(pub.getEncoded());
        PublicKey known = EC_KEYS.get(encoded);
        if (known != null) return known;
        PublicKey converted = KeyFactory.getInstance("EC", BC).generatePublic(new X509EncodedKeySpec(encoded.array()));
        if (EC_KEYS.size() >= MAX_KEYS) EC_KEYS.clear();
        EC_KEYS.put(encoded, converted);
        return converted;
    }

    private static String algorithm(String keyAlgorithm) {
        return keyAlgorithm.equals("RSA") ? "SHA256withRSA" : "SHA256withECDSA";
    }
}

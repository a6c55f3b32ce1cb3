package io.meshfl.core.trust;

import io.meshfl.core.ErrorCode;
import io.meshfl.core.MeshflException;

import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.Signature;
import java.security.cert.X509Certificate;

/**
 * A mesh identity that can sign: its certificate and private key. Submitters sign job tickets,
 * the coordinator signs the heads of its audit and ledger chains. ECDSA P-256 or RSA, with
 * SHA-256, whichever key the mesh CA issued.
 */
public final class Signer {

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
            Signature s = Signature.getInstance(algorithm(pub.getAlgorithm()));
            s.initVerify(pub);
            s.update(data);
            return s.verify(signature);
        } catch (GeneralSecurityException | IllegalArgumentException e) {
            return false;
        }
    }

    private static String algorithm(String keyAlgorithm) {
        return keyAlgorithm.equals("RSA") ? "SHA256withRSA" : "SHA256withECDSA";
    }
}

package io.meshfl.core.trust;

import io.meshfl.core.ErrorCode;
import io.meshfl.core.MeshflException;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.PrivateKey;
import java.security.cert.CertificateFactory;
import java.security.cert.X509CRL;
import java.security.cert.X509Certificate;
import java.security.spec.PKCS8EncodedKeySpec;
import java.util.Base64;

/** Reads the PEM files of a mesh folder, with errors that name the file. */
public final class Pem {

    private Pem() {
    }

    public static X509Certificate certificate(Path file) {
        try (InputStream in = open(file)) {
            return (X509Certificate) CertificateFactory.getInstance("X.509").generateCertificate(in);
        } catch (IOException | GeneralSecurityException e) {
            throw new MeshflException(ErrorCode.CRYPTO_FAILURE, file + " is not a PEM certificate: " + e.getMessage());
        }
    }

    public static X509CRL crl(Path file) {
        try (InputStream in = open(file)) {
            return (X509CRL) CertificateFactory.getInstance("X.509").generateCRL(in);
        } catch (IOException | GeneralSecurityException e) {
            throw new MeshflException(ErrorCode.CRYPTO_FAILURE, file + " is not a PEM certificate revocation list: " + e.getMessage());
        }
    }

    /** An unencrypted PKCS#8 key ("BEGIN PRIVATE KEY"), the form gRPC's Netty transport reads too. */
    public static PrivateKey privateKey(Path file, String algorithm) {
        try {
            String pem = Files.readString(file);
            int start = pem.indexOf("-----BEGIN PRIVATE KEY-----");
            int end = pem.indexOf("-----END PRIVATE KEY-----");
            if (start < 0 || end < 0) throw new GeneralSecurityException("expected a PKCS#8 'BEGIN PRIVATE KEY' block");
            byte[] der = Base64.getMimeDecoder().decode(pem.substring(start + "-----BEGIN PRIVATE KEY-----".length(), end));
            return KeyFactory.getInstance(algorithm).generatePrivate(new PKCS8EncodedKeySpec(der));
        } catch (java.nio.file.NoSuchFileException e) {
            throw new MeshflException(ErrorCode.CRYPTO_FAILURE, "missing key file " + file);
        } catch (IOException | GeneralSecurityException | IllegalArgumentException e) {
            throw new MeshflException(ErrorCode.CRYPTO_FAILURE, file + " is not a PEM private key: " + e.getMessage());
        }
    }

    private static InputStream open(Path file) throws IOException {
        if (!Files.exists(file)) throw new MeshflException(ErrorCode.CRYPTO_FAILURE, "missing file " + file);
        return Files.newInputStream(file);
    }
}

package io.meshfl.wire.tls;

import io.meshfl.core.ErrorCode;
import io.meshfl.core.MeshflException;
import io.meshfl.core.trust.MeshIdentity;
import io.meshfl.core.trust.Pem;
import io.meshfl.core.trust.PrivateFiles;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x509.BasicConstraints;
import org.bouncycastle.asn1.x509.CRLReason;
import org.bouncycastle.asn1.x509.ExtendedKeyUsage;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.asn1.x509.KeyPurposeId;
import org.bouncycastle.asn1.x509.KeyUsage;
import org.bouncycastle.cert.X509CertificateHolder;
import org.bouncycastle.cert.X509v2CRLBuilder;
import org.bouncycastle.cert.X509v3CertificateBuilder;
import org.bouncycastle.cert.jcajce.JcaX509CRLConverter;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509ExtensionUtils;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.openssl.jcajce.JcaPEMWriter;
import org.bouncycastle.openssl.jcajce.JcaPKCS8Generator;
import org.bouncycastle.operator.ContentSigner;
import org.bouncycastle.operator.OperatorCreationException;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;

import java.io.IOException;
import java.io.StringWriter;
import java.math.BigInteger;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.PrivateKey;
import java.security.SecureRandom;
import java.security.cert.X509CRL;
import java.security.cert.X509CRLEntry;
import java.security.cert.X509Certificate;
import java.security.spec.ECGenParameterSpec;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Date;
import java.util.List;

/**
 * The mesh's certificate authority, kept in one folder: {@code ca.pem} / {@code ca-key.pem}, one
 * {@code <name>.pem} / {@code <name>-key.pem} pair per identity (the coordinator, each domain,
 * each client as {@code client-<name>}), and {@code crl.pem}, an X.509 CRL signed by the CA that
 * lists revoked serials. The CA signs leaf certificates directly: no intermediates to manage.
 */
public final class CertificateAuthority {

    /** Key algorithm for the CA and everything it issues. */
    public enum KeyType {
        /** EC P-256 with ECDSA/SHA-256: the default; small keys and the cheapest handshakes. */
        EC,
        /** RSA 3072 with SHA-256, for sites whose policy asks for RSA. */
        RSA
    }

    public static final String CA = "ca";
    public static final String CRL = "crl.pem";
    private static final SecureRandom RANDOM = new SecureRandom();

    private final Path dir;
    private final X509Certificate caCert;
    private final PrivateKey caKey;

    private CertificateAuthority(Path dir, X509Certificate caCert, PrivateKey caKey) {
        this.dir = dir;
        this.caCert = caCert;
        this.caKey = caKey;
    }

    /** Creates a new CA in {@code dir} (refusing to overwrite one) with an empty revocation list. */
    public static CertificateAuthority create(Path dir, KeyType type, String meshName, int days) {
        if (Files.exists(dir.resolve(CA + ".pem"))) {
            throw new MeshflException(ErrorCode.CRYPTO_FAILURE, dir.resolve(CA + ".pem") + " exists already; "
                    + "a mesh has one CA (use 'meshfl certs add' to issue more certificates)");
        }
        requireDays(days, "the CA certificate");
        PrivateFiles.directory(dir, "key folder");
        try {
            KeyPair kp = generate(type);
            X500Name subject = new X500Name("CN=MeshFL CA " + meshName + ",O=MeshFL");
            Instant now = Instant.now();
            X509v3CertificateBuilder b = new JcaX509v3CertificateBuilder(subject, serial(), Date.from(now.minusSeconds(60)),
                    Date.from(now.plus(Duration.ofDays(days))), subject, kp.getPublic());
            JcaX509ExtensionUtils ext = new JcaX509ExtensionUtils();
            b.addExtension(Extension.basicConstraints, true, new BasicConstraints(0));
            b.addExtension(Extension.keyUsage, true, new KeyUsage(KeyUsage.keyCertSign | KeyUsage.cRLSign));
            b.addExtension(Extension.subjectKeyIdentifier, false, ext.createSubjectKeyIdentifier(kp.getPublic()));
            X509Certificate cert = convert(b.build(signer(kp.getPrivate())));
            writePem(dir.resolve(CA + ".pem"), cert, false);
            writePem(dir.resolve(CA + "-key.pem"), new JcaPKCS8Generator(kp.getPrivate(), null).generate(), true);
            CertificateAuthority ca = new CertificateAuthority(dir, cert, kp.getPrivate());
            ca.writeCrl(List.of());
            return ca;
        } catch (IOException | GeneralSecurityException | OperatorCreationException e) {
            throw new MeshflException(ErrorCode.CRYPTO_FAILURE, "cannot create the mesh CA in " + dir + ": " + e.getMessage());
        }
    }

    /** Opens the CA in {@code dir}; its private key must be there (issuing and revoking need it). */
    public static CertificateAuthority open(Path dir) {
        PrivateFiles.directory(dir, "key folder");
        X509Certificate cert = Pem.certificate(dir.resolve(CA + ".pem"));
        PrivateKey key = Pem.privateKey(dir.resolve(CA + "-key.pem"), cert.getPublicKey().getAlgorithm());
        return new CertificateAuthority(dir, cert, key);
    }

    public X509Certificate certificate() {
        return caCert;
    }

    public Path dir() {
        return dir;
    }

    /** File stem of an identity's certificate and key in the folder. */
    public static String stem(MeshIdentity.Role role, String name) {
        return switch (role) {
            case COORDINATOR -> "coordinator";
            case DOMAIN -> name;
            case CLIENT -> "client-" + name;
        };
    }

    /** Issues a certificate valid from now for {@code days}; see {@link #issue(MeshIdentity.Role, String, Instant, Instant)}. */
    public X509Certificate issue(MeshIdentity.Role role, String name, int days) {
        requireDays(days, "the certificate of " + MeshIdentity.label(role, name));
        Instant now = Instant.now();
        return issue(role, name, now.minusSeconds(60), now.plus(Duration.ofDays(days)));
    }

    /**
     * Issues and writes {@code <stem>.pem} and {@code <stem>-key.pem}, refusing to overwrite an
     * existing certificate (revoke it first). The key pair has the CA's algorithm.
     */
    public X509Certificate issue(MeshIdentity.Role role, String name, Instant notBefore, Instant notAfter) {
        return issue(role, name, notBefore, notAfter, List.of());
    }

    /**
     * As {@link #issue(MeshIdentity.Role, String, int)}, the certificate also naming {@code hosts}
     * (DNS names or IP addresses) for clients that check a server's host name, such as browsers and
     * HTTP clients of the REST API; the mesh identity stays the {@code meshfl://} URI.
     */
    public X509Certificate issue(MeshIdentity.Role role, String name, int days, List<String> hosts) {
        requireDays(days, "the certificate of " + MeshIdentity.label(role, name));
        Instant now = Instant.now();
        return issue(role, name, now.minusSeconds(60), now.plus(Duration.ofDays(days)), hosts);
    }

    private X509Certificate issue(MeshIdentity.Role role, String name, Instant notBefore, Instant notAfter, List<String> hosts) {
        if (role == MeshIdentity.Role.DOMAIN && (name.equals("coordinator") || name.equals(CA) || name.equals("crl") || name.startsWith("client-"))) {
            throw new MeshflException(ErrorCode.CRYPTO_FAILURE, "'" + name + "' cannot name a domain here: its files would clash with "
                    + "the CA, the CRL, the coordinator or a client");
        }
        String stem = stem(role, name);
        Path certFile = dir.resolve(stem + ".pem");
        if (Files.exists(certFile) && !revoked(Pem.certificate(certFile).getSerialNumber())) {
            throw new MeshflException(ErrorCode.CRYPTO_FAILURE, certFile + " exists and is not revoked; revoke it before issuing a new one");
        }
        try {
            KeyPair kp = generate(KeyType.valueOf(caCert.getPublicKey().getAlgorithm().equals("RSA") ? "RSA" : "EC"));
            String cn = role == MeshIdentity.Role.COORDINATOR ? "MeshFL coordinator" : "MeshFL " + role.name().toLowerCase(java.util.Locale.ROOT) + " " + name;
            X509v3CertificateBuilder b = new JcaX509v3CertificateBuilder(caCert, serial(), Date.from(notBefore), Date.from(notAfter),
                    new X500Name("CN=" + cn + ",O=MeshFL"), kp.getPublic());
            JcaX509ExtensionUtils ext = new JcaX509ExtensionUtils();
            b.addExtension(Extension.basicConstraints, true, new BasicConstraints(false));
            b.addExtension(Extension.keyUsage, true, new KeyUsage(KeyUsage.digitalSignature | KeyUsage.keyEncipherment));
            // every mesh party is both a TLS server and a TLS client (nodes serve the coordinator and call it)
            b.addExtension(Extension.extendedKeyUsage, false,
                    new ExtendedKeyUsage(new KeyPurposeId[]{KeyPurposeId.id_kp_serverAuth, KeyPurposeId.id_kp_clientAuth}));
            List<GeneralName> names = new java.util.ArrayList<>();
            names.add(new GeneralName(GeneralName.uniformResourceIdentifier, MeshIdentity.uri(role, name)));
            for (String h : hosts) {
                boolean ip = h.matches("[0-9.]+") || h.contains(":");
                if (!ip && !h.matches("[A-Za-z0-9.-]+")) throw new MeshflException(ErrorCode.CRYPTO_FAILURE, "host '" + h + "' is neither a DNS name nor an IP address");
                names.add(new GeneralName(ip ? GeneralName.iPAddress : GeneralName.dNSName, h));
            }
            b.addExtension(Extension.subjectAlternativeName, false, new GeneralNames(names.toArray(GeneralName[]::new)));
            b.addExtension(Extension.subjectKeyIdentifier, false, ext.createSubjectKeyIdentifier(kp.getPublic()));
            b.addExtension(Extension.authorityKeyIdentifier, false, ext.createAuthorityKeyIdentifier(caCert));
            X509Certificate cert = convert(b.build(signer(caKey)));
            writePem(dir.resolve(stem + "-key.pem"), new JcaPKCS8Generator(kp.getPrivate(), null).generate(), true);
            writePem(certFile, cert, false);
            return cert;
        } catch (IOException | GeneralSecurityException | OperatorCreationException e) {
            throw new MeshflException(ErrorCode.CRYPTO_FAILURE, "cannot issue a certificate for " + name + ": " + e.getMessage());
        }
    }

    /** Refuses a validity that would issue a certificate already expired (or expiring within the day). */
    private static void requireDays(int days, String what) {
        if (days < 1) {
            throw new MeshflException(ErrorCode.CRYPTO_FAILURE, "--days " + days + ": " + what + " must be valid for at least 1 day");
        }
    }

    /** Adds the certificate of {@code <stem>.pem} to the CRL and re-signs it; returns its serial. */
    public BigInteger revoke(String stem) {
        Path certFile = dir.resolve(stem + ".pem");
        if (!Files.exists(certFile)) throw new MeshflException(ErrorCode.CRYPTO_FAILURE, "no certificate " + certFile + " to revoke");
        BigInteger serial = Pem.certificate(certFile).getSerialNumber();
        List<BigInteger> serials = new ArrayList<>(revokedSerials());
        if (!serials.contains(serial)) serials.add(serial);
        writeCrl(serials);
        return serial;
    }

    public boolean revoked(BigInteger serial) {
        return revokedSerials().contains(serial);
    }

    /** The serials on the current CRL. */
    public List<BigInteger> revokedSerials() {
        Path f = dir.resolve(CRL);
        if (!Files.exists(f)) return List.of();
        X509CRL crl = Pem.crl(f);
        var entries = crl.getRevokedCertificates();
        return entries == null ? List.of() : entries.stream().map(X509CRLEntry::getSerialNumber).toList();
    }

    private void writeCrl(List<BigInteger> serials) {
        try {
            Instant now = Instant.now();
            X509v2CRLBuilder b = new X509v2CRLBuilder(X500Name.getInstance(caCert.getSubjectX500Principal().getEncoded()), Date.from(now));
            // the coordinator re-reads the file when it changes; nextUpdate only tells other tools when to look again
            b.setNextUpdate(Date.from(now.plus(Duration.ofDays(30))));
            for (BigInteger s : serials) b.addCRLEntry(s, Date.from(now), CRLReason.keyCompromise);
            X509CRL crl = new JcaX509CRLConverter().getCRL(b.build(signer(caKey)));
            writePem(dir.resolve(CRL), crl, false);
        } catch (IOException | GeneralSecurityException | OperatorCreationException e) {
            throw new MeshflException(ErrorCode.CRYPTO_FAILURE, "cannot write the revocation list in " + dir + ": " + e.getMessage());
        }
    }

    private static KeyPair generate(KeyType type) throws GeneralSecurityException {
        if (type == KeyType.RSA) {
            KeyPairGenerator g = KeyPairGenerator.getInstance("RSA");
            g.initialize(3072, RANDOM);
            return g.generateKeyPair();
        }
        KeyPairGenerator g = KeyPairGenerator.getInstance("EC");
        g.initialize(new ECGenParameterSpec("secp256r1"), RANDOM);
        return g.generateKeyPair();
    }

    private static ContentSigner signer(PrivateKey key) throws OperatorCreationException {
        return new JcaContentSignerBuilder(key.getAlgorithm().equals("RSA") ? "SHA256withRSA" : "SHA256withECDSA").build(key);
    }

    /** Positive, 127 bits: unguessable and within RFC 5280's 20-octet limit. */
    private static BigInteger serial() {
        return new BigInteger(127, RANDOM).add(BigInteger.ONE);
    }

    private static X509Certificate convert(X509CertificateHolder h) throws GeneralSecurityException {
        return new JcaX509CertificateConverter().getCertificate(h);
    }

    private static void writePem(Path file, Object o, boolean secret) throws IOException {
        StringWriter sw = new StringWriter();
        try (JcaPEMWriter w = new JcaPEMWriter(sw)) {
            w.writeObject(o);
        }
        Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
        Files.writeString(tmp, sw.toString());
        if (secret) {
            try {
                Files.setPosixFilePermissions(tmp, PosixFilePermissions.fromString("rw-------"));
            } catch (UnsupportedOperationException e) {
                // not a POSIX file system: the folder's own permissions protect the key
            }
        }
        // write-then-rename, so a coordinator re-reading crl.pem never sees half a file
        Files.move(tmp, file, java.nio.file.StandardCopyOption.REPLACE_EXISTING, java.nio.file.StandardCopyOption.ATOMIC_MOVE);
    }
}

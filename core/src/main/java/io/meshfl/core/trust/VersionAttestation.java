package io.meshfl.core.trust;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.meshfl.core.ErrorCode;
import io.meshfl.core.MeshflException;

import java.io.IOException;
import java.math.BigInteger;
import java.nio.ByteBuffer;
import java.security.cert.CertificateEncodingException;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.util.Objects;
import java.util.function.Predicate;

/**
 * A domain node's signed word that it serves a product at a version, bound to one standing
 * retraining ticket (its nonce). A challenger of a job over several domains often reads a new
 * version of one domain's product only; the other nodes cannot see that product, and the
 * coordinator's word that it changed is worth nothing against a compromised coordinator. The
 * signature of the product's own domain, under the mesh CA, is: it lets a node whose products did
 * not change count the other's new version, once, under that ticket.
 *
 * @param statement the signed bytes (a {@link Statement} as JSON)
 */
public record VersionAttestation(byte[] statement, byte[] certificate, byte[] signature) {

    /** How long an attestation is taken after its node signed it: a challenger starts right after asking. */
    public static final Duration MAX_AGE = Duration.ofHours(24);

    private static final ObjectMapper JSON = new ObjectMapper().disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES);

    /** What the node says: domain serves product at version, its contract hashing to contractSha256, for standing ticket nonce. */
    public record Statement(String kind, String domain, String product, String version, String contractSha256, String nonce, long issuedAtMillis) {

        public static final String KIND = "served-version";

        public Statement {
            if (!KIND.equals(kind)) throw new IllegalArgumentException("kind must be " + KIND);
            Objects.requireNonNull(domain, "domain");
            Objects.requireNonNull(product, "product");
            Objects.requireNonNull(version, "version");
            Objects.requireNonNull(contractSha256, "contractSha256");
            Objects.requireNonNull(nonce, "nonce");
        }

        public String describe() {
            return "domain " + domain + "'s attestation of " + product + " version " + version;
        }
    }

    public VersionAttestation {
        statement = statement.clone();
        certificate = certificate == null ? new byte[0] : certificate.clone();
        signature = signature == null ? new byte[0] : signature.clone();
    }

    /** Signed by {@code signer}, a certificate of {@code domain}'s node. */
    public static VersionAttestation sign(Signer signer, String domain, String product, String version, String contractSha256, String nonce) {
        byte[] s = encode(new Statement(Statement.KIND, domain, product, version, contractSha256, nonce, System.currentTimeMillis()));
        try {
            return new VersionAttestation(s, signer.certificate().getEncoded(), signer.sign(s));
        } catch (CertificateEncodingException e) {
            throw new MeshflException(ErrorCode.CRYPTO_FAILURE, "cannot encode the certificate of " + signer.identity().describe(), e);
        }
    }

    /** What a node without a certificate answers (a plaintext trial mesh): a statement nobody signed. */
    public static VersionAttestation unsigned(String domain, String product, String version, String contractSha256, String nonce) {
        return new VersionAttestation(encode(new Statement(Statement.KIND, domain, product, version, contractSha256, nonce,
                System.currentTimeMillis())), null, null);
    }

    /** The statement inside (not verified); POLICY_VIOLATION when it is no statement. */
    public Statement content() {
        try {
            return JSON.readValue(statement, Statement.class);
        } catch (IOException | IllegalArgumentException | NullPointerException e) {
            throw refuse("a served-version attestation is malformed: " + e.getMessage());
        }
    }

    /**
     * The statement, when it is for standing ticket {@code nonce}, signed over exactly these bytes by
     * a certificate of the mesh CA valid and unrevoked now whose identity is the product's domain
     * (the product id's prefix), and signed no longer ago than {@link #MAX_AGE}; otherwise a
     * POLICY_VIOLATION saying why. With {@code ca} null (a plaintext trial mesh, where tickets too
     * are taken at their word) only the statement's own fields are checked.
     */
    public Statement verify(String nonce, X509Certificate ca, Predicate<BigInteger> revoked, Instant now) {
        Statement s = content();
        String what = s.describe();
        if (!s.product().startsWith(s.domain() + ".")) throw refuse(what + " names a product of another domain");
        if (!s.nonce().equals(nonce)) throw refuse(what + " was made for another standing ticket (nonce " + s.nonce() + ", not " + nonce + ")");
        Instant issued = Instant.ofEpochMilli(s.issuedAtMillis());
        if (issued.isAfter(now.plus(TicketVerifier.CLOCK_SKEW)) || issued.isBefore(now.minus(MAX_AGE))) {
            throw refuse(what + " was signed at " + issued + ", not within " + MAX_AGE.toHours() + " h of now (" + now + ")");
        }
        if (ca == null) return s;
        if (signature.length == 0) throw refuse(what + " is not signed; this mesh takes a product's version only from its domain's signature");
        MeshCertificates.requireDomainSignature(certificate, statement, signature, s.domain(), ca, revoked, now, what);
        return s;
    }

    /** One blob: three length-prefixed parts. */
    public byte[] encode() {
        return ByteBuffer.allocate(12 + statement.length + certificate.length + signature.length).putInt(statement.length).put(statement)
                .putInt(certificate.length).put(certificate).putInt(signature.length).put(signature).array();
    }

    public static VersionAttestation decode(byte[] blob) {
        try {
            ByteBuffer b = ByteBuffer.wrap(blob);
            byte[] s = StandingRun.part(b);
            byte[] c = StandingRun.part(b);
            byte[] g = StandingRun.part(b);
            if (b.hasRemaining()) throw new IllegalArgumentException("trailing bytes");
            return new VersionAttestation(s, c, g);
        } catch (RuntimeException e) {
            throw refuse("a served-version attestation is malformed (" + e.getMessage() + ")");
        }
    }

    private static byte[] encode(Statement s) {
        try {
            return JSON.writeValueAsBytes(s);
        } catch (IOException e) {
            throw new MeshflException(ErrorCode.INTERNAL, "cannot encode a served-version attestation: " + e.getMessage(), e);
        }
    }

    private static MeshflException refuse(String why) {
        return new MeshflException(ErrorCode.POLICY_VIOLATION, why);
    }
}

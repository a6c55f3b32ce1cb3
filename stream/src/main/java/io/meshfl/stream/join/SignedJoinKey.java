package io.meshfl.stream.join;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.meshfl.core.ErrorCode;
import io.meshfl.core.MeshflException;
import io.meshfl.core.trust.MeshCertificates;
import io.meshfl.core.trust.MeshIdentity;
import io.meshfl.core.trust.Signer;

import java.io.IOException;
import java.math.BigInteger;
import java.security.cert.CertificateEncodingException;
import java.security.cert.X509Certificate;
import java.time.Instant;
import java.util.Base64;
import java.util.HexFormat;
import java.util.Locale;
import java.util.Objects;
import java.util.function.Predicate;

/**
 * A party's public key for one stream join, signed by its domain node's certificate under the mesh
 * CA. Without it the two public keys are swapped as plain files, and whoever can change one in
 * transit sits between the parties: it agrees a key with each and reads, or makes, every id that
 * crosses. Signed, a key is taken only when the mesh CA vouches for the signing certificate (valid,
 * not revoked), the certificate is the expected domain's, and the statement names this very job and
 * the other side, so a key cannot be replayed into another job or passed off as the other party's.
 *
 * @param statement the signed bytes (a {@link Statement} as JSON)
 */
public record SignedJoinKey(byte[] statement, byte[] certificate, byte[] signature) {

    private static final ObjectMapper JSON = new ObjectMapper().disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES);

    /** What the node says: domain's party on {@code side} of stream join {@code job} holds {@code publicKey} (hex). */
    public record Statement(String kind, String domain, String job, String side, String publicKey, long issuedAtMillis) {

        public static final String KIND = "stream-join-key";

        public Statement {
            if (!KIND.equals(kind)) throw new IllegalArgumentException("kind must be " + KIND);
            Objects.requireNonNull(domain, "domain");
            Objects.requireNonNull(job, "job");
            Objects.requireNonNull(side, "side");
            Objects.requireNonNull(publicKey, "publicKey");
        }

        String describe() {
            return "domain " + domain + "'s " + side + " key for stream join '" + job + "'";
        }
    }

    /** The file form: the three parts in base64, in JSON. */
    private record File(String statement, String certificate, String signature) {
    }

    public SignedJoinKey {
        statement = statement.clone();
        certificate = certificate.clone();
        signature = signature.clone();
    }

    /** {@code publicKey} signed by {@code signer}, a certificate of the domain whose party it is. */
    public static SignedJoinKey sign(Signer signer, String job, JoinSpec.Side side, byte[] publicKey) {
        MeshIdentity id = signer.identity();
        if (id.role() != MeshIdentity.Role.DOMAIN) {
            throw new IllegalArgumentException("a stream join's key is signed by its domain node's certificate, not by " + id.label());
        }
        byte[] s;
        try {
            s = JSON.writeValueAsBytes(new Statement(Statement.KIND, id.name(), job, side.name().toLowerCase(Locale.ROOT),
                    HexFormat.of().formatHex(publicKey), System.currentTimeMillis()));
            return new SignedJoinKey(s, signer.certificate().getEncoded(), signer.sign(s));
        } catch (IOException | CertificateEncodingException e) {
            throw new MeshflException(ErrorCode.CRYPTO_FAILURE, "cannot sign the stream join key as " + id.describe() + ": " + e.getMessage(), e);
        }
    }

    /**
     * The public key, when the statement is for {@code job}, for {@code side} (the other party's), signed over exactly
     * these bytes by a certificate of the mesh CA valid now and not revoked whose identity is {@code domain}; otherwise
     * a POLICY_VIOLATION saying why.
     */
    public byte[] verify(String job, JoinSpec.Side side, String domain, X509Certificate ca, Predicate<BigInteger> revoked, Instant now) {
        Statement s;
        try {
            s = JSON.readValue(statement, Statement.class);
        } catch (IOException | IllegalArgumentException e) {
            throw refuse("the signed stream join key is malformed: " + e.getMessage());
        }
        String what = s.describe();
        if (!s.job().equals(job)) throw refuse(what + " was signed for another join than '" + job + "'");
        if (!s.side().equals(side.name().toLowerCase(Locale.ROOT))) {
            throw refuse(what + " is not the " + side.name().toLowerCase(Locale.ROOT) + "'s key this party needs");
        }
        if (!s.domain().equals(domain)) throw refuse(what + " is not domain " + domain + "'s, which this party expects");
        MeshCertificates.requireDomainSignature(certificate, statement, signature, s.domain(), ca, revoked, now, what);
        try {
            byte[] key = HexFormat.of().parseHex(s.publicKey());
            if (key.length != JoinKey.KEY_BYTES) throw refuse(what + " holds no X25519 public key");
            return key;
        } catch (IllegalArgumentException e) {
            throw refuse(what + " holds no X25519 public key");
        }
    }

    /** The file {@code meshfl stream keys --sign-cert} writes. */
    public byte[] encode() {
        try {
            Base64.Encoder b = Base64.getEncoder();
            return JSON.writerWithDefaultPrettyPrinter().writeValueAsBytes(new File(b.encodeToString(statement), b.encodeToString(certificate),
                    b.encodeToString(signature)));
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Reads a file {@link #encode} wrote; POLICY_VIOLATION when it is none. */
    public static SignedJoinKey decode(byte[] file) {
        try {
            File f = JSON.readValue(file, File.class);
            Base64.Decoder d = Base64.getDecoder();
            return new SignedJoinKey(d.decode(f.statement()), d.decode(f.certificate()), d.decode(f.signature()));
        } catch (IOException | IllegalArgumentException | NullPointerException e) {
            throw refuse("the file is not a signed stream join key (meshfl stream keys --sign-cert writes one)");
        }
    }

    private static MeshflException refuse(String why) {
        return new MeshflException(ErrorCode.POLICY_VIOLATION, why);
    }
}

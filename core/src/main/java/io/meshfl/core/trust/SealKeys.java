package io.meshfl.core.trust;

import io.meshfl.core.ErrorCode;
import io.meshfl.core.MeshflException;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.cert.CertificateEncodingException;
import java.security.cert.CertificateException;
import java.security.cert.X509Certificate;
import java.time.Instant;
import java.util.HexFormat;

/**
 * A node's per-job sealing key, signed with its mesh certificate. Node-to-node payloads are sealed
 * to keys the coordinator relays; were the keys bare, a compromised coordinator (which is also the
 * Paillier arbiter) could hand each node a key of its own, open every sealed payload and decrypt
 * what is inside. A signed key names its job and its domain, so a node takes a peer's key only
 * when the mesh CA vouches that the domain it is relayed for made it, for this job.
 */
public final class SealKeys {

    private static final byte[] MAGIC = "MSK1".getBytes(StandardCharsets.US_ASCII);

    private SealKeys() {
    }

    /** {@code publicKey} signed by {@code signer} (a domain's certificate) for job {@code jobId}. */
    public static byte[] attest(Signer signer, String jobId, byte[] publicKey) {
        byte[] cert;
        try {
            cert = signer.certificate().getEncoded();
        } catch (CertificateEncodingException e) {
            throw new MeshflException(ErrorCode.CRYPTO_FAILURE, "cannot encode this node's certificate: " + e.getMessage());
        }
        byte[] sig = signer.sign(statement(jobId, signer.identity().name(), publicKey));
        ByteBuffer b = ByteBuffer.allocate(MAGIC.length + 12 + publicKey.length + cert.length + sig.length);
        b.put(MAGIC).putInt(publicKey.length).put(publicKey).putInt(cert.length).put(cert).putInt(sig.length).put(sig);
        return b.array();
    }

    /** Whether {@code blob} is a signed key rather than a bare one. */
    public static boolean attested(byte[] blob) {
        return blob.length > MAGIC.length && java.util.Arrays.equals(blob, 0, MAGIC.length, MAGIC, 0, MAGIC.length);
    }

    /**
     * The key {@code blob} carries, when it is signed for job {@code jobId} by an unrevoked
     * certificate of domain {@code domain} issued by the mesh CA; otherwise POLICY_VIOLATION saying why.
     */
    public static byte[] verify(byte[] blob, String jobId, String domain, X509Certificate ca, Revocations revocations, Instant now) {
        String whose = "the sealing key relayed as domain '" + domain + "''s for job " + jobId;
        if (!attested(blob)) throw refuse(whose + " is not signed by its node; this node takes peers' keys only signed");
        byte[] key, certBytes, sig;
        try {
            ByteBuffer b = ByteBuffer.wrap(blob, MAGIC.length, blob.length - MAGIC.length);
            key = take(b);
            certBytes = take(b);
            sig = take(b);
            if (b.hasRemaining()) throw new IllegalArgumentException("trailing bytes");
        } catch (RuntimeException e) {
            throw refuse(whose + " is malformed");
        }
        X509Certificate cert;
        MeshIdentity id;
        try {
            cert = MeshCertificates.decode(certBytes);
            id = MeshCertificates.verify(cert, ca, now);
        } catch (CertificateException e) {
            throw refuse(whose + " is signed with a certificate the mesh CA does not vouch for: " + e.getMessage());
        }
        if (!id.isDomain(domain)) throw refuse(whose + " is signed by " + id.label() + ", not by domain:" + domain);
        if (revocations != null && revocations.isRevoked(cert.getSerialNumber())) throw refuse(whose + " is signed with a revoked certificate");
        if (!Signer.verify(cert, statement(jobId, domain, key), sig)) throw refuse(whose + " does not match its signature (another key, job or domain)");
        return key;
    }

    /** The bare key of a signed or bare blob, unchecked: for meshes without a CA, which take every party at its word. */
    public static byte[] unwrap(byte[] blob) {
        if (!attested(blob)) return blob;
        ByteBuffer b = ByteBuffer.wrap(blob, MAGIC.length, blob.length - MAGIC.length);
        return take(b);
    }

    private static byte[] take(ByteBuffer b) {
        int n = b.getInt();
        if (n < 0 || n > b.remaining()) throw new IllegalArgumentException("length " + n);
        byte[] out = new byte[n];
        b.get(out);
        return out;
    }

    private static byte[] statement(String jobId, String domain, byte[] key) {
        try {
            String hash = HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(key));
            return ("meshfl-seal-key/1\n" + jobId + "\n" + domain + "\n" + hash).getBytes(StandardCharsets.UTF_8);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    private static MeshflException refuse(String why) {
        return new MeshflException(ErrorCode.POLICY_VIOLATION, why);
    }
}

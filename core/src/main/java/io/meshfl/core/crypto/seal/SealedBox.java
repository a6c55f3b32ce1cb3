package io.meshfl.core.crypto.seal;

import io.meshfl.core.ErrorCode;
import io.meshfl.core.MeshflException;
import org.bouncycastle.math.ec.rfc7748.X25519;

import javax.crypto.Cipher;
import javax.crypto.Mac;
import javax.crypto.spec.GCMParameterSpec;
import javax.crypto.spec.SecretKeySpec;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.PublicKey;
import java.security.SecureRandom;
import java.security.spec.X509EncodedKeySpec;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * End-to-end sealing of payloads between two nodes that talk through the coordinator: X25519
 * key agreement, HKDF-SHA256, AES-256-GCM. The coordinator relays sealed bytes it cannot read,
 * which matters where it also holds a decryption key (the Paillier arbiter of vertical learning).
 */
public final class SealedBox {

    private static final SecureRandom RANDOM = new SecureRandom();
    private static final int NONCE = 12;

    /** The DER prefix of an X.509 SubjectPublicKeyInfo for X25519 (RFC 8410), as the JDK writes it; the raw key follows. */
    private static final byte[] X509_PREFIX = HexFormat.of().parseHex("302a300506032b656e032100");
    private static final int KEY_BYTES = 32;

    /** Remembered agreements are capped so that a box handed endless distinct peer keys stays small. */
    private static final int MAX_PEERS = 4096;

    private final byte[] privateKey;
    private final Map<ByteBuffer, byte[]> agreed = new ConcurrentHashMap<>();
    private final byte[] publicKey;

    private SealedBox(byte[] privateKey) {
        this.privateKey = privateKey;
        byte[] raw = new byte[KEY_BYTES];
        X25519.generatePublicKey(privateKey, 0, raw, 0);
        this.publicKey = Arrays.copyOf(X509_PREFIX, X509_PREFIX.length + KEY_BYTES);
        System.arraycopy(raw, 0, publicKey, X509_PREFIX.length, KEY_BYTES);
    }

    /**
     * A fresh X25519 key pair, one per node per job. The scalar multiplications run in
     * BouncyCastle's X25519, several times faster than the JDK's: a secure-aggregation client seals
     * and opens one bundle per neighbour each round.
     */
    public static SealedBox generate() {
        byte[] sk = new byte[KEY_BYTES];
        X25519.generatePrivateKey(RANDOM, sk);
        return new SealedBox(sk);
    }

    /** This side's public key, X.509-encoded, to hand to peers. */
    public byte[] publicKey() {
        return publicKey.clone();
    }

    /** Seals {@code plain} for the holder of {@code peerPublicKey}; {@code context} is bound as associated data. */
    public byte[] seal(byte[] peerPublicKey, String context, byte[] plain) {
        try {
            byte[] nonce = new byte[NONCE];
            RANDOM.nextBytes(nonce);
            Cipher c = Cipher.getInstance("AES/GCM/NoPadding");
            c.init(Cipher.ENCRYPT_MODE, key(peerPublicKey, context), new GCMParameterSpec(128, nonce));
            c.updateAAD(context.getBytes(StandardCharsets.UTF_8));
            byte[] ct = c.doFinal(plain);
            return ByteBuffer.allocate(NONCE + ct.length).put(nonce).put(ct).array();
        } catch (GeneralSecurityException e) {
            throw new MeshflException(ErrorCode.CRYPTO_FAILURE, "sealing for '" + context + "' failed: " + e.getMessage(), e);
        }
    }

    /** Opens bytes sealed by the holder of {@code peerPublicKey}; refuses anything altered in transit. */
    public byte[] open(byte[] peerPublicKey, String context, byte[] sealed) {
        if (sealed.length < NONCE + 16) {
            throw new MeshflException(ErrorCode.CRYPTO_FAILURE, "sealed payload for '" + context + "' is truncated");
        }
        try {
            Cipher c = Cipher.getInstance("AES/GCM/NoPadding");
            c.init(Cipher.DECRYPT_MODE, key(peerPublicKey, context), new GCMParameterSpec(128, sealed, 0, NONCE));
            c.updateAAD(context.getBytes(StandardCharsets.UTF_8));
            return c.doFinal(sealed, NONCE, sealed.length - NONCE);
        } catch (javax.crypto.AEADBadTagException e) {
            throw new MeshflException(ErrorCode.CRYPTO_FAILURE, "sealed payload for '" + context
                    + "' was altered in transit or sealed for another recipient");
        } catch (GeneralSecurityException e) {
            throw new MeshflException(ErrorCode.CRYPTO_FAILURE, "opening '" + context + "' failed: " + e.getMessage(), e);
        }
    }

    private SecretKeySpec key(byte[] peerPublicKey, String context) throws GeneralSecurityException {
        return new SecretKeySpec(hkdf(shared(peerPublicKey), "meshfl-seal-v1 " + context, 32), "AES");
    }

    /**
     * X25519 with the peer's key, remembered per peer: sealing to a peer and opening what it sealed
     * back use the same secret (a secure-aggregation client does both with every neighbour each
     * round), and the scalar multiplication is most of the cost of either.
     */
    private byte[] shared(byte[] peerPublicKey) {
        byte[] raw = rawPeerKey(peerPublicKey);
        ByteBuffer id = ByteBuffer.wrap(raw);
        byte[] known = agreed.get(id);
        if (known != null) {
            return known;
        }
        byte[] shared = new byte[KEY_BYTES];
        // false when the result is all zeros: a small-order peer key (RFC 7748 section 6.1)
        if (!io.meshfl.core.crypto.curve.X25519Engine.get().agree(privateKey, 0, raw, 0, shared, 0)) {
            throw new MeshflException(ErrorCode.CRYPTO_FAILURE, "peer public key is a small-order X25519 point");
        }
        if (agreed.size() < MAX_PEERS) {
            agreed.put(id, shared);
        }
        return shared;
    }

    /** The raw u-coordinate of an X.509-encoded X25519 key; other valid encodings go through the JDK's parser. */
    private static byte[] rawPeerKey(byte[] x509) {
        if (x509 != null && x509.length == X509_PREFIX.length + KEY_BYTES
                && Arrays.equals(x509, 0, X509_PREFIX.length, X509_PREFIX, 0, X509_PREFIX.length)) {
            return Arrays.copyOfRange(x509, X509_PREFIX.length, x509.length);
        }
        try {
            PublicKey peer = KeyFactory.getInstance("X25519").generatePublic(new X509EncodedKeySpec(x509));
            return io.meshfl.core.crypto.secagg.KeyAgreement.encodePublic(peer);
        } catch (GeneralSecurityException | RuntimeException e) {
            throw new MeshflException(ErrorCode.CRYPTO_FAILURE, "peer public key is not an X25519 key");
        }
    }

    /** HKDF-SHA256 (RFC 5869) with an empty salt. */
    static byte[] hkdf(byte[] ikm, String info, int length) throws GeneralSecurityException {
        Mac mac = Mac.getInstance("HmacSHA256");
        mac.init(new SecretKeySpec(new byte[32], "HmacSHA256"));
        byte[] prk = mac.doFinal(ikm);
        mac.init(new SecretKeySpec(prk, "HmacSHA256"));
        byte[] out = new byte[length];
        byte[] t = new byte[0];
        int pos = 0;
        for (int i = 1; pos < length; i++) {
            mac.update(t);
            mac.update(info.getBytes(StandardCharsets.UTF_8));
            mac.update((byte) i);
            t = mac.doFinal();
            int n = Math.min(t.length, length - pos);
            System.arraycopy(t, 0, out, pos, n);
            pos += n;
        }
        return out;
    }

    @Override
    public String toString() {
        return "SealedBox[X25519]";
    }
}

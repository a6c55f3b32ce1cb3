package io.meshfl.core.crypto.seal;

import io.meshfl.core.ErrorCode;
import io.meshfl.core.MeshflException;

import javax.crypto.Cipher;
import javax.crypto.KeyAgreement;
import javax.crypto.Mac;
import javax.crypto.spec.GCMParameterSpec;
import javax.crypto.spec.SecretKeySpec;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.SecureRandom;
import java.security.spec.X509EncodedKeySpec;

/**
 * End-to-end sealing of payloads between two nodes that talk through the coordinator: X25519
 * key agreement, HKDF-SHA256, AES-256-GCM. The coordinator relays sealed bytes it cannot read,
 * which matters where it also holds a decryption key (the Paillier arbiter of vertical learning).
 */
public final class SealedBox {

    private static final SecureRandom RANDOM = new SecureRandom();
    private static final int NONCE = 12;

    private final KeyPair own;

    private SealedBox(KeyPair own) {
        this.own = own;
    }

    /** A fresh X25519 key pair, one per node per job. */
    public static SealedBox generate() {
        try {
            return new SealedBox(KeyPairGenerator.getInstance("X25519").generateKeyPair());
        } catch (GeneralSecurityException e) {
            throw new MeshflException(ErrorCode.CRYPTO_FAILURE, "X25519 is not available: " + e.getMessage(), e);
        }
    }

    /** This side's public key, X.509-encoded, to hand to peers. */
    public byte[] publicKey() {
        return own.getPublic().getEncoded();
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
        PublicKey peer;
        try {
            peer = KeyFactory.getInstance("X25519").generatePublic(new X509EncodedKeySpec(peerPublicKey));
        } catch (GeneralSecurityException e) {
            throw new MeshflException(ErrorCode.CRYPTO_FAILURE, "peer public key is not an X25519 key");
        }
        KeyAgreement ka = KeyAgreement.getInstance("X25519");
        ka.init(own.getPrivate());
        ka.doPhase(peer, true);
        byte[] shared = ka.generateSecret();
        return new SecretKeySpec(hkdf(shared, "meshfl-seal-v1 " + context, 32), "AES");
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

    PrivateKey privateKey() {
        return own.getPrivate();
    }
}

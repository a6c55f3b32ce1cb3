package io.meshfl.core.crypto.secagg;

import io.meshfl.core.ErrorCode;
import io.meshfl.core.MeshflException;
import org.bouncycastle.crypto.digests.SHA256Digest;
import org.bouncycastle.crypto.generators.HKDFBytesGenerator;
import org.bouncycastle.crypto.params.HKDFParameters;
import org.bouncycastle.math.ec.rfc7748.X25519;

import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.KeyPair;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.SecureRandom;
import java.security.interfaces.XECPrivateKey;
import java.security.interfaces.XECPublicKey;
import java.security.spec.NamedParameterSpec;
import java.security.spec.XECPrivateKeySpec;
import java.security.spec.XECPublicKeySpec;

/**
 * X25519 key pairs and the pairwise seeds derived from them: {@code HKDF-SHA256(X25519(mine,
 * theirs), info = context)}, 32 bytes. Both ends of a pair derive the same seed, and so does the
 * server once it has rebuilt the secret key of a client that dropped out, which is why keys
 * travel as raw 32-byte strings (RFC 7748) that fit a Shamir share.
 */
public final class KeyAgreement {

    public static final int KEY_BYTES = 32;
    private static final byte[] SALT = "meshfl-secagg-v1".getBytes(StandardCharsets.UTF_8);

    private KeyAgreement() {
    }

    public static KeyPair generate() {
        return generate(new SecureRandom());
    }

    /**
     * A fresh key pair. The scalar multiplications run in BouncyCastle's X25519, several times
     * faster than the JDK's; the keys are still JDK key objects, built from the raw encodings.
     */
    public static KeyPair generate(SecureRandom random) {
        byte[] sk = new byte[KEY_BYTES];
        X25519.generatePrivateKey(random, sk);
        return new KeyPair(decodePublic(publicFromPrivate(sk)), decodePrivate(sk));
    }

    /** The seed both holders of a key pair share, bound to {@code context} (round and pair). */
    public static byte[] sharedSeed(PrivateKey mine, PublicKey theirs, String context) {
        return sharedSeed(encodePrivate(mine), encodePublic(theirs), context);
    }

    /**
     * As {@link #sharedSeed(PrivateKey, PublicKey, String)} from raw encodings, without building
     * JDK key objects: a client derives one seed per neighbour and the coordinator one per
     * surviving neighbour of each drop-out.
     */
    public static byte[] sharedSeed(byte[] myPrivate, byte[] theirPublic, String context) {
        checkLength(myPrivate, "private");
        checkLength(theirPublic, "public");
        byte[] shared = new byte[KEY_BYTES];
        // false when the result is all zeros: the peer sent a small-order point (RFC 7748 section 6.1)
        if (!io.meshfl.core.crypto.curve.X25519Engine.get().agree(myPrivate, 0, theirPublic, 0, shared, 0)) {
            throw new MeshflException(ErrorCode.CRYPTO_FAILURE,
                    "X25519 refused the peer key for '" + context + "': a small-order point gives an all-zero secret");
        }
        HKDFBytesGenerator hkdf = new HKDFBytesGenerator(new SHA256Digest());
        hkdf.init(new HKDFParameters(shared, SALT, context.getBytes(StandardCharsets.UTF_8)));
        byte[] seed = new byte[Prg.SEED_BYTES];
        hkdf.generateBytes(seed, 0, seed.length);
        return seed;
    }

    /** As {@link #sharedSeed(PrivateKey, PublicKey, String)} with the peer key in its raw encoding. */
    public static byte[] sharedSeed(PrivateKey mine, byte[] theirPublic, String context) {
        return sharedSeed(encodePrivate(mine), theirPublic, context);
    }

    /** The raw public key that belongs to a raw secret key, to check a key rebuilt from shares against the one its owner advertised. */
    public static byte[] publicFromPrivate(byte[] rawPrivate) {
        checkLength(rawPrivate, "private");
        byte[] pub = new byte[KEY_BYTES];
        X25519.generatePublicKey(rawPrivate, 0, pub, 0);
        return pub;
    }

    /** The 32-byte little-endian u-coordinate (RFC 7748). */
    public static byte[] encodePublic(PublicKey key) {
        if (!(key instanceof XECPublicKey xec)) {
            throw new MeshflException(ErrorCode.CRYPTO_FAILURE, "not an X25519 public key: " + key.getAlgorithm());
        }
        byte[] be = xec.getU().toByteArray();
        byte[] le = new byte[KEY_BYTES];
        for (int i = 0; i < KEY_BYTES && i < be.length; i++) {
            le[i] = be[be.length - 1 - i];
        }
        return le;
    }

    public static PublicKey decodePublic(byte[] raw) {
        checkLength(raw, "public");
        byte[] be = new byte[KEY_BYTES];
        for (int i = 0; i < KEY_BYTES; i++) {
            be[i] = raw[KEY_BYTES - 1 - i];
        }
        be[0] &= 0x7f; // RFC 7748 ignores the top bit of the u-coordinate
        try {
            return KeyFactory.getInstance("X25519")
                    .generatePublic(new XECPublicKeySpec(NamedParameterSpec.X25519, new BigInteger(1, be)));
        } catch (GeneralSecurityException e) {
            throw new MeshflException(ErrorCode.CRYPTO_FAILURE, "not an X25519 public key: " + e.getMessage(), e);
        }
    }

    /** The 32-byte scalar, the form in which a secret key is split into Shamir shares. */
    public static byte[] encodePrivate(PrivateKey key) {
        if (!(key instanceof XECPrivateKey xec) || xec.getScalar().isEmpty()) {
            throw new MeshflException(ErrorCode.CRYPTO_FAILURE, "not an exportable X25519 private key");
        }
        return xec.getScalar().get().clone();
    }

    public static PrivateKey decodePrivate(byte[] raw) {
        checkLength(raw, "private");
        try {
            return KeyFactory.getInstance("X25519")
                    .generatePrivate(new XECPrivateKeySpec(NamedParameterSpec.X25519, raw.clone()));
        } catch (GeneralSecurityException e) {
            throw new MeshflException(ErrorCode.CRYPTO_FAILURE, "not an X25519 private key: " + e.getMessage(), e);
        }
    }

    private static void checkLength(byte[] raw, String kind) {
        if (raw == null || raw.length != KEY_BYTES) {
            throw new MeshflException(ErrorCode.CRYPTO_FAILURE, "an X25519 " + kind + " key is " + KEY_BYTES
                    + " bytes, got " + (raw == null ? "null" : raw.length));
        }
    }
}

package io.meshfl.stream.join;

import io.meshfl.core.ErrorCode;
import io.meshfl.core.MeshflException;
import io.meshfl.core.crypto.curve.X25519Engine;
import org.bouncycastle.crypto.digests.SHA256Digest;
import org.bouncycastle.crypto.generators.HKDFBytesGenerator;
import org.bouncycastle.crypto.params.HKDFParameters;
import org.bouncycastle.math.ec.rfc7748.X25519;

import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.SecureRandom;
import java.util.Arrays;

/**
 * The keyed hash under which the two parties of a stream join compare per-event ids (impression
 * or request ids that identify nobody): HMAC-SHA256 truncated to 16 bytes, keyed by
 * {@code HKDF-SHA256(X25519(mine, theirs), salt, info = job || both public keys in a fixed order)}.
 * Both parties derive the same key from their own secret and the other's public key; whoever
 * relays the public keys (the coordinator) learns nothing it could hash with. A party holds the
 * key, so it could hash a guessed id: ids the contract classifies as pii are therefore not hashed
 * this way but blinded as in PSI.
 */
public final class JoinKey {

    public static final int KEY_BYTES = 32;
    /** The length of a hashed id: 128 bits keep collisions out of reach for any stream (about 2^64 ids). */
    public static final int HASH_BYTES = 16;
    private static final byte[] SALT = "meshfl-stream-join-v1".getBytes(StandardCharsets.UTF_8);

    private final byte[] key;

    private JoinKey(byte[] key) {
        this.key = key;
    }

    /** A fresh X25519 secret key for one job. */
    public static byte[] newSecret(SecureRandom random) {
        byte[] sk = new byte[KEY_BYTES];
        X25519.generatePrivateKey(random, sk);
        return sk;
    }

    /** The public key that belongs to {@code secret}. */
    public static byte[] publicOf(byte[] secret) {
        check(secret, "secret");
        byte[] pub = new byte[KEY_BYTES];
        X25519.generatePublicKey(secret, 0, pub, 0);
        return pub;
    }

    /** The job's key as both parties derive it; refuses a small-order peer key (an all-zero secret). */
    public static JoinKey agree(byte[] mySecret, byte[] theirPublic, String job) {
        check(mySecret, "secret");
        check(theirPublic, "peer public");
        byte[] shared = new byte[KEY_BYTES];
        if (!X25519Engine.get().agree(mySecret, 0, theirPublic, 0, shared, 0)) {
            throw new MeshflException(ErrorCode.CRYPTO_FAILURE, "the peer's public key for stream job '" + job
                    + "' is a small-order point (an all-zero shared secret); refused");
        }
        byte[] mine = publicOf(mySecret);
        // both public keys in byte order, so both parties bind the same info
        byte[] lo = Arrays.compareUnsigned(mine, theirPublic) <= 0 ? mine : theirPublic;
        byte[] hi = lo == mine ? theirPublic : mine;
        byte[] jobBytes = job.getBytes(StandardCharsets.UTF_8);
        byte[] info = new byte[jobBytes.length + 2 * KEY_BYTES];
        System.arraycopy(jobBytes, 0, info, 0, jobBytes.length);
        System.arraycopy(lo, 0, info, jobBytes.length, KEY_BYTES);
        System.arraycopy(hi, 0, info, jobBytes.length + KEY_BYTES, KEY_BYTES);
        HKDFBytesGenerator hkdf = new HKDFBytesGenerator(new SHA256Digest());
        hkdf.init(new HKDFParameters(shared, SALT, info));
        byte[] key = new byte[KEY_BYTES];
        hkdf.generateBytes(key, 0, KEY_BYTES);
        Arrays.fill(shared, (byte) 0);
        return new JoinKey(key);
    }

    /** A hasher for one thread (a {@link Mac} is not thread-safe). */
    public Hasher hasher() {
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(new SecretKeySpec(key, "HmacSHA256"));
            return new Hasher(mac);
        } catch (GeneralSecurityException e) {
            throw new MeshflException(ErrorCode.CRYPTO_FAILURE, "HMAC-SHA256 is not available: " + e.getMessage(), e);
        }
    }

    /** Hashes ids under the job's key. */
    public static final class Hasher {
        private final Mac mac;

        private Hasher(Mac mac) {
            this.mac = mac;
        }

        public byte[] hash(String id) {
            byte[] full = mac.doFinal(id.getBytes(StandardCharsets.UTF_8));
            return Arrays.copyOf(full, HASH_BYTES);
        }
    }

    private static void check(byte[] k, String what) {
        if (k == null || k.length != KEY_BYTES) {
            throw new MeshflException(ErrorCode.CRYPTO_FAILURE, "an X25519 " + what + " key has " + KEY_BYTES + " bytes");
        }
    }
}

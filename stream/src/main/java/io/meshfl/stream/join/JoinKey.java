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
 * this way but blinded as in PSI. The same derivation gives a second key, under which the leader
 * seals every record it writes to the leader-ids topic and every end mark ({@link Sealer}): the
 * follower drops what does not open, so a process that can write to that topic but does not hold
 * the job's key can neither add ids, change a time, nor end the join early.
 */
public final class JoinKey {

    public static final int KEY_BYTES = 32;
    /** The length of a hashed id: 128 bits keep collisions out of reach for any stream (about 2^64 ids). */
    public static final int HASH_BYTES = 16;
    private static final byte[] SALT = "meshfl-stream-join-v1".getBytes(StandardCharsets.UTF_8);

    /** The length of a seal on a leader-ids record. */
    public static final int SEAL_BYTES = 16;

    private final byte[] key;
    private final byte[] sealKey;
    /** The job's key had the ids been compared the other way, to tell a peer that runs so from a forger; null when unknown. */
    private JoinKey otherWay;
    private JoinSpec.Ids ids;

    private JoinKey(byte[] key, byte[] sealKey) {
        this.key = key;
        this.sealKey = sealKey;
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

    /**
     * The key of one join as both parties derive it: the way ids are compared is bound into it, so two
     * parties that disagree on it open none of each other's records (and say so) rather than join nothing silently.
     */
    public static JoinKey agree(byte[] mySecret, byte[] theirPublic, JoinSpec spec) {
        JoinKey k = agree(mySecret, theirPublic, jobInfo(spec.job(), spec.ids()));
        JoinSpec.Ids other = spec.ids() == JoinSpec.Ids.HASHED ? JoinSpec.Ids.BLINDED : JoinSpec.Ids.HASHED;
        k.ids = spec.ids();
        k.otherWay = agree(mySecret, theirPublic, jobInfo(spec.job(), other));
        k.otherWay.ids = other;
        return k;
    }

    private static String jobInfo(String job, JoinSpec.Ids ids) {
        return ids == JoinSpec.Ids.HASHED ? job : job + "\u0000blinded";
    }

    /**
     * Whether a record this key refused was sealed by the peer under the job's key for the other way of
     * comparing ids: then the peer runs the other way (only it holds that key), which is said as an error
     * naming both, rather than a join that waits for records it will never open.
     */
    public String otherWayProblem(java.util.function.Predicate<Sealer> opens) {
        return otherWayProblem(otherWaySealer(), opens);
    }

    /** As {@link #otherWayProblem(java.util.function.Predicate)} with a sealer of the other way the caller keeps (from {@link #otherWaySealer}). */
    public String otherWayProblem(Sealer otherWaySealer, java.util.function.Predicate<Sealer> opens) {
        if (otherWaySealer == null || !opens.test(otherWaySealer)) return null;
        return "the other party of this stream join compares ids " + name(otherWay.ids) + " and this one " + name(ids)
                + ": its records open only under the key of that way; run both with the same --ids";
    }

    /** A sealer under the job's key for the other way of comparing ids, or null when there is none; one per thread, as any sealer. */
    public Sealer otherWaySealer() {
        return otherWay == null ? null : otherWay.sealer();
    }

    private static String name(JoinSpec.Ids ids) {
        return ids == JoinSpec.Ids.HASHED ? "by keyed hash (--ids hashed)" : "blinded (--ids blinded)";
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
        // HKDF's first 32 bytes are the hash key whatever the length asked; the next 32 the seal key
        byte[] okm = new byte[2 * KEY_BYTES];
        hkdf.generateBytes(okm, 0, okm.length);
        Arrays.fill(shared, (byte) 0);
        return new JoinKey(Arrays.copyOf(okm, KEY_BYTES), Arrays.copyOfRange(okm, KEY_BYTES, 2 * KEY_BYTES));
    }

    /** A hasher for one thread (a {@link Mac} is not thread-safe). */
    public Hasher hasher() {
        return new Hasher(mac(key));
    }

    /** A sealer for one thread. */
    public Sealer sealer() {
        return new Sealer(mac(sealKey));
    }

    private static Mac mac(byte[] k) {
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(new SecretKeySpec(k, "HmacSHA256"));
            return mac;
        } catch (GeneralSecurityException e) {
            throw new MeshflException(ErrorCode.CRYPTO_FAILURE, "HMAC-SHA256 is not available: " + e.getMessage(), e);
        }
    }

    /**
     * Seals the leader's records: HMAC-SHA256 (16 bytes) over the record's kind, its key and its
     * value, appended to the value. An end mark is sealed over its partition, so a mark cannot be
     * moved to another partition either.
     */
    public static final class Sealer {
        private static final byte ID = 1;
        private static final byte END = 2;
        /** A batch of the follower's blinded ids, for the leader to blind again (blinded joins). */
        public static final byte BATCH = 3;
        /** A batch blinded by both, back to the follower (blinded joins). */
        public static final byte REBLINDED = 4;
        private static final byte FOLLOWER_END = 5;
        private final Mac mac;

        private Sealer(Mac mac) {
            this.mac = mac;
        }

        /** {@code value} with its seal appended. */
        public byte[] seal(byte[] key, byte[] value) {
            return seal(ID, key, value);
        }

        /** The value without its seal, or null when the seal does not verify (or there is none). */
        public byte[] open(byte[] key, byte[] sealed) {
            return open(ID, key, sealed);
        }

        /** {@code value} sealed as a record of one kind ({@link #BATCH}, {@link #REBLINDED}): a seal of one kind never opens as another. */
        public byte[] seal(byte kind, byte[] key, byte[] value) {
            byte[] out = Arrays.copyOf(value, value.length + SEAL_BYTES);
            System.arraycopy(tag(kind, key, value, 0, value.length), 0, out, value.length, SEAL_BYTES);
            return out;
        }

        /** The value of a record of one kind without its seal, or null when the seal does not verify. */
        public byte[] open(byte kind, byte[] key, byte[] sealed) {
            if (key == null || sealed == null || sealed.length < SEAL_BYTES) return null;
            int n = sealed.length - SEAL_BYTES;
            byte[] expected = tag(kind, key, sealed, 0, n);
            if (!java.security.MessageDigest.isEqual(expected, Arrays.copyOfRange(sealed, n, sealed.length))) return null;
            return Arrays.copyOf(sealed, n);
        }

        /** The value of the end mark for one partition of the leader-ids topic. */
        public byte[] endMark(int partition) {
            return tag(END, new byte[0], java.nio.ByteBuffer.allocate(4).putInt(partition).array(), 0, 4);
        }

        /** Whether {@code value} is the leader's end mark for {@code partition}. */
        public boolean isEndMark(byte[] value, int partition) {
            return value != null && java.security.MessageDigest.isEqual(endMark(partition), value);
        }

        /** The follower's mark that it sent its last batch on one partition of the follower-blinded topic. */
        public byte[] followerEndMark(int partition) {
            return tag(FOLLOWER_END, new byte[0], java.nio.ByteBuffer.allocate(4).putInt(partition).array(), 0, 4);
        }

        /** Whether {@code value} is the follower's end mark for {@code partition}. */
        public boolean isFollowerEndMark(byte[] value, int partition) {
            return value != null && java.security.MessageDigest.isEqual(followerEndMark(partition), value);
        }

        private byte[] tag(byte kind, byte[] key, byte[] value, int from, int length) {
            mac.update(kind);
            mac.update(java.nio.ByteBuffer.allocate(4).putInt(key.length).array());
            mac.update(key);
            mac.update(value, from, length);
            return Arrays.copyOf(mac.doFinal(), SEAL_BYTES);
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

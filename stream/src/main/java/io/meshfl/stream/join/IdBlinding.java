package io.meshfl.stream.join;

import io.meshfl.core.crypto.psi.Blinder;
import io.meshfl.core.crypto.psi.PsiKey;
import org.bouncycastle.crypto.digests.SHA256Digest;
import org.bouncycastle.crypto.generators.HKDFBytesGenerator;
import org.bouncycastle.crypto.params.HKDFParameters;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Arrays;

/**
 * The blinded join's ids ({@link JoinSpec.Ids#BLINDED}), as PSI blinds them: each party hashes an id
 * to the curve and multiplies it by its own secret scalar; the other party multiplies the result by
 * its scalar, and since the two commute, an id both parties hold ends up as the same point. Neither
 * party can compute that point for a guessed id without the other blinding it, so ids that
 * identify people can be compared. The follower's ids travel to the leader and back in batches, one
 * per block of event time and source partition ({@link BatchId}); the leader learns how many events
 * each batch holds, not when each happened.
 */
public final class IdBlinding {

    /** Points per batch record (256 KiB): larger blocks are sent as several chunks. */
    public static final int BATCH_POINTS = 8192;
    private static final byte[] SALT = "meshfl-stream-blind-v1".getBytes(StandardCharsets.UTF_8);
    private static final byte[] JOIN_DOMAIN = "meshfl-stream-join-point-v1".getBytes(StandardCharsets.UTF_8);

    private IdBlinding() {
    }

    /**
     * This party's blinding scalar for one job, derived from its job secret (which never leaves it),
     * so that a restarted party blinds as before. Different per job: blinded values of two jobs cannot be linked.
     */
    public static PsiKey key(byte[] mySecret, String job) {
        HKDFBytesGenerator hkdf = new HKDFBytesGenerator(new SHA256Digest());
        hkdf.init(new HKDFParameters(mySecret, SALT, job.getBytes(StandardCharsets.UTF_8)));
        byte[] k = new byte[32];
        hkdf.generateBytes(k, 0, k.length);
        PsiKey key = PsiKey.fromSecretBytes(k);
        Arrays.fill(k, (byte) 0);
        return key;
    }

    /** A blinder for one stream task (single-threaded: Kafka Streams runs tasks in parallel). */
    public static Blinder blinder(PsiKey key) {
        return new Blinder(key, 1);
    }

    /** The join key of a point blinded by both parties: its SHA-256 (domain-separated) cut to {@link JoinKey#HASH_BYTES}. */
    public static byte[] joinHash(byte[] points, int offset) {
        try {
            MessageDigest sha = MessageDigest.getInstance("SHA-256");
            sha.update(JOIN_DOMAIN);
            sha.update(points, offset, 32);
            return Arrays.copyOf(sha.digest(), JoinKey.HASH_BYTES);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is not available", e);
        }
    }

    /** One batch record of the follower's ids: its source partition, its block of event time, its chunk. */
    public record BatchId(int partition, long block, int chunk) {
        public static final int BYTES = 16;

        public byte[] encode() {
            return ByteBuffer.allocate(BYTES).putInt(partition).putLong(block).putInt(chunk).array();
        }

        /** The batch a record key names, or null when it is not a batch key. */
        public static BatchId decode(byte[] b) {
            if (b == null || b.length != BYTES) return null;
            ByteBuffer bb = ByteBuffer.wrap(b);
            return new BatchId(bb.getInt(), bb.getLong(), bb.getInt());
        }

        /** The first of the follower's sequence numbers in this chunk. */
        public int firstSeq() {
            return chunk * BATCH_POINTS;
        }
    }

    /** An event the follower holds until its batch comes back: its id's length, the id (UTF-8), the encoded event. */
    static final class Held {
        private Held() {
        }

        static byte[] encode(byte[] id, byte[] event) {
            return ByteBuffer.allocate(4 + id.length + event.length).putInt(id.length).put(id).put(event).array();
        }

        static String id(byte[] held) {
            return new String(held, 4, ByteBuffer.wrap(held).getInt(), StandardCharsets.UTF_8);
        }

        static byte[] event(byte[] held) {
            return Arrays.copyOfRange(held, 4 + ByteBuffer.wrap(held).getInt(), held.length);
        }
    }

    /** The key of a batch's entry in the follower's stores: partition and block (12 bytes), then an event's sequence number in it. */
    static byte[] pendingKey(int partition, long block, int seq) {
        return ByteBuffer.allocate(16).putInt(partition).putLong(block).putInt(seq).array();
    }

    static byte[] batchKey(int partition, long block) {
        return ByteBuffer.allocate(12).putInt(partition).putLong(block).array();
    }
}

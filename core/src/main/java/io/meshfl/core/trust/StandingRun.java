package io.meshfl.core.trust;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.meshfl.core.ErrorCode;
import io.meshfl.core.MeshflException;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.List;

/**
 * How a challenger's run is presented to a node when the coordinator holds no key of the model's
 * owner: the owner's signed {@link StandingTicket}, untouched, and the product versions the run
 * reads. The coordinator adds only the versions, which sign nothing: each node trusts none of them
 * but checks its own products' against what it serves and against the versions already used under
 * the standing ticket. It rides where a job ticket does ({@code ticket} blob), told apart by
 * {@link #MAGIC}, which no signed job ticket can start with.
 */
public record StandingRun(SignedTicket standing, List<JobTicket.ProductVersion> products) {

    /** "MSR1": as a job ticket's first length it would exceed any blob, so the two never mix. */
    public static final int MAGIC = 0x4D535231;

    private static final ObjectMapper JSON = new ObjectMapper();

    public StandingRun {
        products = List.copyOf(products);
    }

    /** Whether a ticket blob presents a run under a standing ticket. */
    public static boolean presents(byte[] blob) {
        return blob != null && blob.length >= 4 && ByteBuffer.wrap(blob).getInt() == MAGIC;
    }

    public byte[] encode() {
        byte[] s = standing.encode();
        byte[] p;
        try {
            p = JSON.writeValueAsBytes(products);
        } catch (IOException e) {
            throw new MeshflException(ErrorCode.INTERNAL, "cannot encode a run's product versions: " + e.getMessage(), e);
        }
        return ByteBuffer.allocate(12 + s.length + p.length).putInt(MAGIC).putInt(s.length).put(s).putInt(p.length).put(p).array();
    }

    public static StandingRun decode(byte[] blob) {
        try {
            ByteBuffer b = ByteBuffer.wrap(blob);
            if (b.getInt() != MAGIC) throw new IllegalArgumentException("not a run under a standing ticket");
            byte[] s = part(b);
            byte[] p = part(b);
            if (b.hasRemaining()) throw new IllegalArgumentException("trailing bytes");
            return new StandingRun(SignedTicket.decode(s), JSON.readValue(p, new TypeReference<List<JobTicket.ProductVersion>>() { }));
        } catch (IOException | RuntimeException e) {
            if (e instanceof MeshflException m) throw m;
            throw new MeshflException(ErrorCode.POLICY_VIOLATION, "the run under a standing retraining ticket is malformed (" + e.getMessage() + ")");
        }
    }

    /** SHA-256 of the presented bytes: names this run's presentation, as a job ticket's fingerprint names it. */
    public static String fingerprint(byte[] blob) {
        return HashChain.sha256Hex(blob);
    }

    private static byte[] part(ByteBuffer b) {
        int n = b.getInt();
        if (n < 0 || n > b.remaining()) throw new IllegalArgumentException("part length " + n);
        byte[] out = new byte[n];
        b.get(out);
        return out;
    }
}

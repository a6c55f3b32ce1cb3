package io.meshfl.core.trust;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.meshfl.core.ErrorCode;
import io.meshfl.core.MeshflException;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;

/**
 * How a challenger's run is presented to a node when the coordinator holds no key of the model's
 * owner: the owner's signed {@link StandingTicket}, untouched, and the product versions the run
 * reads. The coordinator adds only the versions, which sign nothing: each node trusts none of them
 * but checks its own products' against what it serves and against the versions already used under
 * the standing ticket. It rides where a job ticket does ({@code ticket} blob), told apart by
 * {@link #MAGIC}, which no signed job ticket can start with.
 *
 * <p>Beside them it relays the {@link VersionAttestation}s the nodes of the products at a new
 * version signed for this standing ticket: each is its domain's word, not the coordinator's, and
 * lets a node whose own products did not change count the other domain's new version.
 */
public record StandingRun(SignedTicket standing, List<JobTicket.ProductVersion> products, List<VersionAttestation> attestations) {

    /** "MSR1": as a job ticket's first length it would exceed any blob, so the two never mix. */
    public static final int MAGIC = 0x4D535231;

    private static final ObjectMapper JSON = new ObjectMapper();

    public StandingRun {
        products = List.copyOf(products);
        attestations = List.copyOf(attestations);
    }

    /** A run relaying no attestation: every node counts only its own products' versions. */
    public StandingRun(SignedTicket standing, List<JobTicket.ProductVersion> products) {
        this(standing, products, List.of());
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
        List<byte[]> as = attestations.stream().map(VersionAttestation::encode).toList();
        int size = 12 + s.length + p.length + (as.isEmpty() ? 0 : 4 + as.stream().mapToInt(a -> 4 + a.length).sum());
        ByteBuffer b = ByteBuffer.allocate(size).putInt(MAGIC).putInt(s.length).put(s).putInt(p.length).put(p);
        // without attestations the bytes are those of a run before attestations existed
        if (!as.isEmpty()) {
            b.putInt(as.size());
            as.forEach(a -> b.putInt(a.length).put(a));
        }
        return b.array();
    }

    public static StandingRun decode(byte[] blob) {
        try {
            ByteBuffer b = ByteBuffer.wrap(blob);
            if (b.getInt() != MAGIC) throw new IllegalArgumentException("not a run under a standing ticket");
            byte[] s = part(b);
            byte[] p = part(b);
            List<VersionAttestation> as = new ArrayList<>();
            if (b.hasRemaining()) {
                int n = b.getInt();
                if (n < 1 || n > b.remaining() / 4) throw new IllegalArgumentException("attestation count " + n);
                for (int i = 0; i < n; i++) as.add(VersionAttestation.decode(part(b)));
            }
            if (b.hasRemaining()) throw new IllegalArgumentException("trailing bytes");
            return new StandingRun(SignedTicket.decode(s), JSON.readValue(p, new TypeReference<List<JobTicket.ProductVersion>>() { }), as);
        } catch (IOException | RuntimeException e) {
            if (e instanceof MeshflException m) throw m;
            throw new MeshflException(ErrorCode.POLICY_VIOLATION, "the run under a standing retraining ticket is malformed (" + e.getMessage() + ")");
        }
    }

    /** SHA-256 of the presented bytes: names this run's presentation, as a job ticket's fingerprint names it. */
    public static String fingerprint(byte[] blob) {
        return HashChain.sha256Hex(blob);
    }

    static byte[] part(ByteBuffer b) {
        int n = b.getInt();
        if (n < 0 || n > b.remaining()) throw new IllegalArgumentException("part length " + n);
        byte[] out = new byte[n];
        b.get(out);
        return out;
    }
}

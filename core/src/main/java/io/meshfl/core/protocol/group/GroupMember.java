package io.meshfl.core.protocol.group;

import io.meshfl.core.ErrorCode;
import io.meshfl.core.MeshflException;
import io.meshfl.core.crypto.seal.SealedBox;

import java.math.BigInteger;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;

/**
 * One member's seat in a party made of several products: the members in the job's order, this
 * member's place among them, which rows of the common order it holds, and the seed the members
 * agree on (drawn by the first, sealed for each other member). From the seed each member draws its
 * share of zero, so that the members' masked contributions add up to the party's exactly while
 * any one of them is uniform noise to whoever receives it.
 */
public final class GroupMember {

    private final String name;
    private final List<String> members;
    private final int index;
    private byte[] seed;

    public GroupMember(String name, List<String> members, String self) {
        this.name = name;
        this.members = List.copyOf(members);
        this.index = members.indexOf(self);
        if (index < 0) throw new MeshflException(ErrorCode.PROTOCOL_FAILURE, self + " is no member of group " + name + " " + members);
    }

    /** A member whose seed the members agreed on already. */
    public GroupMember(String name, List<String> members, String self, byte[] seed) {
        this(name, members, self);
        this.seed = seed;
    }

    public String name() {
        return name;
    }

    public List<String> members() {
        return members;
    }

    public boolean leader() {
        return index == 0;
    }

    /** Which rows of an aligned order a member holds: the others are -1 (held by another member). */
    public static boolean[] present(int[] aligned) {
        boolean[] p = new boolean[aligned.length];
        for (int i = 0; i < aligned.length; i++) p[i] = aligned[i] >= 0;
        return p;
    }

    /** First member: draws the seed and seals it for every other member ({@code seed-to:MEMBER}); empty for the others. */
    public Map<String, byte[]> offerSeed(SealedBox seal, Function<String, byte[]> peerKey, Function<String, String> context) {
        Map<String, byte[]> out = new LinkedHashMap<>();
        if (!leader()) return out;
        seed = SeedStreams.newSeed();
        for (String m : members) if (!m.equals(members.get(0))) out.put("seed-to:" + m, seal.seal(peerKey.apply(m), context.apply(m), seed));
        return out;
    }

    /** Other members: opens the first member's sealed seed. */
    public void acceptSeed(SealedBox seal, byte[] firstKey, String context, byte[] sealed) {
        if (leader()) return;
        if (sealed == null) throw new MeshflException(ErrorCode.PROTOCOL_FAILURE, "group " + name + ": no seed from its first member " + members.get(0));
        seed = seal.open(firstKey, context, sealed);
    }

    /**
     * The node side of {@link GroupRelay#seeds}: the first member answers the relay's request (every
     * member's sealing key as {@code peer:MEMBER}) with the fresh seed sealed for each other member,
     * bound to the job and {@code purpose}.
     */
    public Map<String, byte[]> offerSeed(SealedBox seal, io.meshfl.core.protocol.Message req, String purpose) {
        return offerSeed(seal, m -> req.blob("peer:" + m), m -> req.jobId() + "/" + purpose + "/" + m);
    }

    /** The node side of {@link GroupRelay#seeds} for every other member {@code self}: opens the first member's sealed seed. */
    public void acceptSeed(SealedBox seal, io.meshfl.core.protocol.Message req, String self, String purpose) {
        String first = members.get(0);
        acceptSeed(seal, req.blob("peer:" + first), req.jobId() + "/" + purpose + "/" + self, req.blob("seed:" + first));
    }

    /**
     * This member's shares of zero modulo {@code n} for {@code count} values: the members' shares sum
     * to zero, so adding them to the members' encrypted sums leaves the party's sum unchanged.
     */
    public BigInteger[] zeroShares(String label, BigInteger n, int count) {
        if (index < members.size() - 1) return SeedStreams.modN(seed(), label + "/" + index, n, count);
        BigInteger[] out = new BigInteger[count];
        java.util.Arrays.fill(out, BigInteger.ZERO);
        for (int m = 0; m < members.size() - 1; m++) {
            BigInteger[] z = SeedStreams.modN(seed(), label + "/" + m, n, count);
            for (int i = 0; i < count; i++) out[i] = out[i].subtract(z[i]);
        }
        for (int i = 0; i < count; i++) out[i] = out[i].mod(n);
        return out;
    }

    /** This member's shares of all-false bits: the members' shares XOR to false, so their XOR-masked answers XOR to the party's. */
    public boolean[] xorShares(String label, int count) {
        if (index < members.size() - 1) return SeedStreams.bits(seed(), label + "/" + index, count);
        boolean[] out = new boolean[count];
        for (int m = 0; m < members.size() - 1; m++) {
            boolean[] z = SeedStreams.bits(seed(), label + "/" + m, count);
            for (int i = 0; i < count; i++) out[i] ^= z[i];
        }
        return out;
    }

    /** Fixed-point scale of masked real values: 2^-32 resolution, exact sums modulo 2^64. */
    private static final double FIXED_SCALE = 0x1p32;

    /**
     * This member's values as fixed-point integers plus its share of zero modulo 2^64: the sum of
     * the members' vectors ({@link #sumFixed}) is the sum of their values, any one vector is uniform
     * noise to whoever adds them up.
     */
    public byte[] maskFixed(String label, double[] v) {
        long[] out = new long[v.length];
        if (index < members.size() - 1) {
            out = SeedStreams.longs(seed(), label + "/" + index, v.length);
        } else {
            for (int m = 0; m < members.size() - 1; m++) {
                long[] z = SeedStreams.longs(seed(), label + "/" + m, v.length);
                for (int i = 0; i < v.length; i++) out[i] -= z[i];
            }
        }
        for (int i = 0; i < v.length; i++) out[i] += Math.round(v[i] * FIXED_SCALE);
        java.nio.ByteBuffer b = java.nio.ByteBuffer.allocate(8 * out.length);
        b.asLongBuffer().put(out);
        return b.array();
    }

    /** The sum of the members' masked vectors of {@code n} values each (see {@link #maskFixed}); {@code group} names it in errors. */
    public static double[] sumFixed(List<byte[]> vectors, int n, String group) {
        long[] sum = new long[n];
        for (byte[] v : vectors) {
            if (v == null || v.length != 8 * n) {
                throw new MeshflException(ErrorCode.PROTOCOL_FAILURE, "a member of group " + group + " sent " + (v == null ? "no" : v.length / 8)
                        + " values, not " + n);
            }
            java.nio.LongBuffer lb = java.nio.ByteBuffer.wrap(v).asLongBuffer();
            for (int i = 0; i < n; i++) sum[i] += lb.get(i);
        }
        double[] out = new double[n];
        for (int i = 0; i < n; i++) out[i] = sum[i] / FIXED_SCALE;
        return out;
    }

    private byte[] seed() {
        if (seed == null) throw new MeshflException(ErrorCode.OUT_OF_ORDER, "group " + name + ": masks asked before the members agreed on a seed");
        return seed;
    }
}

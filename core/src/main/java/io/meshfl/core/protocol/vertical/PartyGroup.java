package io.meshfl.core.protocol.vertical;

import io.meshfl.core.ErrorCode;
import io.meshfl.core.MeshflException;
import io.meshfl.core.data.ColumnStats;
import io.meshfl.core.data.Dataset;
import io.meshfl.core.data.Standardizer;

import java.math.BigInteger;
import java.util.List;

/**
 * A member's side of a vertical party made of several products on their own nodes (a job's
 * {@code groups}). The member holds the party's common row order sparsely: its own entities'
 * rows, zero rows where another member holds the entity, so its scores and gradient shares
 * are zero there and the members' sums are the party's. The members agree on the party's column
 * scaling (each other's column sums) and on a secret seed the arbiter and the other parties never
 * see, from which they draw the masks that let the arbiter decrypt only their summed gradient and
 * let the label holder add up their scores without learning which member holds an entity.
 */
final class PartyGroup {

    final String name;
    /** The members' domains in the job's order; every member derives the same masks from it. */
    final List<String> members;
    final int index;
    /** Which rows of the common order this member holds. */
    final boolean[] present;
    final boolean[] evalPresent;
    /** The member's rows before scaling, as aligned (zero rows where another member holds the entity). */
    final Dataset raw;
    Dataset rawEval;
    /** This member's count, sum and sum of squares of its own training rows. */
    final ColumnStats own;
    byte[] seed;

    PartyGroup(String name, List<String> members, String self, int[] aligned, Dataset raw, ColumnStats own) {
        this.name = name;
        this.members = List.copyOf(members);
        this.index = members.indexOf(self);
        if (index < 0) throw new MeshflException(ErrorCode.PROTOCOL_FAILURE, self + " is no member of group " + name + " " + members);
        this.present = present(aligned);
        this.evalPresent = null;
        this.raw = raw;
        this.own = own;
    }

    private PartyGroup(PartyGroup g, boolean[] evalPresent, Dataset rawEval) {
        this.name = g.name;
        this.members = g.members;
        this.index = g.index;
        this.present = g.present;
        this.evalPresent = evalPresent;
        this.raw = g.raw;
        this.rawEval = rawEval;
        this.own = g.own;
        this.seed = g.seed;
    }

    private PartyGroup(String name, List<String> members, String self) {
        this.name = name;
        this.members = List.copyOf(members);
        this.index = members.indexOf(self);
        if (index < 0) throw new MeshflException(ErrorCode.PROTOCOL_FAILURE, self + " is no member of group " + name + " " + members);
        this.present = null;
        this.evalPresent = null;
        this.raw = null;
        this.own = null;
    }

    /** A member scoring with a stored model: only the masks of its partial scores, from a seed the members agree on afresh. */
    static PartyGroup forScoring(String name, List<String> members, String self) {
        return new PartyGroup(name, members, self);
    }

    /** This member with its sparse rows of the evaluation entities too. */
    PartyGroup withEvaluation(int[] evalAligned, Dataset rawEval) {
        return new PartyGroup(this, present(evalAligned), rawEval);
    }

    boolean leader() {
        return index == 0;
    }

    /** Count, sums and sums of squares over the member's own rows among the first {@code train} of {@code rows}. */
    static ColumnStats stats(Dataset rows, int[] aligned, int train) {
        int k = 0;
        for (int i = 0; i < train; i++) if (aligned[i] >= 0) k++;
        int[] own = new int[k];
        k = 0;
        for (int i = 0; i < train; i++) if (aligned[i] >= 0) own[k++] = i;
        return ColumnStats.of(rows.select(own));
    }

    /** The party's scaling from every member's stats, merged in member order so that every member gets the same numbers. */
    static Standardizer scaling(List<ColumnStats> inMemberOrder) {
        ColumnStats all = inMemberOrder.get(0);
        for (int i = 1; i < inMemberOrder.size(); i++) all = all.merge(inMemberOrder.get(i));
        return Standardizer.from(all);
    }

    /** {@code rows} scaled by {@code z}, with the rows the member does not hold left at zero. */
    static Dataset scaled(Standardizer z, Dataset rows, boolean[] present) {
        Dataset s = z.apply(rows);
        int d = s.cols();
        for (int i = 0; i < present.length; i++) if (!present[i]) java.util.Arrays.fill(s.x(), i * d, i * d + d, 0.0);
        return s;
    }

    static byte[] encodeStats(ColumnStats s) {
        int d = s.features().size();
        double[] v = new double[3 * d];
        for (int j = 0; j < d; j++) {
            v[j] = s.count()[j];
            v[d + j] = s.sum()[j];
            v[2 * d + j] = s.sumSq()[j];
        }
        return CipherCodec.packDoubles(v);
    }

    static ColumnStats decodeStats(byte[] b, List<String> features, String from) {
        double[] v = CipherCodec.unpackDoubles(b, "column statistics of " + from);
        int d = features.size();
        if (v.length != 3 * d) {
            throw new MeshflException(ErrorCode.PROTOCOL_FAILURE, "group member " + from + " sent statistics of " + v.length / 3 + " columns, not " + d);
        }
        long[] count = new long[d];
        for (int j = 0; j < d; j++) count[j] = (long) v[j];
        return new ColumnStats(features, count, java.util.Arrays.copyOfRange(v, d, 2 * d), java.util.Arrays.copyOfRange(v, 2 * d, 3 * d));
    }

    /**
     * Member {@code m}'s mask of gradient coordinate {@code q} at step {@code context}: uniform
     * modulo {@code n} (64 bits beyond it), from the members' seed; every member can draw every
     * member's mask, the arbiter none.
     */
    BigInteger mask(String context, int m, int q, BigInteger n) {
        return io.meshfl.core.protocol.group.SeedStreams.modN(seed(), context + "/grad/" + m + "/" + q, n, 1)[0];
    }

    /** The sum of every member's mask of coordinate {@code q}: what the arbiter's decryption of the members' sum carries. */
    BigInteger maskSum(String context, int q, BigInteger n) {
        BigInteger s = BigInteger.ZERO;
        for (int m = 0; m < members.size(); m++) s = s.add(mask(context, m, q, n));
        return s.mod(n);
    }

    /**
     * This member's partial scores as fixed-point integers plus a mask; the members' masks sum to
     * zero modulo 2^64, so the label holder's sum of the members' vectors is the party's scores and
     * any one vector is uniform noise to it.
     */
    byte[] maskScores(String context, double[] u) {
        return new io.meshfl.core.protocol.group.GroupMember(name, members, members.get(index), seed()).maskFixed(context + "/score", u);
    }

    /** The party's scores from its members' masked vectors (label holder). */
    static double[] unmaskScores(List<byte[]> vectors, int n, String group) {
        return io.meshfl.core.protocol.group.GroupMember.sumFixed(vectors, n, group);
    }

    /**
     * Each group's scores from its members' masked vectors, by the group's name: {@code opened}
     * gives a member's vector as the label holder opened it.
     */
    static java.util.Map<String, double[]> partyScores(java.util.Map<String, List<String>> groups,
                                                       java.util.function.Function<String, byte[]> opened, int n) {
        java.util.Map<String, double[]> out = new java.util.LinkedHashMap<>();
        for (var g : groups.entrySet()) out.put(g.getKey(), unmaskScores(g.getValue().stream().map(opened).toList(), n, g.getKey()));
        return out;
    }

    private byte[] seed() {
        if (seed == null) throw new MeshflException(ErrorCode.OUT_OF_ORDER, "group " + name + ": masks asked before the members agreed on a seed");
        return seed;
    }

    private static boolean[] present(int[] aligned) {
        boolean[] p = new boolean[aligned.length];
        for (int i = 0; i < aligned.length; i++) p[i] = aligned[i] >= 0;
        return p;
    }
}

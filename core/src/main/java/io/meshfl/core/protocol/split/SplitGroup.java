package io.meshfl.core.protocol.split;

import io.meshfl.core.ErrorCode;
import io.meshfl.core.MeshflException;
import io.meshfl.core.crypto.seal.SealedBox;
import io.meshfl.core.data.Dataset;
import io.meshfl.core.protocol.Message;
import io.meshfl.core.protocol.NodeContext;
import io.meshfl.core.protocol.RunCheckpoint;
import io.meshfl.core.protocol.Wire;
import io.meshfl.core.protocol.group.GroupMember;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;

/**
 * A member's side of a split-network party made of several products: the members agree, sealed
 * member to member, on the party's column encoding (merged counts, sums and sums of squares, the
 * union of category values) and on a seed; they share one bottom network, each forwards its own
 * rows only and masks its cut-layer block with its share of zero, so the coordinator's sum of the
 * members' blocks is the party's; each computes its share of the bottom's gradient over its own
 * rows and seals it for the others, so every member steps the same weights by the party's gradient
 * and no one else sees it.
 */
final class SplitGroup {

    static final String PENDING = "split.group-pending";

    private SplitGroup() {
    }

    /** A member's seat: its place in the group, which aligned rows it holds, its sealing key and its fellow members' keys. */
    static final class Seat {
        final GroupMember member;
        final boolean[] present;
        final SealedBox seal = SealedBox.generate();
        final Map<String, byte[]> peers = new HashMap<>();

        Seat(GroupMember member, boolean[] present) {
            this.member = member;
            this.present = present;
        }

        /** A cut-layer block of {@code rows} (aligned rows), zero where another member holds the row, masked with this member's share of zero. */
        byte[] masked(String label, double[] act, int[] rows, int cut) {
            double[] own = act.clone();
            for (int i = 0; i < rows.length; i++) if (!present[rows[i]]) Arrays.fill(own, i * cut, i * cut + cut, 0.0);
            return member.maskFixed(label, own);
        }

        byte[] peer(String m) {
            byte[] k = peers.get(m);
            if (k == null) throw new MeshflException(ErrorCode.OUT_OF_ORDER, "no sealing key of group member " + m + " yet");
            return k;
        }
    }

    /** What a member's set-up keeps until the members agree on the party's encoding. */
    record Pending(Message setup, Dataset rows, int[] aligned, int train, RunCheckpoint resumed, Seat seat) {
    }

    static int[] range(int from, int to) {
        int[] r = new int[to - from];
        for (int i = 0; i < r.length; i++) r[i] = from + i;
        return r;
    }

    /** Member: its training rows' column statistics sealed for every other member; the first member also a fresh seed. */
    static Message share(Message req, NodeContext ctx, Pending p) {
        Seat seat = p.seat();
        for (var e : req.blobs().entrySet()) if (e.getKey().startsWith("peer:")) seat.peers.put(e.getKey().substring(5), e.getValue());
        String self = ctx.domain();
        byte[] stats = stats(p);
        Map<String, byte[]> out = new LinkedHashMap<>();
        for (String m : seat.member.members()) {
            if (!m.equals(self)) out.put("to:" + m, seat.seal.seal(seat.peer(m), req.jobId() + "/split/stats:" + self + ">" + m, stats));
        }
        out.putAll(seat.member.offerSeed(seat.seal, seat::peer, m -> req.jobId() + "/split/seed:" + m));
        return req.reply(ctx.nodeId(), Map.of(), Map.of(), out);
    }

    /** Member: the party's encoding from every member's statistics, merged in member order; then its bottom network as any party's. */
    static Message join(Message req, NodeContext ctx, Pending p) {
        Seat seat = p.seat();
        String self = ctx.domain();
        List<String> features = p.rows().features();
        List<String> cats = features.stream().filter(SplitNode.csv(p.setup().cfg("categorical", ""))::contains).toList();
        List<Wire.In> all = new ArrayList<>();
        for (String m : seat.member.members()) {
            if (m.equals(self)) {
                all.add(new Wire.In(stats(p), "own statistics"));
                continue;
            }
            byte[] sealed = req.blobs().get("from:" + m);
            if (sealed == null) throw new MeshflException(ErrorCode.PROTOCOL_FAILURE, "group " + seat.member.name() + ": no statistics from member " + m);
            all.add(new Wire.In(seat.seal.open(seat.peer(m), req.jobId() + "/split/stats:" + m + ">" + self, sealed), "statistics of " + m));
        }
        String first = seat.member.members().get(0);
        if (!seat.member.leader()) seat.member.acceptSeed(seat.seal, seat.peer(first), req.jobId() + "/split/seed:" + self, req.blobs().get("seed:" + first));
        int d = features.size();
        double[] mean = new double[d], std = new double[d];
        List<double[]> vocab = new ArrayList<>();
        for (int j = 0; j < d; j++) {
            boolean cat = cats.contains(features.get(j));
            double n = 0, sum = 0, sq = 0;
            TreeSet<Double> values = new TreeSet<>();
            for (Wire.In in : all) {
                int kind = in.getInt();
                if (kind != (cat ? 1 : 0)) throw new MeshflException(ErrorCode.PROTOCOL_FAILURE, "group " + seat.member.name() + ": column '"
                        + features.get(j) + "' is categorical on one member and numeric on another");
                if (cat) {
                    int k = in.getInt();
                    for (int i = 0; i < k; i++) values.add(in.getDouble());
                } else {
                    n += in.getDouble();
                    sum += in.getDouble();
                    sq += in.getDouble();
                }
            }
            if (cat) {
                vocab.add(values.stream().mapToDouble(Double::doubleValue).toArray());
                std[j] = 1.0;
            } else {
                mean[j] = n == 0 ? 0 : sum / n;
                double var = n == 0 ? 0 : sq / n - mean[j] * mean[j];
                // a column constant over the party's rows scales by 1, as over a single product's
                std[j] = var <= 1e-12 * Math.max(1, mean[j] * mean[j]) ? 0.0 : Math.sqrt(var);
            }
        }
        ColumnEncoding enc = new ColumnEncoding(features, cats, mean, std, vocab);
        ctx.jobState(req.jobId()).remove(PENDING);
        // the party's network is built as in a party's own set-up; the answer goes to this step
        Message built = BottomSetup.build(p.setup(), ctx, p.rows(), enc, p.aligned(), p.train(), p.resumed(), seat, null);
        return req.reply(ctx.nodeId(), built.metrics(), Map.of());
    }

    /**
     * Member: its share of the bottom's gradient for the pending batch, over its own rows only (the
     * cut gradient of the others' rows set to zero), kept, and sealed for every other member.
     */
    static Message gradient(Message req, SplitNode.Party p) {
        Seat seat = p.seat;
        if (seat == null) throw new MeshflException(ErrorCode.PROTOCOL_FAILURE, p.domain + " is no member of a group in this job");
        if (p.pendingBatch == null || p.pendingRows < 0) throw new MeshflException(ErrorCode.OUT_OF_ORDER, "group gradient with no batch forwarded");
        double[] cut = req.tensor(SplitSteps.GRAD).clone();
        int w = p.bottom.cutWidth();
        Bottom.checkBlock("cut gradient", p.domain, cut, p.pendingRows, w);
        for (int i = 0; i < p.pendingBatch.length; i++) if (!seat.present[p.pendingBatch[i]]) Arrays.fill(cut, i * w, i * w + w, 0.0);
        p.share = p.gradient(cut);
        Wire.Out payload = new Wire.Out().putInt(p.share.length);
        for (double v : p.share) payload.putDouble(v);
        byte[] plain = payload.bytes();
        Map<String, byte[]> out = new LinkedHashMap<>();
        for (String m : seat.member.members()) {
            if (!m.equals(p.domain)) out.put("to:" + m, seat.seal.seal(seat.peer(m), context(req, p, p.domain, m), plain));
        }
        return req.reply(p.domain, Map.of(), Map.of(), out);
    }

    /** The party's gradient for the pending batch: the members' shares added in member order, so every member gets the same numbers. */
    static double[] total(Message req, SplitNode.Party p) {
        if (p.share == null) throw new MeshflException(ErrorCode.OUT_OF_ORDER, "a group step before this member's gradient share");
        double[] sum = new double[p.share.length];
        for (String m : p.seat.member.members()) {
            double[] g;
            if (m.equals(p.domain)) {
                g = p.share;
            } else {
                byte[] sealed = req.blobs().get("from:" + m);
                if (sealed == null) throw new MeshflException(ErrorCode.PROTOCOL_FAILURE, "no gradient share from group member " + m);
                Wire.In in = new Wire.In(p.seat.seal.open(p.seat.peer(m), context(req, p, m, p.domain), sealed), "gradient share of " + m);
                int k = in.getInt();
                if (k != sum.length) throw new MeshflException(ErrorCode.PROTOCOL_FAILURE, m + " sent a gradient share of " + k + " values, not " + sum.length);
                g = new double[k];
                for (int i = 0; i < k; i++) g[i] = in.getDouble();
            }
            for (int i = 0; i < sum.length; i++) sum[i] += g[i];
        }
        return sum;
    }

    /** Binds a gradient share to its job, the optimizer step it is for, sender and receiver. */
    private static String context(Message req, SplitNode.Party p, String from, String to) {
        return req.jobId() + "/split/grad/" + (p.t + 1) + "/" + from + ">" + to;
    }

    /** Per column of the member's own training rows: count, sum and sum of squares, or a categorical column's distinct values. */
    private static byte[] stats(Pending p) {
        Dataset rows = p.rows();
        List<String> cats = SplitNode.csv(p.setup().cfg("categorical", ""));
        int d = rows.cols();
        Wire.Out out = new Wire.Out();
        for (int j = 0; j < d; j++) {
            boolean cat = cats.contains(rows.features().get(j));
            double n = 0, sum = 0, sq = 0;
            TreeSet<Double> values = new TreeSet<>();
            for (int i = 0; i < p.train(); i++) {
                if (!p.seat().present[i]) continue;
                double v = rows.x()[i * d + j];
                if (cat) {
                    values.add(v);
                } else {
                    n++;
                    sum += v;
                    sq += v * v;
                }
            }
            out.putInt(cat ? 1 : 0);
            if (cat) {
                out.putInt(values.size());
                for (double v : values) out.putDouble(v);
            } else {
                out.putDouble(n).putDouble(sum).putDouble(sq);
            }
        }
        return out.bytes();
    }
}

package io.meshfl.core.protocol.psi;

import io.meshfl.core.ErrorCode;
import io.meshfl.core.MeshflException;
import io.meshfl.core.crypto.psi.Blinder;
import io.meshfl.core.crypto.psi.PsiKey;
import io.meshfl.core.data.Dataset;
import io.meshfl.core.protocol.Message;
import io.meshfl.core.protocol.NodeContext;
import io.meshfl.core.protocol.NodeProtocol;

import java.security.SecureRandom;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The node side of ECDH private set intersection. The node's keys leave only hashed to the curve
 * and blinded with its secret scalar, in an order shuffled by a secret permutation, so the
 * coordinator that relays them can link neither values nor positions to rows.
 */
public final class PsiNode implements NodeProtocol {

    private static final String STATE = "psi.state";
    private static final SecureRandom RANDOM = new SecureRandom();

    /** Per-job secrets of this node. */
    private static final class State {
        String product;
        String slot;
        String[] shuffledKeys;
        int[] permutation;
        Blinder blinder;
        /** Distinct-value alignment only: each product row's value, as an index into the distinct values (-1 if blank). */
        int[] rowValue;
        /** With an out-of-time cut: the product rows that take part, by their index among the keys. */
        int[] rows;
    }

    @Override
    public String name() {
        return PsiSteps.PROTOCOL;
    }

    @Override
    public Message handle(Message req, NodeContext ctx) {
        return switch (req.step()) {
            case PsiSteps.KEYS -> keys(req, ctx);
            case PsiSteps.BLIND -> blind(req, ctx);
            case PsiSteps.REBLIND -> {
                State s = state(req, ctx);
                yield req.reply(ctx.nodeId(), Map.of(), Map.of(), Map.of("points", s.blinder.reblind(req.blob("points"))));
            }
            case PsiSteps.ALIGN -> align(req, ctx);
            default -> req.failure(ctx.nodeId(), ErrorCode.PROTOCOL_FAILURE, "unknown psi step '" + req.step() + "'");
        };
    }

    private Message keys(Message req, NodeContext ctx) {
        String product = req.cfg("product");
        String column = req.cfg("column", "");
        boolean distinct = Boolean.parseBoolean(req.cfg("distinct", "false"));
        String[] keys;
        if (column.isEmpty()) {
            Dataset d = ctx.load(product, List.of(), null);
            if (d.keys() == null) {
                throw new MeshflException(ErrorCode.POLICY_VIOLATION, "product " + product + " declares no entity key (meshfl.entityKey)");
            }
            keys = d.keys();
        } else {
            keys = ctx.joinKeys(product, column);
        }
        State s = new State();
        s.product = product;
        s.slot = req.cfg("slot", "");
        String periodColumn = req.cfg("period_column", null);
        if (periodColumn != null) {
            // only the rows on one side of an out-of-time cut take part: the others are as if absent
            if (distinct) throw new MeshflException(ErrorCode.PROTOCOL_FAILURE, "an out-of-time cut applies to entity keys, not join keys");
            io.meshfl.core.data.TimeCut cut;
            try {
                cut = io.meshfl.core.data.TimeCut.parse(req.cfg("period_after"));
            } catch (IllegalArgumentException e) {
                throw new MeshflException(ErrorCode.JOB_INVALID, "evaluation.outOfTime.after: " + e.getMessage());
            }
            boolean late = Boolean.parseBoolean(req.cfg("period_late", "false"));
            String[] when = ctx.joinKeys(product, periodColumn);
            List<Integer> rows = new java.util.ArrayList<>();
            for (int i = 0; i < when.length; i++) {
                boolean after;
                try {
                    after = cut.isAfter(when[i], "product " + product + ": column '" + periodColumn + "' at data row " + (i + 1));
                } catch (IllegalArgumentException e) {
                    throw new MeshflException(ErrorCode.DATA_BAD_VALUE, e.getMessage() + "; an out-of-time cut needs a value in every row");
                }
                if (after == late) rows.add(i);
            }
            s.rows = rows.stream().mapToInt(Integer::intValue).toArray();
            String[] kept = new String[s.rows.length];
            for (int i = 0; i < kept.length; i++) kept[i] = keys[s.rows[i]];
            keys = kept;
        }
        if (distinct) {
            // A foreign key: many rows share a value; the values are aligned, each row follows its value.
            Map<String, Integer> index = new HashMap<>(keys.length * 2);
            List<String> values = new java.util.ArrayList<>();
            s.rowValue = new int[keys.length];
            for (int i = 0; i < keys.length; i++) {
                if (keys[i] == null) {
                    s.rowValue[i] = -1;
                    continue;
                }
                Integer v = index.putIfAbsent(keys[i], values.size());
                if (v == null) {
                    v = values.size();
                    values.add(keys[i]);
                }
                s.rowValue[i] = v;
            }
            keys = values.toArray(new String[0]);
        } else {
            Map<String, Integer> seen = new HashMap<>(keys.length * 2);
            for (int i = 0; i < keys.length; i++) {
                if (keys[i] == null) {
                    throw new MeshflException(ErrorCode.DATA_BAD_VALUE, "product " + product + " has a blank "
                            + (column.isEmpty() ? "entity key" : "key in column '" + column + "'") + " at data row "
                            + ((s.rows == null ? i : s.rows[i]) + 1));
                }
                Integer prev = seen.put(keys[i], i);
                if (prev != null) {
                    // The key itself may be personal data: name the rows, not the value.
                    throw new MeshflException(ErrorCode.DATA_BAD_VALUE, "product " + product + " has a duplicate "
                            + (column.isEmpty() ? "entity key" : "key in column '" + column + "'") + " at data rows "
                            + ((s.rows == null ? prev : s.rows[prev]) + 1) + " and " + ((s.rows == null ? i : s.rows[i]) + 1)
                            + "; entity alignment needs unique keys");
                }
            }
        }
        s.permutation = shuffle(keys.length);
        s.shuffledKeys = new String[keys.length];
        for (int i = 0; i < keys.length; i++) s.shuffledKeys[i] = keys[s.permutation[i]];
        s.blinder = new Blinder(PsiKey.random(RANDOM), Runtime.getRuntime().availableProcessors());
        ctx.jobState(req.jobId()).put(STATE, s);
        return req.reply(ctx.nodeId(), Map.of("count", (double) keys.length), Map.of());
    }

    private Message blind(Message req, NodeContext ctx) {
        State s = state(req, ctx);
        int from = Integer.parseInt(req.cfg("from"));
        int to = Integer.parseInt(req.cfg("to"));
        if (from < 0 || to > s.shuffledKeys.length || from > to) {
            throw new MeshflException(ErrorCode.PROTOCOL_FAILURE, "blind range [" + from + ", " + to + ") is outside 0.." + s.shuffledKeys.length);
        }
        return req.reply(ctx.nodeId(), Map.of(), Map.of(), Map.of("points", s.blinder.blindKeys(s.shuffledKeys, from, to)));
    }

    private Message align(Message req, NodeContext ctx) {
        State s = state(req, ctx);
        int[] match = PackedInts.unpack(req.blob("match"));
        int[] rank = PackedInts.unpack(req.blob("rank"));
        if (match.length != rank.length) {
            throw new MeshflException(ErrorCode.PROTOCOL_FAILURE, "align: " + match.length + " matches but " + rank.length + " ranks");
        }
        if (req.cfg("ordered", "false").equals("true")) return alignMember(req, ctx, s, match, rank);
        int[] aligned = new int[match.length];
        boolean[] filled = new boolean[match.length];
        for (int i = 0; i < match.length; i++) {
            if (match[i] < 0 || match[i] >= s.permutation.length || rank[i] < 0 || rank[i] >= match.length || filled[rank[i]]) {
                throw new MeshflException(ErrorCode.PROTOCOL_FAILURE, "align: invalid match " + match[i] + " or rank " + rank[i]);
            }
            aligned[rank[i]] = s.rows == null ? s.permutation[match[i]] : s.rows[s.permutation[match[i]]];
            filled[rank[i]] = true;
        }
        Map<String, Object> job = ctx.jobState(req.jobId());
        // the intersection's order is the order of its keys, which every party holds alike, rather than the order the
        // random blinding left it in: the same data give the same rows in the same order in every run (batches, holdouts)
        String[] keyAt = new String[aligned.length];
        for (int i = 0; i < match.length; i++) keyAt[rank[i]] = s.shuffledKeys[match[i]];
        Integer[] order = new Integer[aligned.length];
        for (int i = 0; i < order.length; i++) order[i] = i;
        String orderSeed = req.cfg("order_seed", null);
        if (orderSeed == null) {
            java.util.Arrays.sort(order, (a, b) -> keyAt[a].compareTo(keyAt[b]));
        } else {
            // with a group among the parties: by a keyed hash of the key, the same on every party, and unrelated to the keys' own order
            byte[][] h = KeyedOrder.hashes(Long.parseLong(orderSeed), keyAt);
            java.util.Arrays.sort(order, (a, b) -> KeyedOrder.compare(h[a], h[b], keyAt[a], keyAt[b]));
        }
        int[] position = new int[aligned.length];
        for (int i = 0; i < order.length; i++) position[order[i]] = i;
        if (s.rowValue != null) {
            int[] rankOfValue = new int[s.permutation.length];
            java.util.Arrays.fill(rankOfValue, -1);
            for (int r = 0; r < aligned.length; r++) rankOfValue[aligned[r]] = position[r];
            int[] rowRank = new int[s.rowValue.length];
            for (int i = 0; i < rowRank.length; i++) rowRank[i] = s.rowValue[i] < 0 ? -1 : rankOfValue[s.rowValue[i]];
            job.put(PsiSteps.slotted(PsiSteps.ROW_RANKS, s.slot), rowRank);
        } else {
            int[] sorted = new int[aligned.length];
            for (int r = 0; r < aligned.length; r++) sorted[position[r]] = aligned[r];
            job.put(PsiSteps.slotted(PsiSteps.ALIGNED_ROWS, s.slot), sorted);
        }
        job.put(PsiSteps.slotted(PsiSteps.ALIGNED_PRODUCT, s.slot), s.product);
        job.remove(STATE);
        // the leader of an alignment with groups says where each common entity (by its rank among the blinded values) fell,
        // so the coordinator can tell each group member the places of its own entities
        Map<String, byte[]> out = req.cfg("report_order", "false").equals("true") ? Map.of("order", PackedInts.pack(position)) : Map.of();
        return req.reply(ctx.nodeId(), Map.of("aligned", (double) aligned.length), Map.of(), out);
    }

    /**
     * A group member: the places of its entities in the common order come from the alignment, as it
     * cannot order entities it does not hold; its aligned rows are the common order with -1 where
     * another member holds the entity.
     */
    private static Message alignMember(Message req, NodeContext ctx, State s, int[] match, int[] place) {
        if (s.rowValue != null) throw new MeshflException(ErrorCode.PROTOCOL_FAILURE, "a group member aligns entity keys, not join keys");
        int common = Integer.parseInt(req.cfg("common"));
        if (match.length != place.length || match.length > common) {
            throw new MeshflException(ErrorCode.PROTOCOL_FAILURE, "align: " + match.length + " matches, " + place.length + " places, "
                    + common + " common entities");
        }
        int[] sparse = new int[common];
        java.util.Arrays.fill(sparse, -1);
        for (int i = 0; i < match.length; i++) {
            if (match[i] < 0 || match[i] >= s.permutation.length || place[i] < 0 || place[i] >= common || sparse[place[i]] >= 0) {
                throw new MeshflException(ErrorCode.PROTOCOL_FAILURE, "align: invalid match " + match[i] + " or place " + place[i]);
            }
            sparse[place[i]] = s.rows == null ? s.permutation[match[i]] : s.rows[s.permutation[match[i]]];
        }
        Map<String, Object> job = ctx.jobState(req.jobId());
        job.put(PsiSteps.slotted(PsiSteps.ALIGNED_ROWS, s.slot), sparse);
        job.put(PsiSteps.slotted(PsiSteps.ALIGNED_PRODUCT, s.slot), s.product);
        job.remove(STATE);
        return req.reply(ctx.nodeId(), Map.of("aligned", (double) match.length), Map.of());
    }

    private static int[] shuffle(int n) {
        int[] p = new int[n];
        for (int i = 0; i < n; i++) p[i] = i;
        for (int i = n - 1; i > 0; i--) {
            int j = RANDOM.nextInt(i + 1);
            int t = p[i];
            p[i] = p[j];
            p[j] = t;
        }
        return p;
    }

    private static State state(Message req, NodeContext ctx) {
        Object s = ctx.jobState(req.jobId()).get(STATE);
        if (s == null) {
            throw new MeshflException(ErrorCode.OUT_OF_ORDER, "psi step '" + req.step() + "' of job " + req.jobId() + " arrived before 'keys'");
        }
        return (State) s;
    }
}

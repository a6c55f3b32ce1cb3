package io.meshfl.core.protocol.split;

import io.meshfl.core.ErrorCode;
import io.meshfl.core.MeshflException;
import io.meshfl.core.model.nn.Columns;
import io.meshfl.core.model.nn.Network;
import io.meshfl.core.protocol.Message;
import io.meshfl.core.protocol.PartyCalls;
import io.meshfl.core.protocol.group.GroupMember;
import io.meshfl.core.protocol.group.GroupRoster;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.BiFunction;

/**
 * The parties of a split network in the top network's input order, as the coordinator sees them:
 * a party of its own is one domain; a party made of several products (a job's group) is its
 * members, whose masked cut-layer blocks add up to the party's and who exchange their gradient
 * shares sealed among themselves.
 */
final class SplitParties {

    private final List<String> names = new ArrayList<>();
    private final GroupRoster roster;

    /** The parties of {@code domains} (in training order) under {@code roster}. */
    SplitParties(List<String> domains, GroupRoster roster) {
        this.roster = roster;
        for (String d : domains) {
            String party = roster.groupOf(d) != null ? roster.groupOf(d) : d;
            if (!names.contains(party)) names.add(party);
        }
    }

    int size() {
        return names.size();
    }

    List<String> names() {
        return names;
    }

    /** The place of {@code domain}'s party in the top network's input. */
    int partyOf(String domain) {
        String g = roster.groupOf(domain);
        return names.indexOf(g != null ? g : domain);
    }

    boolean grouped() {
        return !roster.isEmpty();
    }

    /**
     * Each party's cut-layer block of {@code rows x cut} finite values, in party order: a party of
     * its own's tensor, a group's sum of its members' masked blocks.
     */
    List<double[]> blocks(List<Message> replies, List<String> domains, int rows, int cut, String where) {
        List<double[]> out = new ArrayList<>(names.size());
        for (String party : names) {
            double[] a;
            if (roster.groups().containsKey(party)) {
                List<byte[]> masked = new ArrayList<>();
                for (String m : roster.domains(party)) masked.add(replies.get(domains.indexOf(m)).blobs().get(SplitSteps.ACT));
                a = GroupMember.sumFixed(masked, rows * cut, party);
            } else {
                a = replies.get(domains.indexOf(party)).tensor(SplitSteps.ACT);
            }
            Bottom.checkBlock("cut activations (" + where + ")", party, a, rows, cut);
            out.add(a);
        }
        return out;
    }

    /**
     * Every group member's share of its party's bottom gradient for the cut gradients {@code grads}
     * (per party): each member computes its own and seals it for the others ({@code group-grad}); the
     * blobs each member then needs, by domain ({@code from:MEMBER}).
     */
    Map<String, Map<String, byte[]>> shareGradients(PartyCalls calls, List<double[]> grads, BiFunction<String, String, Message> request) {
        Map<String, Map<String, byte[]>> out = new LinkedHashMap<>();
        if (!grouped() || grads == null) return out;
        List<String> members = new ArrayList<>();
        roster.groups().values().forEach(members::addAll);
        List<Message> shares = calls.parallel(members, d -> request.apply(SplitSteps.GROUP_GRAD, d)
                .withTensors(Map.of(SplitSteps.GRAD, grads.get(partyOf(d)))));
        for (String d : members) {
            Map<String, byte[]> in = new LinkedHashMap<>();
            for (String m : roster.domains(roster.groupOf(d))) {
                if (m.equals(d)) continue;
                byte[] sealed = shares.get(members.indexOf(m)).blobs().get("to:" + d);
                if (sealed == null) throw new MeshflException(ErrorCode.PROTOCOL_FAILURE, m + " sent no gradient share for " + d);
                in.put("from:" + m, sealed);
            }
            out.put(d, in);
        }
        return out;
    }

    /** {@code r} carrying what {@code domain} needs to step its bottom: its party's cut gradient, or a member's fellow members' shares. */
    Message withGradient(Message r, String domain, List<double[]> grads, Map<String, Map<String, byte[]>> shares) {
        if (grads == null) return r;
        if (roster.groupOf(domain) != null) return r.withBlobs(shares.get(domain));
        return r.withTensors(Map.of(SplitSteps.GRAD, grads.get(partyOf(domain))));
    }

    /** A member's set-up: its group and fellow members. */
    void configure(Map<String, String> cfg, String domain) {
        String g = roster.groupOf(domain);
        if (g == null) return;
        cfg.put("group", g);
        cfg.put("group_members", String.join(",", roster.domains(g)));
    }

    /** The sealing keys of {@code domain}'s fellow members, as {@code peer:MEMBER} blobs, from the set-up replies' {@code seal_pk}. */
    Map<String, byte[]> peers(String domain, List<String> domains, List<Message> setups) {
        Map<String, byte[]> out = new LinkedHashMap<>();
        String g = roster.groupOf(domain);
        if (g == null) return out;
        for (String m : roster.domains(g)) out.put("peer:" + m, setups.get(domains.indexOf(m)).blob("seal_pk"));
        return out;
    }

    GroupRoster roster() {
        return roster;
    }

    /** Logits of all {@code n} aligned rows ({@code top}'s outputs per row): parties forward chunk by chunk in parallel, the top runs here. */
    double[] logits(PartyCalls calls, List<String> domains, int n, int cut, Network top, double[] topParams,
                    BiFunction<String, int[], Message> request) {
        return logits(calls, domains, n, cut, top.outputs(), (x, rows) -> top.forward(topParams, x, rows), request);
    }

    /** As above with the top run by {@code top} (the cut layers side by side and their row count to {@code k} logits a row). */
    double[] logits(PartyCalls calls, List<String> domains, int n, int cut, int k, java.util.function.BiFunction<double[], Integer, double[]> top,
                    BiFunction<String, int[], Message> request) {
        int[] widths = new int[size()];
        Arrays.fill(widths, cut);
        double[] out = new double[n * k];
        for (int from = 0; from < n; from += SplitRunner.EVAL_CHUNK) {
            int to = Math.min(n, from + SplitRunner.EVAL_CHUNK);
            int[] range = {from, to};
            List<Message> replies = calls.parallel(domains, d -> request.apply(d, range));
            double[] x = Columns.concat(blocks(replies, domains, to - from, cut, "rows " + from + ".." + to), widths, to - from);
            System.arraycopy(top.apply(x, to - from), 0, out, from * k, (to - from) * k);
        }
        return out;
    }

    /** Scales each row of {@code g} ({@code rows x width}) whose L2 norm exceeds {@code bound} down to it; returns how many were. */
    static int clip(double[] g, int rows, int width, double bound) {
        int clipped = 0;
        for (int i = 0; i < rows; i++) {
            int off = i * width;
            double sq = 0;
            for (int j = 0; j < width; j++) sq += g[off + j] * g[off + j];
            if (sq > bound * bound) {
                double f = bound / Math.sqrt(sq);
                for (int j = 0; j < width; j++) g[off + j] *= f;
                clipped++;
            }
        }
        return clipped;
    }
}

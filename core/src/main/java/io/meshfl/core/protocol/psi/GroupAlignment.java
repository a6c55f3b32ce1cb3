package io.meshfl.core.protocol.psi;

import io.meshfl.core.ErrorCode;
import io.meshfl.core.MeshflException;
import io.meshfl.core.crypto.psi.Intersection;
import io.meshfl.core.protocol.Message;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.BiFunction;

/**
 * The coordinator's side of an alignment in which a party is a group of products on several
 * nodes: the common entities are those of every party of its own and of the union of each
 * group's members. A party of its own (the first, the label holder in a vertical job) orders the
 * common entities by a keyed hash of their keys and tells where each fell; every member is then
 * told only the places of its own entities, so it holds a sparse view of the common order.
 */
final class GroupAlignment {

    private final List<PsiRunner.Party> parties;
    private final List<byte[]> full;
    private final int[][] matches;
    private final int leader;

    private GroupAlignment(List<PsiRunner.Party> parties, List<byte[]> full, int[][] matches, int leader) {
        this.parties = parties;
        this.full = full;
        this.matches = matches;
        this.leader = leader;
    }

    /** The matches of an alignment with groups, or null when every party is a product of its own. */
    static GroupAlignment of(List<PsiRunner.Party> parties, List<byte[]> full) {
        if (parties.stream().allMatch(p -> p.group() == null)) return null;
        int leader = -1;
        Map<String, List<Integer>> units = new LinkedHashMap<>();
        for (int i = 0; i < parties.size(); i++) {
            String g = parties.get(i).group();
            if (g == null && leader < 0) leader = i;
            units.computeIfAbsent(g == null ? "#" + i : g, k -> new ArrayList<>()).add(i);
        }
        if (leader < 0) {
            throw new MeshflException(ErrorCode.PLAN_REFUSED, "an alignment of groups needs one product that is a party of its own");
        }
        Map<String, byte[]> sets = new LinkedHashMap<>();
        for (var u : units.entrySet()) {
            if (u.getKey().startsWith("#")) {
                sets.put(u.getKey(), full.get(u.getValue().get(0)));
            } else {
                sets.put(u.getKey(), union(u.getKey(), u.getValue(), parties, full));
            }
        }
        int[][] matches = new int[parties.size()][];
        for (int i = 0; i < parties.size(); i++) {
            String mine = parties.get(i).group() == null ? "#" + i : parties.get(i).group();
            List<byte[]> others = new ArrayList<>();
            sets.forEach((k, v) -> {
                if (!k.equals(mine)) others.add(v);
            });
            matches[i] = Intersection.matchIndices(full.get(i), others);
        }
        return new GroupAlignment(parties, full, matches, leader);
    }

    int[][] matches() {
        return matches;
    }

    /** How many entities every party (every group through one of its members) holds. */
    int common() {
        return matches[leader].length;
    }

    /**
     * Tells every party its matches and their places: the leader first, which reports the order of
     * the keyed hashes; parties of their own order alike from their own keys; members are told
     * the places outright.
     */
    void align(String jobId, String runId, long seed, BiFunction<String, Message, Message> call) {
        int common = common();
        int[] rank = PointOrder.ranks(full.get(leader), matches[leader]);
        byte[] sorted = new byte[common * 32];
        for (int i = 0; i < common; i++) System.arraycopy(full.get(leader), matches[leader][i] * 32, sorted, rank[i] * 32, 32);
        Map<String, String> orderCfg = Map.of("order_seed", Long.toString(seed));
        PsiRunner.Party lead = parties.get(leader);
        Message r = call.apply(lead.domain(), align(jobId, runId, lead, Map.of("order_seed", Long.toString(seed), "report_order", "true"),
                matches[leader], rank));
        int[] place = PackedInts.unpack(r.blob("order"));
        boolean[] seen = new boolean[common];
        if (place.length != common) throw new MeshflException(ErrorCode.PROTOCOL_FAILURE, "psi: the order holds " + place.length + " places for " + common);
        for (int p : place) {
            if (p < 0 || p >= common || seen[p]) throw new MeshflException(ErrorCode.PROTOCOL_FAILURE, "psi: the order is not a permutation");
            seen[p] = true;
        }
        for (int i = 0; i < parties.size(); i++) {
            if (i == leader) continue;
            PsiRunner.Party p = parties.get(i);
            if (p.group() == null) {
                call.apply(p.domain(), align(jobId, runId, p, orderCfg, matches[i], PointOrder.ranks(full.get(i), matches[i])));
                continue;
            }
            int[] places = new int[matches[i].length];
            for (int j = 0; j < places.length; j++) places[j] = place[find(sorted, full.get(i), matches[i][j])];
            call.apply(p.domain(), align(jobId, runId, p, Map.of("ordered", "true", "common", Integer.toString(common)), matches[i], places));
        }
    }

    private static Message align(String jobId, String runId, PsiRunner.Party p, Map<String, String> cfg, int[] match, int[] rank) {
        return Message.request(jobId, runId, PsiSteps.PROTOCOL, PsiSteps.ALIGN, 0, p.domain()).withConfig(cfg)
                .withBlobs(Map.of("match", PackedInts.pack(match), "rank", PackedInts.pack(rank)));
    }

    /** The rank of point {@code i} of {@code points} among the {@code sorted} common points. */
    private static int find(byte[] sorted, byte[] points, int i) {
        int lo = 0, hi = sorted.length / 32 - 1;
        while (lo <= hi) {
            int mid = (lo + hi) >>> 1;
            int c = java.util.Arrays.compareUnsigned(sorted, mid * 32, mid * 32 + 32, points, i * 32, i * 32 + 32);
            if (c == 0) return mid;
            if (c < 0) lo = mid + 1;
            else hi = mid - 1;
        }
        throw new MeshflException(ErrorCode.PROTOCOL_FAILURE, "psi: a member's match is not among the common entities");
    }

    /** The members' points as one set, refused when two members hold the same entity (its row would count twice). */
    private static byte[] union(String group, List<Integer> members, List<PsiRunner.Party> parties, List<byte[]> full) {
        int size = 0;
        for (int i : members) size += full.get(i).length;
        byte[] out = new byte[size];
        Map<ByteBuffer, Integer> owner = new HashMap<>(size / 16);
        Map<String, Integer> shared = new LinkedHashMap<>();
        int at = 0;
        for (int i : members) {
            byte[] pts = full.get(i);
            System.arraycopy(pts, 0, out, at, pts.length);
            for (int k = 0; k < pts.length; k += 32) {
                Integer other = owner.putIfAbsent(ByteBuffer.wrap(out, at + k, 32).slice(), i);
                if (other != null) shared.merge(parties.get(other).productId() + " and " + parties.get(i).productId(), 1, Integer::sum);
            }
            at += pts.length;
        }
        if (!shared.isEmpty()) {
            var e = shared.entrySet().iterator().next();
            throw new MeshflException(ErrorCode.DATA_BAD_VALUE, "group " + group + ": " + e.getKey() + " both hold " + e.getValue()
                    + " of the same entities; a group's members hold disjoint entities, or an entity's columns would count twice");
        }
        return out;
    }
}

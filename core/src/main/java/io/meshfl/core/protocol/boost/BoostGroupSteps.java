package io.meshfl.core.protocol.boost;

import io.meshfl.core.ErrorCode;
import io.meshfl.core.MeshflException;
import io.meshfl.core.model.tree.QuantileSketch;
import io.meshfl.core.protocol.Message;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The steps by which the members of a boosted-tree party made of several products agree, sealed
 * member to member through the coordinator: the party's quantile bins, from a sketch of each
 * member's training rows (so that their histograms add up bin by bin), and a secret seed (drawn by
 * the first member) for the masks of their histogram sums and partition bits.
 */
final class BoostGroupSteps {

    private BoostGroupSteps() {
    }

    /** Member: its sketch sealed for every other member ({@code to:MEMBER}); the first member also a fresh seed ({@code seed-to:MEMBER}). */
    static Message share(Message req, BoostHost h) {
        var g = member(h);
        byte[] sketch = h.sketch().encode();
        Map<String, byte[]> out = new LinkedHashMap<>();
        for (String m : g.members()) {
            if (!m.equals(h.domain)) out.put("to:" + m, h.seal.seal(peer(h, m), BoostNode.context(req, "sketch:" + h.domain + ">" + m), sketch));
        }
        out.putAll(g.offerSeed(h.seal, m -> peer(h, m), m -> BoostNode.context(req, "seed:" + m)));
        return req.reply(h.domain, Map.of(), Map.of(), out);
    }

    /** Member: merges every member's sketch in member order into the party's bins, and keeps the first member's seed. */
    static Message join(Message req, BoostHost h) {
        var g = member(h);
        List<QuantileSketch> all = new ArrayList<>();
        for (String m : g.members()) {
            if (m.equals(h.domain)) {
                all.add(h.sketch());
                continue;
            }
            byte[] sealed = req.blob("from:" + m);
            if (sealed == null) throw new MeshflException(ErrorCode.PROTOCOL_FAILURE, "group " + g.name() + ": no sketch from member " + m);
            byte[] open = h.seal.open(peer(h, m), BoostNode.context(req, "sketch:" + m + ">" + h.domain), sealed);
            all.add(QuantileSketch.decode(open, h.features.size(), "group member " + m));
        }
        String first = g.members().get(0);
        if (!g.leader()) g.acceptSeed(h.seal, peer(h, first), BoostNode.context(req, "seed:" + h.domain), req.blobs().get("seed:" + first));
        h.bin(QuantileSketch.merge(all, Integer.parseInt(req.cfg("bins"))));
        return req.reply(h.domain, Map.of("splittable", (double) h.splittable.length), Map.of());
    }

    private static io.meshfl.core.protocol.group.GroupMember member(BoostHost h) {
        if (h.group == null) throw new MeshflException(ErrorCode.PROTOCOL_FAILURE, h.domain + " is no member of a group in this job");
        return h.group;
    }

    private static byte[] peer(BoostHost h, String m) {
        byte[] k = h.peers.get(m);
        if (k == null) throw new MeshflException(ErrorCode.OUT_OF_ORDER, "no sealing key of group member " + m + " yet");
        return k;
    }
}

package io.meshfl.core.protocol.vertical;

import io.meshfl.core.ErrorCode;
import io.meshfl.core.MeshflException;
import io.meshfl.core.data.ColumnStats;
import io.meshfl.core.data.Standardizer;
import io.meshfl.core.protocol.Message;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The steps by which the members of a vertical party made of several products agree, sealed
 * member to member through the coordinator: the party's column scaling from their merged sums,
 * and a secret seed (drawn by the first member) for the masks of their gradient shares and scores.
 */
final class GroupSteps {

    private GroupSteps() {
    }

    /** Member: its training rows' column sums sealed for every other member; the first member also seals a fresh seed for each. */
    static Message share(Message req, Party p) {
        PartyGroup g = member(p);
        if (g.leader()) g.seed = io.meshfl.core.protocol.group.SeedStreams.newSeed();
        Map<String, byte[]> out = new LinkedHashMap<>();
        byte[] stats = PartyGroup.encodeStats(g.own);
        for (String m : g.members) {
            if (m.equals(p.domain)) continue;
            out.put("to:" + m, p.seal.seal(p.peer(m), VerticalNode.context(req, "stats:" + p.domain + ">" + m), stats));
            if (g.leader()) out.put("seed-to:" + m, p.seal.seal(p.peer(m), VerticalNode.context(req, "seed:" + m), g.seed));
        }
        return req.reply(p.domain, Map.of(), Map.of(), out);
    }

    /** Member: scales its rows by the party's merged statistics and keeps the first member's seed. */
    static Message join(Message req, Party p) {
        PartyGroup g = member(p);
        VerticalNode.onlyFrom(req, g.members, p.domain);
        List<ColumnStats> all = new ArrayList<>();
        for (String m : g.members) {
            if (m.equals(p.domain)) {
                all.add(g.own);
                continue;
            }
            byte[] sealed = req.blob("from:" + m);
            if (sealed == null) throw new MeshflException(ErrorCode.PROTOCOL_FAILURE, "group " + g.name + ": no statistics from member " + m);
            all.add(PartyGroup.decodeStats(p.seal.open(p.peer(m), VerticalNode.context(req, "stats:" + m + ">" + p.domain), sealed), p.features, m));
        }
        if (!g.leader()) {
            String first = g.members.get(0);
            byte[] sealed = req.blob("seed:" + first);
            if (sealed == null) throw new MeshflException(ErrorCode.PROTOCOL_FAILURE, "group " + g.name + ": no seed from its first member " + first);
            g.seed = p.seal.open(p.peer(first), VerticalNode.context(req, "seed:" + p.domain), sealed);
        }
        Standardizer z = PartyGroup.scaling(all);
        p.data = io.meshfl.core.data.AlignedRows.of(PartyGroup.scaled(z, g.raw, g.present));
        if (g.rawEval != null) p.evalData = io.meshfl.core.data.AlignedRows.of(PartyGroup.scaled(z, g.rawEval, g.evalPresent));
        p.mean = z.mean();
        p.std = z.std();
        long rows = 0;
        for (ColumnStats s : all) rows += s.features().isEmpty() ? 0 : s.count()[0];
        return req.reply(p.domain, Map.of("group_training_rows", (double) rows), Map.of());
    }

    private static PartyGroup member(Party p) {
        if (p.group == null) throw new MeshflException(ErrorCode.PROTOCOL_FAILURE, p.domain + " is no member of a group in this job");
        return p.group;
    }
}

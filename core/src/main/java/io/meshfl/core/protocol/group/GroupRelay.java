package io.meshfl.core.protocol.group;

import io.meshfl.core.plan.Plan;
import io.meshfl.core.protocol.Message;
import io.meshfl.core.protocol.PartyCalls;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.BiFunction;

/**
 * The coordinator's relay of the members' agreement in every group of a run: each member shares
 * what the others need, sealed for each of them ({@code to:MEMBER}), the first member also the
 * seed ({@code seed-to:MEMBER}); then each member joins with what was sealed for it. The
 * coordinator passes on what it cannot open.
 */
public final class GroupRelay {

    private GroupRelay() {
    }

    /**
     * Runs {@code share} then {@code join} on every member of a group among {@code participants};
     * {@code request} makes a step's request for a domain. The members' join replies, by domain.
     */
    public static Map<String, Message> agree(PartyCalls calls, List<Plan.Participant> participants, GroupRoster roster, String share,
                                             String join, BiFunction<String, String, Message> request) {
        if (roster.isEmpty()) return Map.of();
        List<Plan.Participant> members = participants.stream().filter(p -> p.group() != null).toList();
        Map<String, Message> shared = calls.each(members, p -> request.apply(share, p.domain()));
        return calls.each(members, p -> {
            Map<String, byte[]> in = new LinkedHashMap<>();
            List<String> group = roster.groups().get(p.group());
            for (String m : group) {
                if (!m.equals(p.domain())) in.put("from:" + m, shared.get(m).blob("to:" + p.domain()));
            }
            if (!group.get(0).equals(p.domain())) in.put("seed:" + group.get(0), shared.get(group.get(0)).blob("seed-to:" + p.domain()));
            return request.apply(join, p.domain()).withBlobs(in);
        });
    }

    /**
     * Scoring with a stored model: the first member of each group draws a fresh seed and seals it for
     * each other member ({@code seedStep}, given every member's sealing key), who takes it ({@code
     * joinStep}). {@code keys}: {@code peer:DOMAIN} to a party's sealing key; {@code call} sends a
     * request to its receiver and returns the reply.
     */
    public static void seeds(Map<String, List<String>> groups, Map<String, byte[]> keys, String seedStep, String joinStep,
                             BiFunction<String, String, Message> request, java.util.function.Function<Message, Message> call) {
        for (List<String> members : groups.values()) {
            String first = members.get(0);
            Map<String, byte[]> peers = new LinkedHashMap<>();
            for (String m : members) peers.put("peer:" + m, keys.get("peer:" + m));
            Message seeds = call.apply(request.apply(seedStep, first).withBlobs(peers));
            for (String m : members.subList(1, members.size())) {
                call.apply(request.apply(joinStep, m).withBlobs(Map.of("peer:" + first, keys.get("peer:" + first),
                        "seed:" + first, seeds.blob("seed-to:" + m))));
            }
        }
    }
}

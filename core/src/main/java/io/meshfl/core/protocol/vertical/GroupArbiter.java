package io.meshfl.core.protocol.vertical;

import io.meshfl.core.ErrorCode;
import io.meshfl.core.MeshflException;
import io.meshfl.core.crypto.paillier.Decryptor;
import io.meshfl.core.plan.Plan;
import io.meshfl.core.protocol.Message;
import io.meshfl.core.protocol.PartyCalls;
import io.meshfl.core.protocol.horizontal.RunObserver;

import java.math.BigInteger;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The coordinator's side of vertical parties made of several products (a job's {@code groups}):
 * it relays the members' sealed agreement on scaling and seed, and as the arbiter decrypts only
 * the sum of the members' masked gradient shares, which every member gets back.
 */
final class GroupArbiter {

    private final Map<String, List<String>> groups;
    private final io.meshfl.core.protocol.group.GroupRoster roster;

    GroupArbiter(Map<String, List<String>> groups) {
        this.groups = Map.copyOf(groups);
        this.roster = new io.meshfl.core.protocol.group.GroupRoster(groups);
    }

    boolean isEmpty() {
        return groups.isEmpty();
    }

    /** The group of the party of {@code domain}, or null. */
    String groupOf(String domain) {
        return roster.groupOf(domain);
    }

    /** Whether {@code domain}'s weight change counts in the epoch's total: a group's members step the same weights, counted once. */
    boolean counts(String domain) {
        String g = groupOf(domain);
        return g == null || groups.get(g).get(0).equals(domain);
    }

    /** A party's setup: the guest learns the groups, a member its group and its fellow members. */
    void configure(Map<String, String> cfg, Plan.Participant p, boolean guest) {
        roster.configure(cfg, p, guest);
    }

    /**
     * The members of every group agree on their party's scaling and on their masks' seed: each
     * shares its column sums, sealed for the other members, and the first member a fresh seed;
     * the coordinator relays what it cannot open.
     */
    void join(PartyCalls calls, Plan plan, String jobId, String runId, RunObserver observer) {
        if (groups.isEmpty()) return;
        Map<String, Message> joined = io.meshfl.core.protocol.group.GroupRelay.agree(calls, plan.participants(), roster, VerticalSteps.GROUP_SHARE,
                VerticalSteps.GROUP_JOIN, (step, domain) -> request(jobId, runId, step, domain));
        for (var g : groups.entrySet()) {
            observer.log(String.format(Locale.ROOT, "group %s: %d members %s scale their columns by the party's %d training rows and share "
                    + "a seed for their masks", g.getKey(), g.getValue().size(), g.getValue(),
                    joined.get(g.getValue().get(0)).metrics().getOrDefault("group_training_rows", 0.0).intValue()));
        }
    }

    /**
     * Every party's decrypted masked gradient, by domain: a party of its own gets its own back; a
     * group's members' shares are multiplied (summed under encryption) first, and each member gets
     * the decryption of the sum, so the arbiter never decrypts one member's share.
     */
    Map<String, byte[]> decrypt(Map<String, Message> grads, Decryptor dec) {
        Map<String, byte[]> plain = new LinkedHashMap<>();
        BigInteger nsq = dec.publicKey().nSquared();
        Map<String, BigInteger[]> sums = new LinkedHashMap<>();
        for (var e : grads.entrySet()) {
            BigInteger[] c = CipherCodec.unpack(e.getValue().blob("grad"), nsq, "masked gradient of " + e.getKey());
            String g = groupOf(e.getKey());
            if (g == null) {
                plain.put(e.getKey(), CipherCodec.pack(dec.decryptAll(c), dec.publicKey().n()));
                continue;
            }
            BigInteger[] sum = sums.get(g);
            if (sum == null) {
                sums.put(g, c);
            } else if (sum.length != c.length) {
                throw new MeshflException(ErrorCode.PROTOCOL_FAILURE, "members of group " + g + " sent gradients of " + sum.length + " and "
                        + c.length + " values");
            } else {
                for (int i = 0; i < c.length; i++) sum[i] = sum[i].multiply(c[i]).mod(nsq);
            }
        }
        for (var e : sums.entrySet()) {
            byte[] p = CipherCodec.pack(dec.decryptAll(e.getValue()), dec.publicKey().n());
            for (String m : groups.get(e.getKey())) plain.put(m, p);
        }
        return plain;
    }

    private static Message request(String jobId, String runId, String step, String domain) {
        return Message.request(jobId, runId, VerticalSteps.PROTOCOL, step, 0, domain).withConfig(Map.of());
    }
}

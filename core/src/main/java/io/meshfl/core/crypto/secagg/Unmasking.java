package io.meshfl.core.crypto.secagg;

import io.meshfl.core.ErrorCode;
import io.meshfl.core.MeshflException;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.IntStream;

/**
 * The server side of SecAgg+ masking: turns the ring sum of the survivors' masked inputs into
 * the sum of their inputs. Pairwise masks between two survivors cancel by themselves; what is
 * left is each survivor's self mask PRG(b_u), and for each survivor u and dropped neighbour d the
 * mask PRG(s_ud) that u added (d above u) or subtracted (d below u) and d never balanced.
 */
public final class Unmasking {

    private Unmasking() {
    }

    /**
     * Rebuilds the needed secrets from the survivors' UNMASK replies (each checked by
     * {@code book}) and unmasks. {@code maskKeys} are the raw mask public keys from SETUP.
     * Fails, naming the client, when fewer than {@code threshold} holders revealed a secret.
     */
    public static long[] recover(SecAggParams params, NeighbourGraph graph, ShareBook book, long[] maskedSum,
                                 SecAggMessage.UnmaskRequest request, List<SecAggMessage.RevealedShares> replies,
                                 Map<Integer, byte[]> maskKeys) {
        Map<Integer, List<Shamir.Share>> seedShares = new HashMap<>();
        Map<Integer, List<Shamir.Share>> keyShares = new HashMap<>();
        for (SecAggMessage.RevealedShares r : replies) {
            book.checkReveal(r, request);
            r.selfSeedShares().forEach((owner, s) -> seedShares.computeIfAbsent(owner, k -> new ArrayList<>()).add(s));
            r.secretKeyShares().forEach((owner, s) -> keyShares.computeIfAbsent(owner, k -> new ArrayList<>()).add(s));
        }
        // one rebuild per node in the sum, independent of each other: spread over the coordinator's cores
        List<Integer> survivors = new ArrayList<>(request.survivors());
        byte[][] rebuilt = new byte[survivors.size()][];
        MeshflException[] failed = new MeshflException[survivors.size()];
        IntStream.range(0, survivors.size()).parallel().forEach(k -> {
            try {
                rebuilt[k] = rebuild(seedShares.get(survivors.get(k)), "self-mask seed", survivors.get(k));
            } catch (MeshflException e) {
                failed[k] = e;
            }
        });
        Map<Integer, byte[]> selfSeeds = new HashMap<>();
        for (int k = 0; k < survivors.size(); k++) {
            if (failed[k] != null) {
                throw failed[k]; // the first failing client in order, whatever the scheduling
            }
            selfSeeds.put(survivors.get(k), rebuilt[k]);
        }
        Map<Integer, byte[]> droppedKeys = new HashMap<>();
        for (int d : request.dropped()) {
            if (!hasSurvivingNeighbour(graph, d, request.survivors())) {
                continue; // its pairwise masks appear in no surviving input
            }
            byte[] key = rebuild(keyShares.get(d), "mask secret key", d);
            byte[] advertised = maskKeys.get(d);
            if (advertised == null || !Arrays.equals(KeyAgreement.publicFromPrivate(key), advertised)) {
                throw new MeshflException(ErrorCode.PROTOCOL_FAILURE, "the mask secret key rebuilt for client " + d
                        + " does not match the public key it advertised: corrupted shares");
            }
            droppedKeys.put(d, key);
        }
        return unmask(params, graph, maskedSum, selfSeeds, droppedKeys, maskKeys);
    }

    /**
     * Unmasks with rebuilt secrets: the self seed of every survivor (whose ids are the keys of
     * {@code selfSeeds}), the raw mask secret key of every client that shared keys but sent no
     * masked input, and the raw mask public keys of the survivors.
     */
    public static long[] unmask(SecAggParams params, NeighbourGraph graph, long[] maskedSum,
                                Map<Integer, byte[]> selfSeeds, Map<Integer, byte[]> droppedSecretKeys,
                                Map<Integer, byte[]> maskPublicKeys) {
        Map<Integer, Map<Integer, byte[]>> pairSeeds = new HashMap<>();
        for (Map.Entry<Integer, byte[]> e : droppedSecretKeys.entrySet()) {
            int d = e.getKey();
            byte[] sk = e.getValue();
            Map<Integer, byte[]> seeds = new HashMap<>();
            for (int u : graph.neighbours(d)) {
                if (!selfSeeds.containsKey(u)) {
                    continue;
                }
                byte[] pk = maskPublicKeys.get(u);
                if (pk == null) {
                    throw new MeshflException(ErrorCode.PROTOCOL_FAILURE, "no mask public key for surviving client " + u);
                }
                seeds.put(u, KeyAgreement.sharedSeed(sk, pk, params.pairContext(d, u)));
            }
            pairSeeds.put(d, seeds);
        }
        return unmaskWithPairSeeds(params, graph, maskedSum, selfSeeds, pairSeeds);
    }

    /**
     * Unmasks with pairwise seeds already derived: {@code droppedPairSeeds.get(d).get(u)} is
     * s_ud for dropped client d and surviving neighbour u.
     */
    public static long[] unmaskWithPairSeeds(SecAggParams params, NeighbourGraph graph, long[] maskedSum,
                                             Map<Integer, byte[]> selfSeeds,
                                             Map<Integer, Map<Integer, byte[]>> droppedPairSeeds) {
        if (maskedSum.length != params.vectorLength()) {
            throw new MeshflException(ErrorCode.PROTOCOL_FAILURE, "masked sum has length " + maskedSum.length
                    + ", the round expects " + params.vectorLength());
        }
        for (int d : droppedPairSeeds.keySet()) {
            if (selfSeeds.containsKey(d)) {
                // the server must never hold both secrets of one client: together they unmask its input alone
                throw new MeshflException(ErrorCode.PROTOCOL_FAILURE, "client " + d
                        + " is treated as both survivor and drop-out; refusing to unmask");
            }
        }
        List<byte[]> seeds = new ArrayList<>(selfSeeds.values());
        boolean[] subtract = new boolean[selfSeeds.size() + droppedPairSeeds.values().stream().mapToInt(Map::size).sum()];
        Arrays.fill(subtract, 0, seeds.size(), true);
        for (Map.Entry<Integer, Map<Integer, byte[]>> e : droppedPairSeeds.entrySet()) {
            int d = e.getKey();
            for (Map.Entry<Integer, byte[]> pe : e.getValue().entrySet()) {
                int u = pe.getKey();
                if (!selfSeeds.containsKey(u) || !graph.areNeighbours(u, d)) {
                    throw new MeshflException(ErrorCode.PROTOCOL_FAILURE, "a pairwise seed for clients " + u + " and " + d
                            + " does not belong to a surviving neighbour of a drop-out");
                }
                // survivor u added PRG(s_ud) when d > u and subtracted it when d < u: undo that
                subtract[seeds.size()] = d > u;
                seeds.add(pe.getValue());
            }
        }
        long[] sum = maskedSum.clone();
        Prg.applyAll(sum, seeds, subtract, params.ring());
        return sum;
    }

    private static boolean hasSurvivingNeighbour(NeighbourGraph graph, int client, Set<Integer> survivors) {
        for (int n : graph.neighbours(client)) {
            if (survivors.contains(n)) {
                return true;
            }
        }
        return false;
    }

    private static byte[] rebuild(List<Shamir.Share> shares, String what, int owner) {
        List<Shamir.Share> use = shares == null ? List.of() : shares;
        // the threshold plus one share: the extra one still catches a corrupted or mixed-up share
        // among those used, shares beyond them cannot spoil the secret, and checking each of them
        // cost a Lagrange interpolation
        if (!use.isEmpty() && use.size() > use.get(0).threshold() + 1) {
            use = use.subList(0, use.get(0).threshold() + 1);
        }
        try {
            return Shamir.reconstruct(use);
        } catch (MeshflException e) {
            throw new MeshflException(ErrorCode.PROTOCOL_FAILURE, "cannot rebuild the " + what + " of client " + owner
                    + ": " + e.getMessage(), e);
        }
    }
}

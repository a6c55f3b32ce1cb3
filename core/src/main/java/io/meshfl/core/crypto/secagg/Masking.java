package io.meshfl.core.crypto.secagg;

import io.meshfl.core.ErrorCode;
import io.meshfl.core.MeshflException;

import java.security.PrivateKey;
import java.util.Map;

/**
 * The client side of SecAgg+ masking (Bell et al. 2020): for client i with self seed b_i and a
 * pairwise seed s_ij with each neighbour j that completed SHARE_KEYS,
 * <pre>
 *   y_i = x_i + PRG(b_i) + sum_{j > i} PRG(s_ij) - sum_{j < i} PRG(s_ij)   (mod 2^bits)
 * </pre>
 * Pairwise masks cancel in the sum of two neighbours; the self mask keeps y_i hidden even if the
 * server later learns s_ij for a neighbour it wrongly declared dropped.
 */
public final class Masking {

    private Masking() {
    }

    /** s_ij, the seed client {@code me} shares with {@code peer}, from its mask secret key and the peer's mask public key. */
    public static byte[] pairSeed(SecAggParams params, int me, PrivateKey myMaskKey, int peer, byte[] peerMaskKey) {
        if (me == peer) {
            throw new MeshflException(ErrorCode.PROTOCOL_FAILURE, "client " + me + " cannot pair with itself");
        }
        return KeyAgreement.sharedSeed(myMaskKey, peerMaskKey, params.pairContext(me, peer));
    }

    /**
     * Masks {@code input} (ring elements, e.g. from {@link Quantizer}). {@code pairSeeds} holds one
     * seed per neighbour that completed SHARE_KEYS; a seed for any other client is refused.
     */
    public static long[] mask(SecAggParams params, NeighbourGraph graph, int me, long[] input,
                              byte[] selfSeed, Map<Integer, byte[]> pairSeeds) {
        long[] y = input.clone();
        maskInPlace(params, graph, me, y, selfSeed, pairSeeds);
        return y;
    }

    /** As {@link #mask}, overwriting {@code input} with y_i: a node's encoded update is not needed once masked. */
    public static void maskInPlace(SecAggParams params, NeighbourGraph graph, int me, long[] input,
                                   byte[] selfSeed, Map<Integer, byte[]> pairSeeds) {
        if (input.length != params.vectorLength()) {
            throw new MeshflException(ErrorCode.PROTOCOL_FAILURE, "client " + me + " input has length " + input.length
                    + ", the round expects " + params.vectorLength());
        }
        for (int j : pairSeeds.keySet()) {
            if (j == me || !graph.areNeighbours(me, j)) {
                throw new MeshflException(ErrorCode.PROTOCOL_FAILURE, "client " + me + " holds a pairwise seed for client "
                        + j + ", which is not one of its neighbours");
            }
        }
        Ring ring = params.ring();
        for (int i = 0; i < input.length; i++) {
            input[i] = ring.reduce(input[i]);
        }
        Prg.apply(input, selfSeed, ring, false);
        for (Map.Entry<Integer, byte[]> e : pairSeeds.entrySet()) {
            Prg.apply(input, e.getValue(), ring, e.getKey() < me);
        }
    }
}

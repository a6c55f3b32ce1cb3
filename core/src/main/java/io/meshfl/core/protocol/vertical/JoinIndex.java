package io.meshfl.core.protocol.vertical;

import io.meshfl.core.ErrorCode;
import io.meshfl.core.MeshflException;
import io.meshfl.core.protocol.Message;
import io.meshfl.core.protocol.psi.PsiSteps;

import java.math.BigInteger;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.stream.IntStream;

/**
 * The guest's side of vertical training and scoring over a join (factorized, sources in their
 * domains): which base rows take part and where each finds its row on every host, and the
 * encrypted scatter of residuals back onto a host's rows.
 */
final class JoinIndex {

    private JoinIndex() {
    }

    /**
     * The guest's rows over a join: every base row whose foreign key found its row on every host
     * (an inner join), and for each host the index of that row among the host's aligned rows.
     */
    static int[] rows(Message req, Map<String, Object> job, String product, Map<String, int[]> index) {
        Map<String, int[]> ranks = new LinkedHashMap<>();
        for (String pair : VerticalNode.split(req.cfg("joins"))) {
            String[] hs = pair.split("=", 2);
            int[] r = (int[]) job.get(PsiSteps.slotted(PsiSteps.ROW_RANKS, hs[1]));
            if (r == null || !product.equals(job.get(PsiSteps.slotted(PsiSteps.ALIGNED_PRODUCT, hs[1])))) {
                throw new MeshflException(ErrorCode.OUT_OF_ORDER, "vertical setup for " + product + " arrived before its join keys were aligned with "
                        + hs[0]);
            }
            ranks.put(hs[0], r);
            int max = -1;
            for (int v : r) max = Math.max(max, v);
            job.put("vertical.hostRows:" + hs[0], max + 1);
        }
        int rows = ranks.values().iterator().next().length;
        int kept = 0;
        int[] keep = new int[rows];
        for (int i = 0; i < rows; i++) {
            boolean all = true;
            for (int[] r : ranks.values()) all &= r[i] >= 0;
            if (all) keep[kept++] = i;
        }
        if (kept == 0) {
            throw new MeshflException(ErrorCode.DATA_EMPTY, "no row of " + product + " finds its row in every joined product " + ranks.keySet());
        }
        int[] out = java.util.Arrays.copyOf(keep, kept);
        for (var e : ranks.entrySet()) {
            int[] idx = new int[kept];
            for (int i = 0; i < kept; i++) idx[i] = e.getValue()[out[i]];
            index.put(e.getKey(), idx);
        }
        return out;
    }

    /**
     * [[I^T d]] for one host: the residuals of the base rows that share a host row, summed under
     * encryption, then re-randomized, because the host knows the randomness of the ciphertexts it
     * sent and could otherwise strip it and read the sums.
     */
    static BigInteger[] scatter(Party p, BigInteger[] d, String host) {
        int[] idx = p.index.get(host);
        BigInteger[] e = new BigInteger[p.hostRows.get(host)];
        for (int i = 0; i < d.length; i++) e[idx[i]] = e[idx[i]] == null ? d[i] : p.he.add(e[idx[i]], d[i]);
        BigInteger[] out = new BigInteger[e.length];
        IntStream.range(0, e.length).parallel().forEach(j -> out[j] = p.enc.rerandomize(e[j] == null ? BigInteger.ONE : e[j]));
        return out;
    }
}

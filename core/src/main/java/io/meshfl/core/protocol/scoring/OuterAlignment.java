package io.meshfl.core.protocol.scoring;

import io.meshfl.core.ErrorCode;
import io.meshfl.core.MeshflException;
import io.meshfl.core.protocol.psi.PsiRunner;
import io.meshfl.core.protocol.psi.PsiSteps;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Alignment for scoring every row of the requester's product: one private set intersection between
 * the requester and each other party, each kept in a slot named by that party. A party learns the
 * intersection of its own rows with the requester's, as in any alignment; the requester learns, per
 * row, which parties know its entity (the coverage it is owed), and no party learns the others'.
 */
public final class OuterAlignment {

    /** Config key telling the requester's node which parties it was aligned with. */
    public static final String HOSTS = "outer_hosts";
    /** Config key telling another party's node the slot of its alignment with the requester. */
    public static final String SLOT = "outer_slot";

    private OuterAlignment() {
    }

    /** The pairwise alignments, one per party other than the requester. */
    public static void run(PsiRunner psi, String jobId, String requester, String requesterProduct, Map<String, String> productOfHost) {
        for (var h : productOfHost.entrySet()) {
            // the requester's keys as values that may repeat or be blank: every one of its rows follows its key, none is dropped
            psi.run(jobId, jobId, List.of(new PsiRunner.Party(requester, requesterProduct, "", true),
                    new PsiRunner.Party(h.getKey(), h.getValue(), "", false)), false, h.getKey());
        }
    }

    /**
     * The requester's view: its row count, and per party the index of each of its rows among that
     * party's aligned rows (-1 where the party does not know the entity).
     */
    public record Index(int rows, Map<String, int[]> rowOf, Map<String, Integer> hostRows) {

        /** Which parts were present on each row: the requester's always, each party's where it knows the entity. */
        public Coverage coverage(String requester, List<String> partDomains) {
            Map<String, boolean[]> present = new LinkedHashMap<>();
            for (String d : partDomains) {
                boolean[] p = new boolean[rows];
                int[] idx = rowOf.get(d);
                for (int i = 0; i < rows; i++) p[i] = d.equals(requester) || (idx != null && idx[i] >= 0);
                present.put(d, p);
            }
            return new Coverage(partDomains, present, rows);
        }

        /** Every row of the requester's product, in its order. */
        public int[] allRows() {
            int[] a = new int[rows];
            for (int i = 0; i < rows; i++) a[i] = i;
            return a;
        }
    }

    /** The requester's node: reads the alignments with {@code hosts} (comma-separated) from the job's state. */
    public static Index read(String hosts, Map<String, Object> job, String product) {
        Map<String, int[]> rowOf = new LinkedHashMap<>();
        Map<String, Integer> hostRows = new LinkedHashMap<>();
        int rows = -1;
        for (String h : hosts.split(",")) {
            if (h.isBlank()) continue;
            int[] r = (int[]) job.get(PsiSteps.slotted(PsiSteps.ROW_RANKS, h));
            if (r == null || !product.equals(job.get(PsiSteps.slotted(PsiSteps.ALIGNED_PRODUCT, h)))) {
                throw new MeshflException(ErrorCode.OUT_OF_ORDER, "scoring of " + product + " arrived before its alignment with " + h);
            }
            if (rows >= 0 && r.length != rows) {
                throw new MeshflException(ErrorCode.PROTOCOL_FAILURE, "the alignments of " + product + " cover " + rows + " and " + r.length + " rows");
            }
            rows = r.length;
            int max = -1;
            for (int v : r) max = Math.max(max, v);
            rowOf.put(h, r);
            hostRows.put(h, max + 1);
        }
        if (rows < 0) throw new MeshflException(ErrorCode.PROTOCOL_FAILURE, "scoring of " + product + " names no party it was aligned with");
        return new Index(rows, rowOf, hostRows);
    }

    /** Another party's node: its rows in the order of its alignment with the requester. */
    public static int[] hostRows(String slot, Map<String, Object> job, String product) {
        int[] a = (int[]) job.get(PsiSteps.slotted(PsiSteps.ALIGNED_ROWS, slot));
        if (a == null || !product.equals(job.get(PsiSteps.slotted(PsiSteps.ALIGNED_PRODUCT, slot)))) {
            throw new MeshflException(ErrorCode.OUT_OF_ORDER, "scoring of " + product + " arrived before its alignment with the requester");
        }
        return a;
    }
}

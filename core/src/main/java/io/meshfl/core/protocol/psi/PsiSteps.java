package io.meshfl.core.protocol.psi;

/** The named steps of private entity alignment. */
public final class PsiSteps {
    public static final String PROTOCOL = "psi";
    /** Node reads its product's entity keys, checks them, shuffles them with a secret permutation; returns only the count. */
    public static final String KEYS = "keys";
    /** Node returns a range of its shuffled keys hashed to the curve and blinded with its secret. */
    public static final String BLIND = "blind";
    /** Node blinds another party's points again with its own secret, keeping their order. */
    public static final String REBLIND = "reblind";
    /** Node learns which of its shuffled positions are in the intersection and their rank; keeps the aligned row order. */
    public static final String ALIGN = "align";

    /** Job-state key under which a node keeps the aligned row order (int[] of row indices into its product). */
    public static final String ALIGNED_ROWS = "psi.aligned";
    /** Job-state key under which a node keeps the product the alignment refers to. */
    public static final String ALIGNED_PRODUCT = "psi.product";

    /**
     * Job-state key under which a node that aligned the distinct values of a foreign-key column keeps,
     * for every row of its product, the rank of the row's value in the common order, or -1.
     */
    public static final String ROW_RANKS = "psi.rowRanks";

    /** A job-state key for one of several alignments in a job ({@code slot} empty: the job's only one). */
    public static String slotted(String key, String slot) {
        return slot == null || slot.isEmpty() ? key : key + ":" + slot;
    }

    private PsiSteps() {
    }
}

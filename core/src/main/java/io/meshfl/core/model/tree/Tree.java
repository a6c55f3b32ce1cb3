package io.meshfl.core.model.tree;

import java.util.Arrays;

/**
 * One regression tree in flat arrays, heap order (children of node i are 2i+1 and 2i+2). A node
 * is unused ({@link #UNUSED}), a leaf ({@link #LEAF}, with its weight), or a split held by party
 * {@code party[i]}: {@code ref[i]} is that party's feature index, or in federated trees the id of
 * a split record only that party can evaluate; {@code threshold[i]} is known only for splits
 * whose holder is the one keeping this tree (NaN otherwise).
 */
public record Tree(int[] party, int[] ref, double[] threshold, double[] weight) {

    public static final int UNUSED = -2;
    public static final int LEAF = -1;

    /** Decides at a split node whether a row goes left; federated trees ask the split's holder. */
    @FunctionalInterface
    public interface Router {
        boolean left(int node, int row);
    }

    public static Tree empty(int depth) {
        int n = (1 << (depth + 1)) - 1;
        int[] party = new int[n];
        Arrays.fill(party, UNUSED);
        double[] t = new double[n];
        Arrays.fill(t, Double.NaN);
        return new Tree(party, new int[n], t, new double[n]);
    }

    public static int left(int node) {
        return 2 * node + 1;
    }

    public static int right(int node) {
        return 2 * node + 2;
    }

    /** Depth of a heap index: 0 for the root. */
    public static int depthOf(int node) {
        return 31 - Integer.numberOfLeadingZeros(node + 1);
    }

    public boolean isLeaf(int node) {
        return party[node] == LEAF;
    }

    public void setLeaf(int node, double w) {
        party[node] = LEAF;
        weight[node] = w;
    }

    public void setSplit(int node, int holder, int reference, double thr) {
        party[node] = holder;
        ref[node] = reference;
        threshold[node] = thr;
    }

    /** The leaf row {@code row} ends in. */
    public int leafOf(int row, Router router) {
        int node = 0;
        while (party[node] != LEAF) {
            if (party[node] == UNUSED) throw new IllegalStateException("tree walks into unused node " + node);
            node = router.left(node, row) ? left(node) : right(node);
        }
        return node;
    }

    public double value(int row, Router router) {
        return weight[leafOf(row, router)];
    }

    /** Number of split nodes. */
    public int splits() {
        int n = 0;
        for (int p : party) if (p >= 0) n++;
        return n;
    }
}

package io.meshfl.core.model.tree;

/**
 * The best split of one node from its histogram, as a pure function: for every feature (in
 * layout order) and every cut "bin &lt;= b goes left", the gain
 * G_L^2/(H_L+l2) + G_R^2/(H_R+l2) - G^2/(H+l2), kept if both children's hessian sums reach
 * minChildWeight and the gain exceeds minGain. Ties keep the earlier feature and bin, so every
 * party walking the same layout picks the same split.
 */
public final class SplitFinder {

    /** A chosen split: feature index in the layout, the last bin that goes left, and its gain. */
    public record Split(int feature, int bin, double gain) {
    }

    private SplitFinder() {
    }

    /** The best split, or null if none qualifies; {@code gTotal}, {@code hTotal} are the node's sums. */
    public static Split best(Histogram hist, BinLayout layout, long gTotal, long hTotal, int fracBits, TreeParams p) {
        double g = Gradients.toDouble(gTotal, fracBits);
        double h = Gradients.toDouble(hTotal, fracBits);
        double parent = g * g / (h + p.l2());
        Split best = null;
        double bestGain = p.minGain();
        for (int f = 0; f < layout.features(); f++) {
            int off = layout.offset(f);
            long gl = 0, hl = 0;
            for (int b = 0; b < layout.bins(f) - 1; b++) {
                gl += hist.g()[off + b];
                hl += hist.h()[off + b];
                double gL = Gradients.toDouble(gl, fracBits), hL = Gradients.toDouble(hl, fracBits);
                double gR = Gradients.toDouble(gTotal - gl, fracBits), hR = Gradients.toDouble(hTotal - hl, fracBits);
                if (hL < p.minChildWeight() || hR < p.minChildWeight()) continue;
                double gain = gL * gL / (hL + p.l2()) + gR * gR / (hR + p.l2()) - parent;
                if (gain > bestGain) {
                    bestGain = gain;
                    best = new Split(f, b, gain);
                }
            }
        }
        return best;
    }

    /** The shrunk leaf weight -lr * G / (H + l2). */
    public static double leafWeight(long gTotal, long hTotal, int fracBits, TreeParams p) {
        double g = Gradients.toDouble(gTotal, fracBits);
        double h = Gradients.toDouble(hTotal, fracBits);
        return -p.lr() * g / (h + p.l2());
    }
}

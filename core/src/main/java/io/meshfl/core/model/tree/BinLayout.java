package io.meshfl.core.model.tree;

/**
 * Where each feature's bins sit in one flat histogram: feature f owns slots
 * {@code offset(f) .. offset(f) + bins(f) - 1}. Features of several parties are laid out one
 * party after the other, in a fixed order, so every split search walks them the same way.
 */
public record BinLayout(int[] bins, int[] offsets, int total) {

    public static BinLayout of(int[] bins) {
        int[] off = new int[bins.length];
        int t = 0;
        for (int f = 0; f < bins.length; f++) {
            off[f] = t;
            t += bins[f];
        }
        return new BinLayout(bins.clone(), off, t);
    }

    public int features() {
        return bins.length;
    }

    public int offset(int f) {
        return offsets[f];
    }

    public int bins(int f) {
        return bins[f];
    }
}

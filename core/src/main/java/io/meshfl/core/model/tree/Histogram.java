package io.meshfl.core.model.tree;

/**
 * Gradient and hessian sums per bin of one tree node, in fixed point (see {@link Gradients}).
 * Integer sums are exact and independent of row order, which is what lets the federated
 * protocol, summing under encryption, make exactly the splits of centralized training.
 */
public record Histogram(long[] g, long[] h) {

    public static Histogram empty(int total) {
        return new Histogram(new long[total], new long[total]);
    }

    /** Sums of {@code gq}, {@code hq} over {@code rows}, by the bins of every feature ({@code bin[f][row]}) at the layout's slots starting at {@code firstFeature}. */
    public static void accumulate(Histogram into, BinLayout layout, int firstFeature, int[] rows, byte[][] bin, long[] gq, long[] hq) {
        java.util.stream.IntStream.range(0, bin.length).parallel().forEach(f -> {
            int off = layout.offset(firstFeature + f);
            byte[] b = bin[f];
            long[] g = into.g, h = into.h;
            for (int r : rows) {
                int slot = off + (b[r] & 0xFF);
                g[slot] += gq[r];
                h[slot] += hq[r];
            }
        });
    }

    /** Parent minus one child: the sibling's histogram, exact in integers. */
    public Histogram minus(Histogram child) {
        long[] ng = new long[g.length], nh = new long[h.length];
        for (int i = 0; i < g.length; i++) {
            ng[i] = g[i] - child.g[i];
            nh[i] = h[i] - child.h[i];
        }
        return new Histogram(ng, nh);
    }
}

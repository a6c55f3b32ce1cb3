package io.meshfl.core.protocol.psi;

/** Ordering of packed 32-byte points without boxing: a merge sort over an index array. */
final class PointOrder {

    private PointOrder() {
    }

    /** For each i, the rank of point {@code idx[i]} among the points {@code idx} selects (0 = smallest). */
    static int[] ranks(byte[] packed, int[] idx) {
        int n = idx.length;
        int[] order = new int[n];
        for (int i = 0; i < n; i++) order[i] = i;
        int[] tmp = new int[n];
        for (int width = 1; width < n; width *= 2) {
            for (int lo = 0; lo < n - width; lo += 2 * width) {
                int mid = lo + width, hi = Math.min(lo + 2 * width, n);
                int a = lo, b = mid, k = lo;
                while (a < mid && b < hi) {
                    tmp[k++] = compare(packed, idx[order[a]], idx[order[b]]) <= 0 ? order[a++] : order[b++];
                }
                while (a < mid) tmp[k++] = order[a++];
                while (b < hi) tmp[k++] = order[b++];
                System.arraycopy(tmp, lo, order, lo, hi - lo);
            }
        }
        int[] rank = new int[n];
        for (int r = 0; r < n; r++) rank[order[r]] = r;
        return rank;
    }

    static int compare(byte[] packed, int i, int j) {
        int a = i * 32, b = j * 32;
        for (int k = 0; k < 32; k++) {
            int c = Integer.compare(packed[a + k] & 0xff, packed[b + k] & 0xff);
            if (c != 0) return c;
        }
        return 0;
    }
}

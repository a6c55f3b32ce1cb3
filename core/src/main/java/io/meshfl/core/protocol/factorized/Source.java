package io.meshfl.core.protocol.factorized;

/**
 * One normalized source table and where its columns land in the target table.
 *
 * @param name          names the source in error messages
 * @param rows          number of rows
 * @param cols          number of columns
 * @param data          {@code rows x cols} values, row-major
 * @param targetColumns for each source column, the target column it feeds, or {@code -1} to drop
 *                      it (an attribute that another source already provides); this is the
 *                      mapping matrix {@code M_k} and the overlap mask in one
 */
public record Source(String name, int rows, int cols, double[] data, int[] targetColumns) {

    public Source {
        if (name == null || name.isBlank()) throw new IllegalArgumentException("a source needs a name");
        if (rows < 0 || cols < 0 || (long) rows * cols != data.length) {
            throw new IllegalArgumentException("source '" + name + "' is " + rows + " x " + cols + " and needs "
                    + ((long) rows * cols) + " values, got " + data.length);
        }
        if (targetColumns.length != cols) {
            throw new IllegalArgumentException("source '" + name + "' has " + cols + " columns but a mapping for "
                    + targetColumns.length);
        }
    }

    /** A source whose columns feed target columns {@code first, first+1, ...} in order. */
    public static Source contiguous(String name, int rows, int cols, double[] data, int first) {
        int[] map = new int[cols];
        for (int j = 0; j < cols; j++) map[j] = first + j;
        return new Source(name, rows, cols, data, map);
    }

    /** Number of columns that reach the target table. */
    public int keptColumns() {
        int n = 0;
        for (int t : targetColumns) if (t >= 0) n++;
        return n;
    }
}

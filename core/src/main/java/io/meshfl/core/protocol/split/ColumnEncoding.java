package io.meshfl.core.protocol.split;

import io.meshfl.core.data.Dataset;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * How one party turns its raw columns into bottom-network inputs: numeric columns standardized
 * with the mean and deviation of its aligned training rows, categorical columns replaced by the
 * index of their value among the sorted distinct training values (1..V; 0 for a value never seen in
 * training). Kept in the saved model part so that scoring encodes new rows exactly like training.
 *
 * @param features    the party's columns, in input order
 * @param categorical the categorical ones among them, in input order
 * @param mean        per column; 0 for categorical columns
 * @param std         per column as measured (0 for a constant column, which then scales by 1); 1 for categorical columns
 * @param vocab       per categorical column, its sorted distinct training values
 */
public record ColumnEncoding(List<String> features, List<String> categorical, double[] mean, double[] std, List<double[]> vocab) {

    public ColumnEncoding {
        features = List.copyOf(features);
        categorical = List.copyOf(categorical);
        vocab = List.copyOf(vocab);
        if (mean.length != features.size() || std.length != features.size()) {
            throw new IllegalArgumentException("encoding has " + features.size() + " columns but " + mean.length + " means and " + std.length + " deviations");
        }
        if (vocab.size() != categorical.size()) {
            throw new IllegalArgumentException(categorical.size() + " categorical columns but " + vocab.size() + " vocabularies");
        }
    }

    /** Fits the encoding to a party's aligned training rows; {@code categorical} may name columns of other parties, which are ignored. */
    public static ColumnEncoding fit(Dataset rows, List<String> categorical) {
        List<String> features = rows.features();
        int d = features.size();
        List<String> cats = features.stream().filter(categorical::contains).toList();
        double[] mean = new double[d];
        double[] std = new double[d];
        List<double[]> vocab = new ArrayList<>();
        double[] x = rows.x();
        int n = rows.rows();
        for (int j = 0; j < d; j++) {
            if (cats.contains(features.get(j))) {
                double[] col = new double[n];
                for (int i = 0; i < n; i++) col[i] = x[i * d + j];
                vocab.add(Arrays.stream(col).sorted().distinct().toArray());
                std[j] = 1.0;
                continue;
            }
            double s = 0, q = 0;
            for (int i = 0; i < n; i++) s += x[i * d + j];
            double m = n == 0 ? 0.0 : s / n;
            // Two passes: a constant column then gets a deviation of exactly 0.
            for (int i = 0; i < n; i++) {
                double v = x[i * d + j] - m;
                q += v * v;
            }
            mean[j] = m;
            std[j] = n == 0 ? 0.0 : Math.sqrt(q / n);
        }
        return new ColumnEncoding(features, cats, mean, std, vocab);
    }

    /** The encoded copy of {@code data}, whose columns must be this encoding's; labels and keys are shared. */
    public Dataset apply(Dataset data) {
        if (!data.features().equals(features)) {
            throw new IllegalArgumentException("encoding is for columns " + features + ", data has " + data.features());
        }
        int d = features.size();
        int[] cat = categoricalSlots();
        double[] scale = new double[d];
        for (int j = 0; j < d; j++) scale[j] = std[j] == 0.0 || !Double.isFinite(std[j]) ? 1.0 : 1.0 / std[j];
        double[] x = data.x();
        double[] out = new double[x.length];
        for (int i = 0; i < data.rows(); i++) {
            int off = i * d;
            for (int j = 0; j < d; j++) {
                double v = x[off + j];
                out[off + j] = cat[j] >= 0 ? index(cat[j], v) : (v - mean[j]) * scale[j];
            }
        }
        return new Dataset(features, out, data.y(), data.keys(), data.rows());
    }

    /**
     * The encoded row at the centre of {@code encoded} (rows this encoding produced): each numeric
     * column's mean and each categorical column's most frequent index, the lowest on a tie; a mean of
     * category indices would name no category. Zeros when there are no rows.
     */
    public double[] typicalRow(Dataset encoded) {
        if (!encoded.features().equals(features)) {
            throw new IllegalArgumentException("encoding is for columns " + features + ", data has " + encoded.features());
        }
        double[] row = encoded.columnMeans();
        int[] cat = categoricalSlots();
        int d = features.size();
        double[] x = encoded.x();
        for (int j = 0; j < d; j++) {
            if (cat[j] < 0) continue;
            int[] count = new int[vocab.get(cat[j]).length + 1];
            for (int i = 0; i < encoded.rows(); i++) count[(int) x[i * d + j]]++;
            int best = 0;
            for (int v = 1; v < count.length; v++) if (count[v] > count[best]) best = v;
            row[j] = best;
        }
        return row;
    }

    /** Index of {@code value} in categorical column {@code c}: 1..V for a training value, 0 for any other. */
    public double index(int c, double value) {
        int k = Arrays.binarySearch(vocab.get(c), value);
        return k >= 0 ? k + 1 : 0;
    }

    /** The embeddings the bottom network's input encoder needs, one per categorical column. */
    public List<io.meshfl.core.model.nn.InputEncoder.Categorical> embeddings(int dim) {
        List<io.meshfl.core.model.nn.InputEncoder.Categorical> out = new ArrayList<>();
        for (int c = 0; c < categorical.size(); c++) {
            out.add(new io.meshfl.core.model.nn.InputEncoder.Categorical(features.indexOf(categorical.get(c)), vocab.get(c).length + 1, dim));
        }
        return out;
    }

    /** Columns that took a single value over the training rows, so carry no signal. */
    public int constantColumns() {
        int n = 0;
        for (int j = 0; j < features.size(); j++) {
            int c = categorical.indexOf(features.get(j));
            if (c >= 0 ? vocab.get(c).length <= 1 : std[j] == 0.0) n++;
        }
        return n;
    }

    /** Per input column, its position among the categorical columns, or -1 for a numeric one. */
    private int[] categoricalSlots() {
        int[] slot = new int[features.size()];
        for (int j = 0; j < slot.length; j++) slot[j] = categorical.indexOf(features.get(j));
        return slot;
    }
}

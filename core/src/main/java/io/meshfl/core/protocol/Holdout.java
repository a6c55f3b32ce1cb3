package io.meshfl.core.protocol;

import io.meshfl.core.data.Dataset;
import io.meshfl.core.data.Split;
import io.meshfl.core.metrics.Metrics;
import io.meshfl.core.plan.JobSpec;

import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.BiFunction;

/**
 * The held-out rows of a run over aligned rows: every party derives the same seeded split of the
 * same count and puts its training rows first, so training touches positions [0, train) and
 * evaluation scores [train, n) apart, with no index ever sent.
 */
public final class Holdout {

    private Holdout() {
    }

    /** The aligned rows reordered as the seeded split of their positions puts them: training rows, then held-out rows. */
    public static int[] trainFirst(int[] aligned, double holdout, long seed) {
        Split split = Split.of(aligned.length, holdout, seed);
        int[] out = new int[aligned.length];
        int k = 0;
        for (int i : split.train()) out[k++] = aligned[i];
        for (int i : split.holdout()) out[k++] = aligned[i];
        return out;
    }

    /** How many of {@code n} aligned rows train under a held-out share {@code holdout} (as {@link Split} rounds it). */
    public static int trainRows(int n, double holdout) {
        return n - (int) Math.round(n * holdout);
    }

    /** The held-out share of the aligned rows a vertical job asks for: its {@code evaluation.holdout} when the file gave one, else 0. */
    public static double share(JobSpec job) {
        return job.evaluation() != null && job.given().contains("evaluation.holdout") ? job.evaluation().holdout() : 0;
    }

    /**
     * The held-out share of a horizontal job's nodes: its {@code evaluation.holdout} (given or the
     * default), or 0 when evaluation products score the model instead.
     */
    public static double horizontalShare(JobSpec job) {
        return job.evaluation().products().isEmpty() ? job.evaluation().holdout() : 0;
    }

    /** Tells a party's setup the held-out share and the seed it derives the split from; nothing when {@code share} is 0. */
    public static void configure(Map<String, String> cfg, double share, long seed) {
        if (share <= 0) return;
        cfg.put("holdout", Double.toString(share));
        cfg.put("seed", Long.toString(seed));
    }

    /** A party's aligned rows in training-first order and how many of them train. */
    public record Rows(int[] aligned, int train) {

        /** The rows whose scaling, encodings or bins a party learns: the training rows of {@code rows} (aligned order). */
        public Dataset training(Dataset rows) {
            return train < rows.rows() ? rows.select(java.util.stream.IntStream.range(0, train).toArray()) : rows;
        }
    }

    /**
     * The positions among the first {@code train} of a group member's sparse common order that hold its own entities (where
     * {@code aligned} is not -1): its training rows, as its drift reference takes them.
     */
    public static int[] ownTraining(int[] aligned, int train) {
        return java.util.stream.IntStream.range(0, Math.min(train, aligned.length)).filter(i -> aligned[i] >= 0).toArray();
    }

    /**
     * The rows a setup request asks a party to work on: {@code aligned} put training-first by the
     * seeded split its config names, or as they are when the party resumes (its persisted order is
     * already split) or the job holds nothing out.
     */
    public static Rows of(Message setup, int[] aligned, boolean resumed) {
        double share = Double.parseDouble(setup.cfg("holdout", "0"));
        int[] order = share > 0 && !resumed ? trainFirst(aligned, share, Long.parseLong(setup.cfg("seed"))) : aligned;
        return new Rows(order, trainRows(order.length, share));
    }

    /**
     * {@code metrics} of {@code pred} against {@code y}: over every row, or, when the first
     * {@code train} rows trained and the rest were held out, over the held-out rows, with the
     * training rows' beside them as {@code train_*} and the held-out count.
     */
    public static Map<String, Double> apart(double[] pred, double[] y, int train,
                                            BiFunction<double[], double[], Map<String, Double>> metrics) {
        return apart(pred, y, train, 1, metrics);
    }

    /** As {@link #apart(double[], double[], int, BiFunction)} for {@code outputs} predictions per row (class probabilities). */
    public static Map<String, Double> apart(double[] pred, double[] y, int train, int outputs,
                                            BiFunction<double[], double[], Map<String, Double>> metrics) {
        int n = y.length;
        if (train >= n) return new LinkedHashMap<>(metrics.apply(pred, y));
        Map<String, Double> m = new LinkedHashMap<>(metrics.apply(Arrays.copyOfRange(pred, train * outputs, n * outputs),
                Arrays.copyOfRange(y, train, n)));
        metrics.apply(Arrays.copyOf(pred, train * outputs), Arrays.copyOf(y, train)).forEach((k, v) -> m.put("train_" + k, v));
        m.put("holdout_rows", (double) (n - train));
        return m;
    }

    /**
     * The metrics of a model of {@code task} from its predictions ({@code outputs} per row): AUC and
     * log loss for binary (see {@link #scores}), what {@link io.meshfl.core.metrics.EvalSums} reports
     * for the other tasks; held-out and training rows apart (see {@link #apart}).
     */
    public static Map<String, Double> metrics(io.meshfl.core.model.ModelSpec.Task task, double[] pred, double[] y, int train, int outputs) {
        if (task == io.meshfl.core.model.ModelSpec.Task.BINARY) return new LinkedHashMap<>(scores(pred, y, train));
        return apart(pred, y, train, outputs, (p, t) -> io.meshfl.core.metrics.EvalSums.of(task, p, t, outputs).toMap());
    }

    /** The blob under which a label holder returns its evaluation's {@link io.meshfl.core.metrics.Diagnostics}. */
    public static final String DIAGNOSTICS = "diagnostics";

    /**
     * The {@link io.meshfl.core.metrics.Diagnostics} of {@code pred} ({@code outputs} per row) over
     * the held-out rows when the first {@code train} rows trained, otherwise over every row; which
     * rows they describe is named in the result ({@code over}: held-out or training).
     */
    public static byte[] diagnostics(io.meshfl.core.model.ModelSpec.Task task, double[] pred, double[] y, int train, int outputs) {
        return diagnostics(task, pred, y, train, outputs, Map.of());
    }

    /**
     * As {@link #diagnostics(io.meshfl.core.model.ModelSpec.Task, double[], double[], int, int)}, with
     * each domain's share of the score's variance over the same rows ({@code contribution}) from the
     * domains' partial scores {@code parts} ({@code outputs} per row, summing to the score).
     */
    public static byte[] diagnostics(io.meshfl.core.model.ModelSpec.Task task, double[] pred, double[] y, int train, int outputs,
                                     Map<String, double[]> parts) {
        return io.meshfl.core.metrics.Diagnostics.encode(diagnosticsNode(task, pred, y, train, outputs, parts));
    }

    /** The diagnostics of {@link #diagnostics(io.meshfl.core.model.ModelSpec.Task, double[], double[], int, int, Map)}, not yet encoded. */
    public static com.fasterxml.jackson.databind.node.ObjectNode diagnosticsNode(io.meshfl.core.model.ModelSpec.Task task, double[] pred,
                                                                                double[] y, int train, int outputs, Map<String, double[]> parts) {
        int n = y.length;
        boolean held = train < n;
        int from = held ? train : 0;
        var d = held ? io.meshfl.core.metrics.Diagnostics.of(task, Arrays.copyOfRange(pred, train * outputs, n * outputs),
                Arrays.copyOfRange(y, train, n), outputs) : io.meshfl.core.metrics.Diagnostics.of(task, pred, y, outputs);
        d.put("over", held ? "held-out rows" : "training rows");
        if (!parts.isEmpty()) {
            Map<String, double[]> rows = new LinkedHashMap<>();
            parts.forEach((domain, u) -> rows.put(domain, Arrays.copyOfRange(u, from * outputs, n * outputs)));
            var c = io.meshfl.core.metrics.Diagnostics.contribution(rows, n - from, outputs);
            if (!c.isEmpty()) d.set("contribution", c);
        }
        return d;
    }

    /** AUC and log loss of probabilities {@code prob}, held-out and training rows apart (see {@link #apart}). */
    public static Map<String, Double> scores(double[] prob, double[] y, int train) {
        return apart(prob, y, train, (p, t) -> {
            Map<String, Double> m = new LinkedHashMap<>();
            m.put("auc", Metrics.auc(p, t));
            m.put("log_loss", Metrics.logLoss(p, t));
            return m;
        });
    }
}

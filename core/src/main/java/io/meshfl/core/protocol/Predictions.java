package io.meshfl.core.protocol;

import io.meshfl.core.ErrorCode;
import io.meshfl.core.MeshflException;
import io.meshfl.core.data.Dataset;
import io.meshfl.core.metrics.EvalSums;
import io.meshfl.core.metrics.Metrics;
import io.meshfl.core.model.ModelSpec;
import io.meshfl.core.protocol.scoring.Coverage;
import io.meshfl.core.protocol.scoring.PredictionProduct;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Where predictions of a cross-domain model land: a CSV of {@code entity_key,prediction} in the
 * requesting node's own output folder, never sent back, with metrics if the node's scoring
 * product also carries the label.
 */
public final class Predictions {

    /** Metrics over the scored rows, and the file the predictions were written to. */
    public record Written(Map<String, Double> metrics, Path file, PredictionProduct.Published published) {
        public Written(Map<String, Double> metrics, Path file) {
            this(metrics, file, null);
        }

        /** What the requester's node answers: where its predictions are, and the product they were published as. */
        public Map<String, String> replyConfig() {
            Map<String, String> c = new LinkedHashMap<>();
            c.put("predictions", file.toString());
            if (published != null) {
                c.put("product_id", published.id());
                c.put("product_version", published.version());
                c.put("product_contract", published.contractYaml());
                c.put("product_rows", Integer.toString(published.rows()));
            }
            return c;
        }
    }

    private Predictions() {
    }

    /**
     * Writes {@code pred} (one value per aligned row, in {@code aligned} order) with the entity keys
     * of {@code product}; scores them against {@code label} when the product declares it.
     */
    public static Written write(NodeContext ctx, String runId, String product, int[] aligned, double[] pred, String label,
                                ModelSpec.Task task) {
        return write(ctx, runId, product, aligned, pred, 1, label, task);
    }

    /**
     * As {@link #write(NodeContext, String, String, int[], double[], String, ModelSpec.Task)} with
     * {@code outputs} values per row: for a multiclass model the class probabilities, written as the
     * most probable class ({@code prediction}) and one {@code p_k} column per class.
     */
    public static Written write(NodeContext ctx, String runId, String product, int[] aligned, double[] pred, int outputs, String label,
                                ModelSpec.Task task) {
        return write(ctx, runId, product, aligned, pred, outputs, label, task, Tag.NONE);
    }

    /**
     * What a prediction file says besides the scores: the model's name and version, and which
     * parts of the model were present on each row (null: every part, the rows all parties share).
     */
    public record Tag(String model, String version, Coverage coverage, String product, String format, String file, String fallback) {
        public static final Tag NONE = new Tag("", "", null, "", "csv", "", "");
    }

    /**
     * As above, with the model's name and version on every row and, when {@code tag} has a coverage,
     * one {@code part_DOMAIN} column per domain of the model (1 where its part was present) and
     * {@code parts_present}. A row whose prediction is NaN was not scored (a part was missing and the
     * request refused such rows): it is listed with an empty prediction and left out of the metrics.
     */
    public static Written write(NodeContext ctx, String runId, String product, int[] aligned, double[] pred, int outputs, String label,
                                ModelSpec.Task task, Tag tag) {
        if (pred.length != (long) aligned.length * outputs) {
            throw new MeshflException(ErrorCode.PROTOCOL_FAILURE, pred.length / outputs + " predictions for " + aligned.length + " aligned rows");
        }
        Coverage cov = tag.coverage();
        if (cov != null && cov.rows() != aligned.length) {
            throw new MeshflException(ErrorCode.PROTOCOL_FAILURE, "coverage of " + cov.rows() + " rows for " + aligned.length + " scored rows");
        }
        Dataset keys = ctx.load(product, List.of(), null).select(aligned);
        Path folder = ctx.outputDir().resolve("predictions");
        // rows this model left unscored take a fallback model's scores, when one scored them in this run
        String[][] by = tag.fallback().isEmpty() ? null : FallbackScores.merge(folder.resolve(tag.fallback() + ".csv"), keys.keys(), pred, outputs);
        int[] scored = scoredRows(pred, outputs, aligned.length);
        Map<String, Double> metrics = new LinkedHashMap<>();
        metrics.put("rows", (double) aligned.length);
        metrics.put("rows_scored", (double) scored.length);
        if (by != null) metrics.put("rows_fallback", (double) java.util.Arrays.stream(by).filter(java.util.Objects::nonNull).count());
        if (cov != null) metrics.putAll(cov.counts());
        if (label != null && !label.isEmpty() && scored.length > 0) {
            Dataset labelled = ctx.loadLabel(product, label);
            if (labelled != null) {
                int[] rows = new int[scored.length];
                double[] p = new double[scored.length * outputs];
                for (int i = 0; i < scored.length; i++) {
                    rows[i] = aligned[scored[i]];
                    System.arraycopy(pred, scored[i] * outputs, p, i * outputs, outputs);
                }
                Dataset y = labelled.select(rows);
                metrics.putAll(EvalSums.of(task, p, y.y(), outputs).toMap());
                if (task == ModelSpec.Task.BINARY) metrics.put("auc", Metrics.auc(p, y.y()));
            }
        }
        Path out = folder.resolve((tag.file().isEmpty() ? runId : tag.file()) + ".csv");
        try {
            Files.createDirectories(out.getParent());
            StringBuilder sb = new StringBuilder("entity_key,prediction");
            if (outputs > 1) for (int c = 0; c < outputs; c++) sb.append(",p_").append(c);
            if (!tag.model().isEmpty()) sb.append(",model,model_version");
            if (cov != null) {
                sb.append(",parts_present");
                for (String d : cov.domains()) sb.append(",part_").append(d);
            }
            sb.append('\n');
            for (int i = 0; i < aligned.length; i++) {
                sb.append(keys.keys()[i]).append(',');
                boolean none = Double.isNaN(pred[i * outputs]);
                if (outputs == 1) {
                    if (!none) sb.append(String.format(Locale.ROOT, "%.6g", pred[i]));
                } else {
                    if (!none) sb.append(io.meshfl.core.metrics.Metrics.argmax(pred, i * outputs, outputs));
                    for (int c = 0; c < outputs; c++) {
                        sb.append(',');
                        if (!none) sb.append(String.format(Locale.ROOT, "%.6g", pred[i * outputs + c]));
                    }
                }
                if (!tag.model().isEmpty()) {
                    String[] m = by != null && by[i] != null ? by[i] : new String[]{tag.model(), tag.version()};
                    sb.append(',').append(m[0]).append(',').append(m[1]);
                }
                if (cov != null) {
                    sb.append(',').append(cov.count(i));
                    for (String d : cov.domains()) sb.append(',').append(cov.has(d, i) ? '1' : '0');
                }
                sb.append('\n');
            }
            Files.writeString(out, sb);
        } catch (IOException e) {
            throw new MeshflException(ErrorCode.NODE_FAILURE, "cannot write predictions to " + out + ": " + e.getMessage(), e);
        }
        PredictionProduct.Published published = tag.product().isEmpty() ? null
                : PredictionProduct.publish(ctx.outputDir(), ctx.domain(), tag.product(), tag.format(), out, aligned.length, tag.model(), tag.version());
        return new Written(metrics, out.toAbsolutePath(), published);
    }

    /** The rows that got a score (a NaN first value marks a row left unscored). */
    private static int[] scoredRows(double[] pred, int outputs, int rows) {
        int n = 0;
        int[] out = new int[rows];
        for (int i = 0; i < rows; i++) if (!Double.isNaN(pred[i * outputs])) out[n++] = i;
        return java.util.Arrays.copyOf(out, n);
    }
}

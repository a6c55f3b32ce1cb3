package io.meshfl.core.protocol;

import io.meshfl.core.ErrorCode;
import io.meshfl.core.MeshflException;
import io.meshfl.core.data.Dataset;
import io.meshfl.core.metrics.EvalSums;
import io.meshfl.core.metrics.Metrics;
import io.meshfl.core.model.ModelSpec;

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
    public record Written(Map<String, Double> metrics, Path file) {
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
        if (pred.length != (long) aligned.length * outputs) {
            throw new MeshflException(ErrorCode.PROTOCOL_FAILURE, pred.length / outputs + " predictions for " + aligned.length + " aligned rows");
        }
        Dataset keys = ctx.load(product, List.of(), null).select(aligned);
        Map<String, Double> metrics = new LinkedHashMap<>();
        metrics.put("rows", (double) pred.length);
        if (label != null && !label.isEmpty()) {
            Dataset labelled = ctx.loadLabel(product, label);
            if (labelled != null) {
                Dataset y = labelled.select(aligned);
                metrics.putAll(EvalSums.of(task, pred, y.y(), outputs).toMap());
                if (task == ModelSpec.Task.BINARY) metrics.put("auc", Metrics.auc(pred, y.y()));
            }
        }
        Path out = ctx.outputDir().resolve("predictions").resolve(runId + ".csv");
        try {
            Files.createDirectories(out.getParent());
            StringBuilder sb = new StringBuilder("entity_key,prediction");
            if (outputs > 1) for (int c = 0; c < outputs; c++) sb.append(",p_").append(c);
            sb.append('\n');
            for (int i = 0; i < aligned.length; i++) {
                sb.append(keys.keys()[i]).append(',');
                if (outputs == 1) {
                    sb.append(String.format(Locale.ROOT, "%.6g", pred[i]));
                } else {
                    sb.append(io.meshfl.core.metrics.Metrics.argmax(pred, i * outputs, outputs));
                    for (int c = 0; c < outputs; c++) sb.append(',').append(String.format(Locale.ROOT, "%.6g", pred[i * outputs + c]));
                }
                sb.append('\n');
            }
            Files.writeString(out, sb);
        } catch (IOException e) {
            throw new MeshflException(ErrorCode.NODE_FAILURE, "cannot write predictions to " + out + ": " + e.getMessage(), e);
        }
        return new Written(metrics, out.toAbsolutePath());
    }
}

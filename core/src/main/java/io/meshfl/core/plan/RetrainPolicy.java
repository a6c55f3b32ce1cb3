package io.meshfl.core.plan;

import com.fasterxml.jackson.databind.JsonNode;
import io.meshfl.core.ErrorCode;
import io.meshfl.core.MeshflException;
import io.meshfl.core.model.ModelSpec;
import io.meshfl.core.protocol.Selection;

import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * When a job's model is trained again as a challenger of the version in production, and what it
 * must do to replace it: the job file's {@code retrain:} section. Being part of the job spec, it is
 * covered by the spec hash its submitter signs.
 *
 * @param onProductVersion retrain when a node registers a new version of any product the champion learned from
 * @param cron             a five-field cron expression (UTC) to retrain on, or null
 * @param metric           the held-out metric champion and challenger are compared on
 * @param margin           how much better the challenger must be (at least; in the metric's own direction)
 */
public record RetrainPolicy(boolean onProductVersion, String cron, String metric, double margin) {

    /** The value of {@code retrain.on} that retrains on a new product version. */
    public static final String PRODUCT_VERSION = "product-version";

    private static final Set<String> FIELDS = JobFields.names("retrain");

    public RetrainPolicy {
        if (!onProductVersion && cron == null) throw new IllegalArgumentException("retrain needs retrain.on, retrain.cron or both");
        if (cron != null) CronSchedule.parse(cron);
        if (!(margin >= 0) || Double.isInfinite(margin)) throw new IllegalArgumentException("retrain.margin must be a number >= 0, got " + margin);
    }

    /** The schedule, or null when only a new product version retrains. */
    public CronSchedule schedule() {
        return cron == null ? null : CronSchedule.parse(cron);
    }

    /** Whether a larger value of the metric is better. */
    public boolean higherIsBetter() {
        return new Selection.Spec(metric, 0).higherIsBetter();
    }

    /** Whether {@code challenger} beats {@code champion} by the margin. */
    public boolean beats(double challenger, double champion) {
        return higherIsBetter() ? challenger >= champion + margin : challenger <= champion - margin;
    }

    /**
     * The {@code retrain:} section of a job file, or null when there is none; a JOB_INVALID naming
     * the field for anything that cannot work: an unknown field or trigger, a bad cron expression, a
     * metric the model is not evaluated by, a job with no held-out rows to compare on, or retraining
     * on new product versions of a job that pins them.
     */
    static RetrainPolicy read(JsonNode root, String source, ModelSpec model, JobSpec.EvaluationSpec evaluation, Map<String, String> pins) {
        JsonNode r = root.get("retrain");
        if (r == null || r.isNull()) return null;
        if (!r.isObject()) throw error(source, "retrain", "must be a mapping, e.g. {on: product-version, cron: \"0 3 * * 1\", metric: auc, margin: 0.005}");
        for (Iterator<String> it = r.fieldNames(); it.hasNext(); ) {
            String k = it.next();
            if (!FIELDS.contains(k)) throw error(source, "retrain." + k, "unknown field; expected one of " + new java.util.TreeSet<>(FIELDS));
        }
        boolean onVersion = false;
        if (r.hasNonNull("on")) {
            String on = r.get("on").asText().toLowerCase(Locale.ROOT);
            if (!on.equals(PRODUCT_VERSION)) throw error(source, "retrain.on", "must be " + PRODUCT_VERSION + ", got '" + on + "'");
            if (!pins.isEmpty()) {
                throw error(source, "retrain.on", "a job that pins product versions (" + pins + ") always trains on them; retraining on a new "
                        + "version needs the products unpinned");
            }
            onVersion = true;
        }
        String cron = r.hasNonNull("cron") ? r.get("cron").asText() : null;
        if (cron != null) {
            try {
                CronSchedule.parse(cron);
            } catch (IllegalArgumentException e) {
                throw error(source, "retrain.cron", e.getMessage());
            }
        }
        if (!onVersion && cron == null) throw error(source, "retrain", "give retrain.on, retrain.cron or both: nothing would retrain");
        if (!r.hasNonNull("metric")) throw error(source, "retrain.metric", "is required");
        String metric = r.get("metric").asText();
        List<String> offered = Selection.metrics(model);
        if (!offered.contains(metric)) {
            throw error(source, "retrain.metric", "a " + model.type().name().toLowerCase(Locale.ROOT) + " model is evaluated by " + offered
                    + ", not '" + metric + "'");
        }
        if (evaluation.holdout() == 0 && evaluation.products().isEmpty() && evaluation.outOfTime() == null) {
            throw error(source, "retrain.metric", "champion and challenger are compared on held-out rows, and this job holds out none "
                    + "(evaluation.holdout 0, no evaluation.products or evaluation.outOfTime)");
        }
        JsonNode m = r.get("margin");
        if (m != null && !m.isNumber()) throw error(source, "retrain.margin", "must be a number, got " + m);
        double margin = m == null ? 0.0 : m.asDouble();
        if (margin < 0) throw error(source, "retrain.margin", "must be >= 0 (how much better the challenger must be), got " + margin);
        return new RetrainPolicy(onVersion, cron, metric, margin);
    }

    private static MeshflException error(String source, String field, String what) {
        return new MeshflException(ErrorCode.JOB_INVALID, source + ": field '" + field + "': " + what);
    }
}

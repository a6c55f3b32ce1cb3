package io.meshfl.coordinator;

import io.meshfl.core.monitoring.DriftRecords;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Tags;

import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Consumer;

/**
 * What the coordinator makes of a scoring batch's drift: a gauge {@code meshfl.drift.psi} per model,
 * domain and feature (feature {@code score}, domain {@code -}, for the scores) set to the batch's
 * index, and an alert, counted ({@code meshfl.drift.alerts}) and named in the run's log, for each index
 * above the threshold. Tags name models, domains and features, never values of rows.
 */
final class DriftAlerts {

    /** The gauges' current values: Micrometer holds a gauge's object weakly, so it is kept here. */
    private static final Map<Tags, double[]> VALUES = new ConcurrentHashMap<>();

    private DriftAlerts() {
    }

    /**
     * Sets the gauges of {@code modelId}'s batch from its {@code metrics} and answers what the run's
     * metrics add: {@code drift_alerts} (how many indices exceed {@code threshold}) and
     * {@code drift_alert_threshold}, when the batch measured any drift.
     */
    static Map<String, Double> record(String modelId, Map<String, Double> metrics, double threshold, Consumer<String> log) {
        Map<String, Double> out = new LinkedHashMap<>();
        int alerts = 0;
        boolean measured = false;
        for (var e : metrics.entrySet()) {
            if (!e.getKey().startsWith(DriftRecords.PSI) || e.getValue() == null || e.getValue().isNaN()) continue;
            measured = true;
            String rest = e.getKey().substring(DriftRecords.PSI.length());
            int colon = rest.indexOf(':');
            String domain = colon < 0 ? "-" : rest.substring(0, colon);
            String feature = colon < 0 ? rest : rest.substring(colon + 1);
            Tags tags = Tags.of("model", modelId, "domain", domain, "feature", feature);
            double[] holder = VALUES.computeIfAbsent(tags, t -> {
                double[] h = new double[1];
                Gauge.builder("meshfl.drift.psi", h, a -> a[0]).description("population stability index of the latest scoring batch")
                        .tags(t).register(MeshMetrics.registry());
                return h;
            });
            holder[0] = e.getValue();
            if (e.getValue() > threshold) {
                alerts++;
                Counter.builder("meshfl.drift.alerts").description("scoring batches whose drift exceeded the alert threshold").tags(tags)
                        .register(MeshMetrics.registry()).increment();
                log.accept(String.format(Locale.ROOT, "drift alert: %s PSI %.3f > %.3f", colon < 0 ? "the score's" : domain + "'s feature " + feature,
                        e.getValue(), threshold));
            }
        }
        if (measured) {
            out.put("drift_alerts", (double) alerts);
            out.put("drift_alert_threshold", threshold);
        }
        return out;
    }
}

package io.meshfl.core.protocol.horizontal;

import java.util.Map;

/** The new global parameters after a round, with any metrics the strategy computed. */
public record Aggregated(double[] params, Map<String, Double> metrics) {
    public Aggregated {
        metrics = Map.copyOf(metrics);
    }
}

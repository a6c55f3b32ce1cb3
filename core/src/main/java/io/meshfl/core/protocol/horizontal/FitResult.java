package io.meshfl.core.protocol.horizontal;

import java.util.Map;

/** A node's answer to a training round: its locally trained parameters and how many examples shaped them. */
public record FitResult(String nodeId, double[] params, long numExamples, Map<String, Double> metrics) {
    public FitResult {
        metrics = Map.copyOf(metrics);
    }
}

package io.meshfl.core.protocol.horizontal;

import java.util.List;
import java.util.Map;

/**
 * The result of a finished run: the coordinator's parameters (empty when the model stays with the
 * parties), final metrics, rounds, traffic, time, and the label holder's {@link
 * io.meshfl.core.metrics.Diagnostics} of the stored model's evaluation (null when none were made).
 */
public record RunOutcome(double[] params, Map<String, Double> metrics, List<RoundSummary> rounds,
                         long bytesSent, long bytesReceived, long payloadBytes, double wallSeconds,
                         com.fasterxml.jackson.databind.JsonNode diagnostics) {
    public RunOutcome {
        metrics = Map.copyOf(metrics);
        rounds = List.copyOf(rounds);
    }

    public RunOutcome(double[] params, Map<String, Double> metrics, List<RoundSummary> rounds,
                      long bytesSent, long bytesReceived, long payloadBytes, double wallSeconds) {
        this(params, metrics, rounds, bytesSent, bytesReceived, payloadBytes, wallSeconds, null);
    }
}

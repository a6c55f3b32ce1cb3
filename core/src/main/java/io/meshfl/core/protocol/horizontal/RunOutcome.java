package io.meshfl.core.protocol.horizontal;

import java.util.List;
import java.util.Map;

/** The result of a finished horizontal run. */
public record RunOutcome(double[] params, Map<String, Double> metrics, List<RoundSummary> rounds,
                         long bytesSent, long bytesReceived, long payloadBytes, double wallSeconds) {
    public RunOutcome {
        metrics = Map.copyOf(metrics);
        rounds = List.copyOf(rounds);
    }
}

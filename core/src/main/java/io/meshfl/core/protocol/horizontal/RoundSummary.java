package io.meshfl.core.protocol.horizontal;

import java.util.List;
import java.util.Map;

/** What one round did: time, traffic, who answered, and the metrics after aggregation. */
public record RoundSummary(int round, int rounds, double seconds, long bytesSent, long bytesReceived,
                           int nodesOk, List<Failure> failures, Map<String, Double> metrics) {
    public RoundSummary {
        failures = List.copyOf(failures);
        metrics = Map.copyOf(metrics);
    }
}

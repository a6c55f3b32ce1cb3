package io.meshfl.core.catalog;

/**
 * What one training round of a run cost and produced; {@code failuresJson} names the nodes that
 * failed in it and why ({@code {"domain": "reason"}}), null when none did.
 */
public record RoundRecord(int round, double seconds, long bytesSent, long bytesReceived, int nodesOk, int nodesFailed,
                          String metricsJson, String failuresJson) {

    public RoundRecord(int round, double seconds, long bytesSent, long bytesReceived, int nodesOk, int nodesFailed, String metricsJson) {
        this(round, seconds, bytesSent, bytesReceived, nodesOk, nodesFailed, metricsJson, null);
    }
}

package io.meshfl.core.catalog;

/** What one training round of a run cost and produced. */
public record RoundRecord(int round, double seconds, long bytesSent, long bytesReceived, int nodesOk, int nodesFailed,
                          String metricsJson) {}

package io.meshfl.core.catalog;

import java.time.Instant;
import java.util.Arrays;
import java.util.List;

/**
 * One execution of a job: the plan and configuration that ran, its seed, outcome, traffic and
 * metrics. {@code status} is {@code RUNNING}, then {@code SUCCEEDED}, {@code FAILED}, {@code CANCELLED}
 * or {@code INTERRUPTED} (its coordinator stopped while it ran); {@code endedAt}, {@code metricsJson}
 * and {@code error} (the reason of any end but success) are null until known. {@code productsCsv} lists the
 * product ids the run read, comma-separated, in the order given. {@code submitter} is the identity
 * that signed the run's job ticket and {@code nonce} the ticket's run nonce (null for runs from
 * before tickets).
 */
public record RunRecord(String id, String jobId, String strategy, String planJson, String configJson, long seed,
                        String status, Instant startedAt, Instant endedAt, long bytesSent, long bytesReceived,
                        String metricsJson, String error, String productsCsv, String submitter, String nonce) {

    public RunRecord(String id, String jobId, String strategy, String planJson, String configJson, long seed, String status,
                     Instant startedAt, Instant endedAt, long bytesSent, long bytesReceived, String metricsJson, String error,
                     String productsCsv) {
        this(id, jobId, strategy, planJson, configJson, seed, status, startedAt, endedAt, bytesSent, bytesReceived, metricsJson, error,
                productsCsv, null, null);
    }

    public static final String RUNNING = "RUNNING";
    public static final String SUCCEEDED = "SUCCEEDED";
    public static final String FAILED = "FAILED";
    public static final String CANCELLED = "CANCELLED";
    public static final String INTERRUPTED = "INTERRUPTED";

    /** The product ids from {@link #productsCsv()}. */
    public List<String> productIds() {
        if (productsCsv == null || productsCsv.isBlank()) return List.of();
        return Arrays.stream(productsCsv.split(",")).map(String::strip).filter(s -> !s.isEmpty()).toList();
    }
}

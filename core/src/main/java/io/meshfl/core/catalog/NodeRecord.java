package io.meshfl.core.catalog;

import java.time.Instant;

/** A domain node known to the coordinator; {@code status} is one of {@code ACTIVE}, {@code LOST}, {@code STOPPED}. */
public record NodeRecord(String nodeId, String domain, String address, String status, Instant lastHeartbeat) {
    public static final String ACTIVE = "ACTIVE";
    public static final String LOST = "LOST";
    public static final String STOPPED = "STOPPED";
}

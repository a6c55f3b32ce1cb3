package io.meshfl.core.catalog;

import java.time.Instant;

/**
 * A domain node known to the coordinator; {@code status} is one of {@code ACTIVE}, {@code LOST},
 * {@code STOPPED}; {@code version} the MeshFL version it registered with (null when it said none).
 */
public record NodeRecord(String nodeId, String domain, String address, String status, Instant lastHeartbeat, String version) {
    public static final String ACTIVE = "ACTIVE";
    public static final String LOST = "LOST";
    public static final String STOPPED = "STOPPED";

    public NodeRecord(String nodeId, String domain, String address, String status, Instant lastHeartbeat) {
        this(nodeId, domain, address, status, lastHeartbeat, null);
    }
}

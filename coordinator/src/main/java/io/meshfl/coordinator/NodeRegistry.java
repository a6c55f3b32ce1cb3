package io.meshfl.coordinator;

import io.meshfl.core.catalog.Catalog;
import io.meshfl.core.protocol.NodeChannel;
import io.meshfl.wire.GrpcNodeChannel;

import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Consumer;

/**
 * The nodes the coordinator knows, one live node per domain: registration, heartbeats, and
 * marking a node lost when its heartbeats stop.
 */
public final class NodeRegistry {

    /** A registered node and the channel to reach it. */
    public record Entry(String nodeId, String domain, String address, GrpcNodeChannel channel, long lastSeenNanos, boolean lost) {
    }

    private final Map<String, Entry> byNode = new ConcurrentHashMap<>();
    private final Map<String, String> nodeOfDomain = new ConcurrentHashMap<>();
    private final NodeDialer dial;
    private final Catalog catalog;
    private final long lostAfterNanos;
    private final Consumer<String> log;

    public NodeRegistry(NodeDialer dial, Catalog catalog, long lostAfterMillis, Consumer<String> log) {
        this.dial = dial;
        this.catalog = catalog;
        this.lostAfterNanos = lostAfterMillis * 1_000_000L;
        this.log = log;
    }

    public synchronized void register(String nodeId, String domain, String address) {
        register(nodeId, domain, address, false);
    }

    /** Registers a node; an {@code ephemeral} one (of an embedded mesh) is removed from the catalog when its mesh closes. */
    public synchronized void register(String nodeId, String domain, String address, boolean ephemeral) {
        register(nodeId, domain, address, ephemeral, null);
    }

    /** As {@link #register(String, String, String, boolean)}, recording the MeshFL {@code version} the node says it runs. */
    public synchronized void register(String nodeId, String domain, String address, boolean ephemeral, String version) {
        String previous = nodeOfDomain.get(domain);
        if (previous != null && !previous.equals(nodeId)) {
            Entry old = byNode.remove(previous);
            if (old != null) old.channel().close();
        }
        Entry existing = byNode.get(nodeId);
        if (existing != null) existing.channel().close();
        GrpcNodeChannel ch = new GrpcNodeChannel(nodeId, domain, dial.dial(domain, address), true);
        byNode.put(nodeId, new Entry(nodeId, domain, address, ch, System.nanoTime(), false));
        nodeOfDomain.put(domain, nodeId);
        catalog.upsertNode(nodeId, domain, address, ephemeral, version == null || version.isBlank() ? null : version);
    }

    /**
     * Returns false if the node is unknown (it should register again). Liveness is this registry's
     * own clock; the catalog's copy of the last beat is written behind, so a catalog that is slow or
     * restarting never makes a beating node miss its heartbeat deadline and be taken for lost.
     */
    public boolean heartbeat(String nodeId) {
        Entry e = byNode.computeIfPresent(nodeId, (k, v) -> new Entry(v.nodeId(), v.domain(), v.address(), v.channel(), System.nanoTime(), false));
        if (e == null) return false;
        beats.put(nodeId, Instant.now());
        beatWriter.execute(this::writeBeats);
        return true;
    }

    /** The latest beat of each node not yet in the catalog; the writer takes whatever is there, so beats of a slow catalog coalesce. */
    private final Map<String, Instant> beats = new java.util.concurrent.ConcurrentHashMap<>();
    private final java.util.concurrent.ExecutorService beatWriter = java.util.concurrent.Executors.newSingleThreadExecutor(r -> {
        Thread t = new Thread(r, "meshfl-heartbeat-writer");
        t.setDaemon(true);
        return t;
    });

    private void writeBeats() {
        for (String nodeId : List.copyOf(beats.keySet())) {
            Instant at = beats.remove(nodeId);
            if (at == null) continue;
            try {
                catalog.heartbeat(nodeId, at);
            } catch (RuntimeException ex) {
                // the registry knows the node is alive; the catalog's copy catches up with the next beat
            }
        }
    }

    /** Marks nodes whose heartbeats stopped as lost; called periodically. */
    public void sweep() {
        long now = System.nanoTime();
        for (Entry e : byNode.values()) {
            if (!e.lost() && now - e.lastSeenNanos() > lostAfterNanos) {
                // the catalog first: whoever finds the node lost here finds it LOST there too
                try {
                    catalog.markLost(e.nodeId(), "no heartbeat for " + (now - e.lastSeenNanos()) / 1_000_000 + " ms");
                } catch (RuntimeException unrecorded) {
                    log.accept("node " + e.nodeId() + " of " + e.domain() + " is lost, but the catalog did not take it: " + unrecorded.getMessage());
                }
                byNode.put(e.nodeId(), new Entry(e.nodeId(), e.domain(), e.address(), e.channel(), e.lastSeenNanos(), true));
                log.accept("node " + e.nodeId() + " of " + e.domain() + " is lost: no heartbeat");
            }
        }
    }

    /** The domain a node registered for, if it is known. */
    public Optional<String> domainOf(String nodeId) {
        Entry e = byNode.get(nodeId);
        return e == null ? Optional.empty() : Optional.of(e.domain());
    }

    public boolean alive(String domain) {
        String id = nodeOfDomain.get(domain);
        Entry e = id == null ? null : byNode.get(id);
        return e != null && !e.lost();
    }

    public Optional<NodeChannel> channel(String domain) {
        String id = nodeOfDomain.get(domain);
        Entry e = id == null ? null : byNode.get(id);
        return e == null ? Optional.empty() : Optional.of(e.channel());
    }

    public Map<String, Entry> entries() {
        return Map.copyOf(byNode);
    }

    public void close() {
        beatWriter.shutdownNow();
        for (Entry e : byNode.values()) e.channel().close();
    }
}

package io.meshfl.coordinator;

import io.meshfl.core.ErrorCode;
import io.meshfl.core.MeshflException;
import io.meshfl.core.protocol.Message;
import io.meshfl.core.protocol.NodeChannel;

import java.time.Duration;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.Map;

/**
 * A run's line to a domain's node, whichever node of the domain is registered at the moment of
 * each call: a node that restarted (and registered again, at another address) is reached on the
 * run's next call. Its traffic adds up over every channel it used.
 */
final class RegistryChannel implements NodeChannel {

    private final NodeRegistry registry;
    private final String domain;
    /** Every channel used so far, with its counters when this run first used it. */
    private final Map<NodeChannel, long[]> used = Collections.synchronizedMap(new IdentityHashMap<>());

    RegistryChannel(NodeRegistry registry, String domain) {
        this.registry = registry;
        this.domain = domain;
        current();
    }

    private NodeChannel current() {
        NodeChannel ch = registry.channel(domain).orElseThrow(() -> new MeshflException(ErrorCode.NODE_LOST,
                "no node of domain '" + domain + "' is registered with the coordinator"));
        used.computeIfAbsent(ch, c -> new long[]{c.bytesSent(), c.bytesReceived()});
        return ch;
    }

    @Override
    public String nodeId() {
        return current().nodeId();
    }

    @Override
    public String domain() {
        return domain;
    }

    @Override
    public Message call(Message request, Duration timeout) {
        return current().call(request, timeout);
    }

    @Override
    public long bytesSent() {
        synchronized (used) {
            long s = 0;
            for (var e : used.entrySet()) s += e.getKey().bytesSent() - e.getValue()[0];
            return s;
        }
    }

    @Override
    public long bytesReceived() {
        synchronized (used) {
            long s = 0;
            for (var e : used.entrySet()) s += e.getKey().bytesReceived() - e.getValue()[1];
            return s;
        }
    }
}

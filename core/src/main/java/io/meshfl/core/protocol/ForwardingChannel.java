package io.meshfl.core.protocol;

/**
 * A node channel that wraps another and adds to its calls (audit notes, a ticket on the first
 * request, ...): identity and traffic are the wrapped channel's.
 */
public abstract class ForwardingChannel implements NodeChannel {

    protected final NodeChannel inner;

    protected ForwardingChannel(NodeChannel inner) {
        this.inner = inner;
    }

    @Override
    public String nodeId() {
        return inner.nodeId();
    }

    @Override
    public String domain() {
        return inner.domain();
    }

    @Override
    public long bytesSent() {
        return inner.bytesSent();
    }

    @Override
    public long bytesReceived() {
        return inner.bytesReceived();
    }
}

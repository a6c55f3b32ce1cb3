package io.meshfl.core.protocol;

import java.time.Duration;

/**
 * The coordinator's line to one node. Implemented over gRPC (TCP or in-process); protocol code
 * only sees this interface. A call returns the node's reply, which may carry an error; a call
 * that cannot reach the node or times out throws {@link io.meshfl.core.MeshflException}.
 */
public interface NodeChannel {

    String nodeId();

    String domain();

    Message call(Message request, Duration timeout);

    /** Bytes this channel has sent to the node so far (serialized, as on the wire). */
    long bytesSent();

    /** Bytes this channel has received from the node so far. */
    long bytesReceived();
}

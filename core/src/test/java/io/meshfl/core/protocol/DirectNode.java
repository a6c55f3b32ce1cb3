package io.meshfl.core.protocol;

import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * A node reached by a direct method call, for protocol tests without a transport: it is both
 * the coordinator's channel and the node's context, with in-memory job state and model parts.
 */
public abstract class DirectNode implements NodeChannel, NodeContext {

    protected final String domain;
    private final Map<String, Map<String, Object>> jobs = new ConcurrentHashMap<>();
    private final Map<String, byte[]> parts = new ConcurrentHashMap<>();

    protected DirectNode(String domain) {
        this.domain = domain;
    }

    /** Answers one request as the node side of the protocol under test. */
    protected abstract Message answer(Message request);

    @Override
    public Message call(Message request, Duration timeout) {
        return answer(request);
    }

    @Override
    public String nodeId() {
        return domain;
    }

    @Override
    public String domain() {
        return domain;
    }

    @Override
    public long bytesSent() {
        return 0;
    }

    @Override
    public long bytesReceived() {
        return 0;
    }

    @Override
    public Map<String, Object> jobState(String jobId) {
        return jobs.computeIfAbsent(jobId, k -> new ConcurrentHashMap<>());
    }

    @Override
    public void endJob(String jobId) {
        jobs.remove(jobId);
    }

    @Override
    public void saveModelPart(String modelId, byte[] part) {
        parts.put(modelId, part);
    }

    @Override
    public byte[] modelPart(String modelId) {
        return parts.get(modelId);
    }
}

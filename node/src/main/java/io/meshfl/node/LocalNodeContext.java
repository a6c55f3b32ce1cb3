package io.meshfl.node;

import io.meshfl.core.ErrorCode;
import io.meshfl.core.MeshflException;
import io.meshfl.core.contract.DataContract;
import io.meshfl.core.data.Dataset;
import io.meshfl.core.protocol.NodeContext;

import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The node's side of every protocol step: its own products only, and each read checked against
 * the product's policy here, whatever the coordinator asked for.
 */
final class LocalNodeContext implements NodeContext {

    private final String nodeId;
    private final String domain;
    private final Map<String, DataContract> products;
    private final Map<String, Map<String, Object>> jobs = new ConcurrentHashMap<>();
    private final ProductSource source;

    LocalNodeContext(String nodeId, String domain, Map<String, DataContract> products, ProductSource source) {
        this.nodeId = nodeId;
        this.domain = domain;
        this.products = Map.copyOf(products);
        this.source = source;
    }

    @Override
    public String nodeId() {
        return nodeId;
    }

    @Override
    public String domain() {
        return domain;
    }

    @Override
    public Dataset load(String productId, List<String> features, String label) {
        DataContract c = products.get(productId);
        if (c == null) {
            throw new MeshflException(ErrorCode.POLICY_VIOLATION, "node of domain '" + domain
                    + "' does not serve product '" + productId + "'; it serves " + products.keySet());
        }
        for (String f : features) {
            if (!c.featureColumns().contains(f)) {
                throw new MeshflException(ErrorCode.POLICY_VIOLATION, "product " + productId + " does not allow column '"
                        + f + "' as a feature (contract " + c.sourceFile() + ", meshfl.features)");
            }
        }
        if (label != null && !label.equals(c.policy().label())) {
            throw new MeshflException(ErrorCode.POLICY_VIOLATION, "product " + productId + " declares label '"
                    + c.policy().label() + "', not '" + label + "' (contract " + c.sourceFile() + ")");
        }
        return source.read(c, features, label);
    }

    @Override
    public Map<String, Object> jobState(String jobId) {
        return jobs.computeIfAbsent(jobId, k -> new ConcurrentHashMap<>());
    }

    @Override
    public void endJob(String jobId) {
        jobs.remove(jobId);
    }
}

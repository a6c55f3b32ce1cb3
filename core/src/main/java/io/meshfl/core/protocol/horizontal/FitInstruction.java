package io.meshfl.core.protocol.horizontal;

import java.util.Map;

/** One node's orders for a training round: which node, and the local training settings. */
public record FitInstruction(String nodeId, Map<String, String> config) {
    public FitInstruction {
        config = Map.copyOf(config);
    }
}

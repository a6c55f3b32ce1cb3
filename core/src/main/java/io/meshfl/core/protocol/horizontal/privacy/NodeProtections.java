package io.meshfl.core.protocol.horizontal.privacy;

import io.meshfl.core.protocol.horizontal.FitMod;

import java.util.List;
import java.util.Map;
import java.util.Random;

/** The node-side privacy mods of one round, outermost first, from the node's own prepared plan. */
public final class NodeProtections {

    /** Round-config flag the coordinator sets when nodes are to clip their own updates. */
    public static final String CLIP_AT_NODE = "dp_clip_at_node";

    private NodeProtections() {
    }

    /**
     * Local mode: noise around clipping, with the z the node prepared (a round cannot lower it).
     * Central mode with clipping at the nodes: clipping alone. Otherwise none.
     */
    public static List<FitMod> forRound(PlannedPrivacy planned, Map<String, String> roundConfig, Random random) {
        if (planned == null) return List.of();
        if (planned.mode() == PrivacySettings.Mode.LOCAL) {
            return List.of(new LocalNoise(planned.noiseMultiplier(), planned.clip(), random), new NodeClipping(planned.clip()));
        }
        return Boolean.parseBoolean(roundConfig.get(CLIP_AT_NODE)) ? List.of(new NodeClipping(planned.clip())) : List.of();
    }
}

package io.meshfl.core.protocol.split;

import io.meshfl.core.model.OptimizerSpec;
import io.meshfl.core.model.nn.Activation;
import io.meshfl.core.model.nn.InputEncoder;
import io.meshfl.core.model.nn.Head;
import io.meshfl.core.model.nn.Network;
import io.meshfl.core.model.nn.SplitReference;
import io.meshfl.core.plan.JobSpec;

import java.util.List;

/**
 * The one definition of a split network's shape, used by the parties, the coordinator and the
 * centralized yardstick alike, so that all three build the same layers in the same parameter order.
 */
public final class SplitArchitecture {

    private SplitArchitecture() {
    }

    public static Activation activation(String name) {
        return switch (name) {
            case "relu" -> Activation.RELU;
            case "tanh" -> Activation.TANH;
            default -> throw new IllegalArgumentException("split activation must be relu or tanh, got '" + name + "'");
        };
    }

    /** A party's bottom network for the given settings. */
    public static Network bottom(ColumnEncoding encoding, JobSpec.SplitSettings s) {
        return bottom(encoding, s.embeddingDim(), s.bottomHidden(), s.cutWidth(), activation(s.activation()));
    }

    /**
     * A party's bottom network: an {@link InputEncoder} when it has categorical columns, then
     * {@code hidden} layers and an activated cut layer of {@code cutWidth}.
     */
    public static Network bottom(ColumnEncoding encoding, int embeddingDim, List<Integer> hidden, int cutWidth, Activation act) {
        int inputs = encoding.features().size();
        if (inputs == 0) throw new IllegalArgumentException("a bottom network needs at least one column");
        if (encoding.categorical().isEmpty()) return Network.mlp(inputs, hidden, cutWidth, act, true);
        InputEncoder enc = new InputEncoder(inputs, encoding.embeddings(embeddingDim));
        return Network.of(enc, Network.mlp(enc.outputs(), hidden, cutWidth, act, true));
    }

    /** The coordinator's top network over the side-by-side cut layers of {@code parties} parties, with one logit. */
    public static Network top(int parties, JobSpec.SplitSettings s) {
        return top(parties, s, Head.BINARY);
    }

    /** The coordinator's top network over the side-by-side cut layers of {@code parties} parties, with {@code head}'s outputs. */
    public static Network top(int parties, JobSpec.SplitSettings s, Head head) {
        return Network.mlp(s.cutWidth() * parties, s.topHidden(), head.outputs(), activation(s.activation()), false);
    }

    /** Top network {@code cutWidth * parties -> topHidden... -> 1 logit}. */
    public static Network top(int parties, int cutWidth, List<Integer> hidden, Activation act) {
        return Network.mlp(cutWidth * parties, hidden, 1, act, false);
    }

    /** The optimizer every party and the top use (each its own instance). */
    public static OptimizerSpec optimizer(JobSpec.SplitSettings s) {
        return s.optimizer().equals("adam") ? OptimizerSpec.adam(s.lr()) : OptimizerSpec.sgd(s.lr(), 0.0);
    }

    /** The centralized run a distributed one with these settings must reproduce. */
    public static SplitReference.Config reference(JobSpec.SplitSettings s, long seed) {
        return reference(s, seed, Head.BINARY);
    }

    /** As {@link #reference(JobSpec.SplitSettings, long)} for a network with {@code head}. */
    public static SplitReference.Config reference(JobSpec.SplitSettings s, long seed, Head head) {
        return new SplitReference.Config(s.epochs(), s.batchSize(), optimizer(s), seed, head);
    }

    /** The job's networks over vertically split products joined in one place: each party's encoded columns and bottom, and the top. */
    public record Centralized(List<io.meshfl.core.data.Dataset> parties, List<Network> bottoms, Network top) {
    }

    /**
     * The yardstick a split run is compared with: every party's columns encoded as its node would
     * encode them (same categorical columns, same standardization), with the same networks.
     */
    public static Centralized centralized(io.meshfl.core.protocol.centralized.JoinedProducts j, JobSpec.SplitSettings s) {
        return centralized(j, s, Head.BINARY);
    }

    /** As {@link #centralized(io.meshfl.core.protocol.centralized.JoinedProducts, JobSpec.SplitSettings)} with {@code head}'s top. */
    public static Centralized centralized(io.meshfl.core.protocol.centralized.JoinedProducts j, JobSpec.SplitSettings s, Head head) {
        List<io.meshfl.core.data.Dataset> encoded = new java.util.ArrayList<>();
        List<Network> bottoms = new java.util.ArrayList<>();
        for (int k = 0; k < j.parties().size(); k++) {
            io.meshfl.core.data.Dataset d = j.parties().get(k);
            String domain = j.domains().get(k);
            ColumnEncoding enc = ColumnEncoding.fit(d, d.features().stream().filter(f -> s.isCategorical(domain, f)).toList());
            encoded.add(enc.apply(d));
            bottoms.add(bottom(enc, s));
        }
        return new Centralized(List.copyOf(encoded), List.copyOf(bottoms), top(bottoms.size(), s, head));
    }
}

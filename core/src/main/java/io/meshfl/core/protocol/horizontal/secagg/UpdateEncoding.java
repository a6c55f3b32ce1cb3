package io.meshfl.core.protocol.horizontal.secagg;

import io.meshfl.core.ErrorCode;
import io.meshfl.core.MeshflException;
import io.meshfl.core.crypto.secagg.Quantizer;
import io.meshfl.core.crypto.secagg.Ring;

import java.util.Arrays;

/**
 * How one node's update becomes ring elements, and how the ring sum of a round becomes the
 * example-weighted mean FedAvg would have computed. A node with {@code n} examples encodes
 * {@code w * clip(trained - global)} with weight {@code w = min(n, maxExamples) / maxExamples}
 * in [0, 1], so every encoded coordinate stays in {@code [-clip, clip]} and the sum of all nodes'
 * encodings cannot wrap; three integer coordinates follow: the capped weight, the example count
 * and how many coordinates were clipped. The coordinator decodes
 * {@code mean = global + maxExamples * sum / sum(capped weights)}.
 */
public record UpdateEncoding(Quantizer quantizer, int params, long maxExamples) {

    /** Integer coordinates after the parameters: weight, examples, clipped coordinates. */
    public static final int EXTRA = 3;

    public UpdateEncoding {
        if (maxExamples < 1) {
            throw new MeshflException(ErrorCode.PROTOCOL_FAILURE, "secure aggregation needs maxExamples >= 1, got " + maxExamples);
        }
        // the integer coordinates are summed without quantization: their sums must not wrap either
        long room = quantizer.ring().mask() / quantizer.maxClients();
        if (maxExamples > room || (long) params > room) {
            throw new MeshflException(ErrorCode.PROTOCOL_FAILURE, "a ring of " + quantizer.ring().bits() + " bits cannot sum "
                    + quantizer.maxClients() + " nodes' weights up to " + maxExamples + " and clip counts up to " + params
                    + " without wrapping; raise secureAggregation.modulusBits or lower maxExamples");
        }
    }

    public static UpdateEncoding of(int clients, int params, int modulusBits, double clip, long maxExamples) {
        return new UpdateEncoding(new Quantizer(clip, new Ring(modulusBits), clients), params, maxExamples);
    }

    /** Length of the vector every node masks. */
    public int vectorLength() {
        return params + EXTRA;
    }

    /** A node's ring vector for {@code trained} parameters from {@code global}, over {@code examples} examples. */
    public long[] encode(double[] global, double[] trained, long examples) {
        if (global.length != params || trained.length != params) {
            throw new MeshflException(ErrorCode.BAD_UPDATE, "update has " + trained.length + " parameters from a global model of "
                    + global.length + ", the round expects " + params);
        }
        double clip = quantizer.clip();
        long weight = Math.max(0, Math.min(examples, maxExamples));
        double w = (double) weight / maxExamples;
        // quantized straight into the vector that is then masked in place: a node allocates one
        // vector per round, not four
        long[] v = new long[vectorLength()];
        long clipped = 0;
        for (int i = 0; i < params; i++) {
            double d = trained[i] - global[i];
            if (!Double.isFinite(d)) throw new MeshflException(ErrorCode.BAD_UPDATE, "update has a non-finite value at parameter " + i);
            if (d > clip || d < -clip) {
                clipped++;
                d = Math.max(-clip, Math.min(clip, d));
            }
            v[i] = quantizer.level(w * d);
        }
        long room = quantizer.ring().mask() / quantizer.maxClients();
        v[params] = weight;
        v[params + 1] = Math.max(0, Math.min(examples, room));
        v[params + 2] = clipped;
        return v;
    }

    /** What the coordinator learns from the unmasked sum of {@code clients} nodes. */
    public record Decoded(double[] mean, long weight, long examples, long clipped) {
    }

    /** The example-weighted mean of the nodes' trained parameters, from the unmasked ring sum of their encodings. */
    public Decoded decode(double[] global, long[] sum, int clients) {
        if (sum.length != vectorLength()) {
            throw new MeshflException(ErrorCode.PROTOCOL_FAILURE, "unmasked sum has " + sum.length + " elements, expected " + vectorLength());
        }
        double[] weighted = quantizer.dequantizeSum(Arrays.copyOf(sum, params), clients);
        long weight = sum[params];
        long examples = sum[params + 1];
        long clipped = sum[params + 2];
        if (weight < 1 || weight > (long) clients * maxExamples || clipped > (long) clients * params) {
            throw new MeshflException(ErrorCode.PROTOCOL_FAILURE, "the unmasked sum carries an impossible weight " + weight
                    + " or clip count " + clipped + " for " + clients + " nodes: masks were not removed or a node sent a forged value");
        }
        double[] mean = new double[params];
        double scale = (double) maxExamples / weight;
        for (int i = 0; i < params; i++) mean[i] = global[i] + weighted[i] * scale;
        return new Decoded(mean, weight, examples, clipped);
    }
}

package io.meshfl.core.plan;

import java.util.Set;

/**
 * The {@code secureAggregation:} block of a horizontal job: nodes mask their updates (SecAgg+)
 * so that the coordinator learns only the sum over the nodes of a round, never one node's update.
 *
 * @param degree      neighbours per node in the masking graph, or 0 for {@link #degreeFor(int) a
 *                    default from the node count}
 * @param threshold   shares that rebuild a node's secrets, or 0 for the smallest strict majority of
 *                    the degree (the most drop-outs a round survives)
 * @param modulusBits the ring Z_{2^bits} quantized updates are summed in; 32 keeps masks at 4
 *                    bytes per coordinate
 * @param clip        every coordinate of an update (trained minus global parameters) is clipped
 *                    to {@code [-clip, clip]} before it is quantized
 * @param maxExamples the largest example count a node's weight may have, or 0 for the largest row
 *                    count the catalog holds for the job's products; a node with more examples is
 *                    weighted as if it had this many (weights must be bounded to be quantized)
 */
public record SecureAggregationSpec(int degree, int threshold, int modulusBits, double clip, long maxExamples) {

    /**
     * Strategies whose aggregation is a function of the example-weighted sum of the updates, the
     * only thing the coordinator sees under secure aggregation. A median, trimmed mean or
     * distance-based rule (Krum) needs every node's update and cannot run on a sum.
     */
    public static final Set<String> SUM_AGGREGATORS = Set.of("fedavg", "fedprox", "fedadam", "fedyogi");

    public SecureAggregationSpec {
        if (degree != 0 && degree < 2) {
            throw new IllegalArgumentException("secureAggregation.degree must be >= 2 (or 0 for the default), got " + degree);
        }
        if (threshold < 0) throw new IllegalArgumentException("secureAggregation.threshold must be >= 1 (or 0 for the default), got " + threshold);
        if (degree != 0 && threshold != 0 && (threshold <= degree / 2 || threshold > degree)) {
            throw new IllegalArgumentException("secureAggregation.threshold must be a strict majority of the degree, in "
                    + (degree / 2 + 1) + ".." + degree + " for degree " + degree + ", got " + threshold);
        }
        if (modulusBits < 16 || modulusBits > 62) {
            throw new IllegalArgumentException("secureAggregation.modulusBits must be in 16..62, got " + modulusBits);
        }
        if (!(clip > 0) || Double.isInfinite(clip)) {
            throw new IllegalArgumentException("secureAggregation.clip must be a positive number, got " + clip);
        }
        if (maxExamples < 0) throw new IllegalArgumentException("secureAggregation.maxExamples must be >= 0, got " + maxExamples);
    }

    public static SecureAggregationSpec defaults() {
        return new SecureAggregationSpec(0, 0, 32, 1.0, 0);
    }

    /**
     * The degree for a round of {@code clients} nodes: the configured one (at most
     * {@code clients - 1}), or by default the complete graph up to 20 nodes and about 6 log2(n)
     * neighbours beyond (Bell et al. 2020: a logarithmic degree keeps the sum private and correct
     * with high probability). A degree for which no regular graph exists is lowered by one.
     */
    public int degreeFor(int clients) {
        int d;
        if (degree > 0) {
            d = Math.min(degree, clients - 1);
        } else if (clients <= 20) {
            d = clients - 1;
        } else {
            d = Math.min(clients - 1, (int) Math.ceil(6 * Math.log(clients) / Math.log(2)));
        }
        if (d % 2 == 1 && clients % 2 == 1) d--;
        return d;
    }

    /** The threshold for a round with {@code degree} neighbours per node. */
    public int thresholdFor(int degree) {
        int t = threshold > 0 ? threshold : degree / 2 + 1;
        return Math.max(degree / 2 + 1, Math.min(t, degree));
    }
}

package io.meshfl.core.crypto.secagg;

import io.meshfl.core.ErrorCode;
import io.meshfl.core.MeshflException;

import java.util.Arrays;

/**
 * The public parameters of one secure-aggregation round, fixed by the server in SETUP and
 * identical for every party. Validated when built, with messages that name the field.
 *
 * @param roundId       binds pairwise seeds to this round, so no mask is ever reused
 * @param clients       clients sampled for the round, numbered {@code 0..clients-1}
 * @param degree        neighbours per client in the {@link NeighbourGraph}; with a majority
 *                      threshold a round survives only if every client keeps more than half of
 *                      its neighbours, so size it to the expected drop-out rate: with 20 clients
 *                      and 6 of them dropping at random, degree 6 recovers from about 0.2% of
 *                      drop sets, degree 12 from about two thirds, degree 19 from all (simulated)
 * @param threshold     shares needed to rebuild a client's secret; more than half the degree, so
 *                      that two disjoint groups of honest neighbours can never both reach it (a
 *                      server that tells some a client dropped and others that it survived
 *                      still cannot obtain both its self seed and its key)
 * @param modulusBits   the ring Z_{2^bits} of quantized updates
 * @param vectorLength  length of every update vector
 * @param graphSeed     32 public random bytes from which the neighbour graph is drawn
 */
public record SecAggParams(String roundId, int clients, int degree, int threshold, int modulusBits,
                           int vectorLength, byte[] graphSeed) {

    public SecAggParams {
        if (roundId == null || roundId.isBlank()) {
            throw invalid("roundId", "must not be blank");
        }
        if (clients < 3) {
            throw invalid("clients", "must be at least 3, got " + clients);
        }
        if (degree < 2 || degree > clients - 1) {
            throw invalid("degree", "must be in 2.." + (clients - 1) + ", got " + degree);
        }
        if (degree % 2 == 1 && clients % 2 == 1) {
            throw invalid("degree", "is odd (" + degree + ") while 'clients' is odd (" + clients + "): no regular graph exists");
        }
        if (threshold <= degree / 2 || threshold > degree) {
            throw invalid("threshold", "must be in " + (degree / 2 + 1) + ".." + degree + " for degree " + degree
                    + " (a strict majority of the neighbours), got " + threshold);
        }
        if (modulusBits < 1 || modulusBits > Ring.MAX_BITS) {
            throw invalid("modulusBits", "must be in 1.." + Ring.MAX_BITS + ", got " + modulusBits);
        }
        if (vectorLength < 1) {
            throw invalid("vectorLength", "must be at least 1, got " + vectorLength);
        }
        if (graphSeed == null || graphSeed.length != Prg.SEED_BYTES) {
            throw invalid("graphSeed", "must be " + Prg.SEED_BYTES + " bytes, got " + (graphSeed == null ? "null" : graphSeed.length));
        }
        graphSeed = graphSeed.clone();
    }

    private static MeshflException invalid(String field, String what) {
        return new MeshflException(ErrorCode.CRYPTO_FAILURE, "secure aggregation field '" + field + "' " + what);
    }

    @Override
    public byte[] graphSeed() {
        return graphSeed.clone();
    }

    public Ring ring() {
        return new Ring(modulusBits);
    }

    /** Builds the round's neighbour graph; callers keep it rather than rebuilding it per use. */
    public NeighbourGraph graph() {
        return NeighbourGraph.harary(clients, degree, graphSeed);
    }

    /** The key-derivation context of the pair {a, b}: the same from either end. */
    public String pairContext(int a, int b) {
        return "meshfl-secagg-pair|" + roundId + "|" + Math.min(a, b) + "|" + Math.max(a, b);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof SecAggParams p && roundId.equals(p.roundId) && clients == p.clients && degree == p.degree
                && threshold == p.threshold && modulusBits == p.modulusBits && vectorLength == p.vectorLength
                && Arrays.equals(graphSeed, p.graphSeed);
    }

    @Override
    public int hashCode() {
        return roundId.hashCode() * 31 + Arrays.hashCode(graphSeed);
    }

    @Override
    public String toString() {
        return "SecAggParams[round=" + roundId + ", clients=" + clients + ", degree=" + degree + ", threshold="
                + threshold + ", bits=" + modulusBits + ", length=" + vectorLength + "]";
    }
}

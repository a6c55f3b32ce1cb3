package io.meshfl.core.serving;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * What a party of a serving session prepared from every row of its product, once: a block of
 * {@code width} bytes per row (partial scores, split bits, cut activations or predictions), the
 * block of its row at its means, and where its answer to a lookup goes. The node indexes the rows
 * by their blinded keys; values never leave except as these blocks, sealed as {@link Route} says.
 */
public record Served(String[] keys, int width, byte[] rows, byte[] mean, Route route, Object extra, java.util.Map<String, Double> drift) {

    /** Where a party's answer to a lookup goes. */
    public enum Route {
        /** Sealed for the requester, which sums the parties' partial scores (vertical models). */
        REQUESTER,
        /** Sealed for the node that finishes the score (a boosted model's hosts, their split bits for the guest). */
        FINISHER,
        /** Blocks for the coordinator, which runs the top network, with the coverage flags sealed for the requester (split networks). */
        COORDINATOR,
        /** This party's predictions, sealed for the requester; it is the only party (horizontal models). */
        FINAL,
        /** Not asked to look up: it finishes what the others sent (a boosted model's guest). */
        NONE
    }

    /** Without drift measures. */
    public Served(String[] keys, int width, byte[] rows, byte[] mean, Route route, Object extra) {
        this(keys, width, rows, mean, route, extra, java.util.Map.of());
    }

    /** This, with the drift of the party's rows against the profile kept with its part ({@code DriftRecords.features}). */
    public Served withDrift(java.util.Map<String, Double> measured) {
        return new Served(keys, width, rows, mean, route, extra, java.util.Map.copyOf(measured));
    }

    public Served {
        if (rows.length != (long) keys.length * width || mean.length != width) {
            throw new IllegalArgumentException("served blocks of " + rows.length + " bytes for " + keys.length + " rows of " + width);
        }
    }

    /** {@code k} doubles a row, little-endian, and the row at the means. */
    public static Served ofDoubles(String[] keys, double[] values, double[] mean, Route route, Object extra) {
        return new Served(keys, mean.length * Double.BYTES, doubles(values), doubles(mean), route, extra);
    }

    /** Doubles as little-endian bytes. */
    public static byte[] doubles(double[] v) {
        ByteBuffer b = ByteBuffer.allocate(v.length * Double.BYTES).order(ByteOrder.LITTLE_ENDIAN);
        for (double d : v) b.putDouble(d);
        return b.array();
    }

    /** Little-endian bytes as doubles. */
    public static double[] doubles(byte[] b, int offset, int count) {
        ByteBuffer in = ByteBuffer.wrap(b, offset, count * Double.BYTES).order(ByteOrder.LITTLE_ENDIAN);
        double[] out = new double[count];
        for (int i = 0; i < count; i++) out[i] = in.getDouble();
        return out;
    }
}

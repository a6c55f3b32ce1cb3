package io.meshfl.core.crypto.secagg;

import io.meshfl.core.ErrorCode;
import io.meshfl.core.MeshflException;

import java.util.Random;

/**
 * Fixed-point encoding of real-valued updates into {@link Ring} elements for secure aggregation.
 *
 * <p>Each coordinate is clipped to {@code [-clip, clip]}, shifted to {@code [0, 2 clip]} and
 * mapped to an integer level in {@code [0, levels]}, where {@code levels = floor((2^bits - 1) /
 * maxClients)}. The sum of up to {@code maxClients} encodings therefore never exceeds
 * {@code 2^bits - 1}: it cannot wrap, so the masked sum decodes exactly. The price of more
 * clients or fewer bits is a coarser {@link #step()}.
 *
 * <p>Deterministic rounding errs by at most {@code step/2} per client and coordinate; stochastic
 * rounding by less than {@code step} but without bias, which matters when many small updates
 * would otherwise all round the same way.
 */
public final class Quantizer {

    private final double clip;
    private final Ring ring;
    private final int maxClients;
    private final long levels;
    private final double step;

    public Quantizer(double clip, Ring ring, int maxClients) {
        if (!(clip > 0) || Double.isInfinite(clip)) {
            throw new MeshflException(ErrorCode.CRYPTO_FAILURE, "quantizer field 'clip' must be positive and finite, got " + clip);
        }
        if (maxClients < 1) {
            throw new MeshflException(ErrorCode.CRYPTO_FAILURE, "quantizer field 'maxClients' must be at least 1, got " + maxClients);
        }
        long lv = ring.mask() / maxClients;
        if (lv < 1) {
            throw new MeshflException(ErrorCode.CRYPTO_FAILURE, "quantizer field 'ring' has " + ring.bits()
                    + " bits, too few for " + maxClients + " clients to sum without wrapping");
        }
        this.clip = clip;
        this.ring = ring;
        this.maxClients = maxClients;
        this.levels = lv;
        this.step = 2 * clip / lv;
    }

    /** A quantizer over Z_{2^32}. */
    public static Quantizer ring32(double clip, int maxClients) {
        return new Quantizer(clip, Ring.z32(), maxClients);
    }

    public Ring ring() {
        return ring;
    }

    public double clip() {
        return clip;
    }

    public int maxClients() {
        return maxClients;
    }

    /** The real value of one integer level. */
    public double step() {
        return step;
    }

    /** Rounds each clipped coordinate to the nearest level. */
    public long[] quantize(double[] update) {
        long[] q = new long[update.length];
        for (int i = 0; i < update.length; i++) {
            q[i] = Math.min(levels, Math.round(scaled(update, i)));
        }
        return q;
    }

    /** The nearest level of one clipped value, as {@link #quantize(double[])} rounds each coordinate. */
    public long level(double x) {
        if (Double.isNaN(x)) {
            throw new MeshflException(ErrorCode.CRYPTO_FAILURE, "update coordinate is NaN");
        }
        return Math.min(levels, Math.round((Math.max(-clip, Math.min(clip, x)) + clip) / step));
    }

    /** Rounds each clipped coordinate up or down at random, with the probability that keeps it unbiased. */
    public long[] quantize(double[] update, Random random) {
        long[] q = new long[update.length];
        for (int i = 0; i < update.length; i++) {
            double f = scaled(update, i);
            double floor = Math.floor(f);
            long v = (long) floor + (random.nextDouble() < f - floor ? 1 : 0);
            q[i] = Math.min(levels, v);
        }
        return q;
    }

    /** Decodes the ring sum of {@code clients} encodings back to the real-valued sum. */
    public double[] dequantizeSum(long[] sum, int clients) {
        if (clients < 1 || clients > maxClients) {
            throw new MeshflException(ErrorCode.PROTOCOL_FAILURE, "a sum of " + clients
                    + " clients cannot be decoded by a quantizer sized for 1.." + maxClients);
        }
        double[] out = new double[sum.length];
        long bound = levels * clients;
        for (int i = 0; i < sum.length; i++) {
            long s = ring.reduce(sum[i]);
            if (s > bound) {
                // larger than any honest sum: masks were not removed, or a client sent a forged value
                throw new MeshflException(ErrorCode.PROTOCOL_FAILURE, "coordinate " + i + " of the sum is " + s
                        + ", above the largest honest sum " + bound + " of " + clients + " clients");
            }
            out[i] = s * step - clients * clip;
        }
        return out;
    }

    private double scaled(double[] update, int i) {
        double x = update[i];
        if (Double.isNaN(x)) {
            throw new MeshflException(ErrorCode.CRYPTO_FAILURE, "update coordinate " + i + " is NaN");
        }
        return (Math.max(-clip, Math.min(clip, x)) + clip) / step;
    }

    @Override
    public String toString() {
        return "Quantizer[clip=" + clip + ", bits=" + ring.bits() + ", maxClients=" + maxClients + ", step=" + step + "]";
    }
}

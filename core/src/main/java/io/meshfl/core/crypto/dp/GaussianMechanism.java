package io.meshfl.core.crypto.dp;

import io.meshfl.core.ErrorCode;
import io.meshfl.core.MeshflException;

import java.util.Random;

/**
 * The Gaussian mechanism on model updates: clip each update to L2 norm {@code clipNorm}, then add
 * N(0, (noiseMultiplier · clipNorm)²) to each coordinate, of one update (local DP) or of a sum
 * of clipped updates (central DP, once per round). {@link RdpAccountant} turns the noise
 * multiplier, the sampling rate and the rounds into (ε, δ).
 *
 * <p>Noise comes from {@link Random#nextGaussian()} of the given source: a
 * {@link java.security.SecureRandom} in production, a seeded {@link Random} in tests. Like every
 * floating-point DP implementation it is open to the precision attacks of Mironov 2012, which
 * matter only against an adversary who sees the exact bits of a released value.
 */
public final class GaussianMechanism {

    private final double clipNorm;
    private final double noiseMultiplier;
    private final Random random;

    public GaussianMechanism(double clipNorm, double noiseMultiplier, Random random) {
        if (!(clipNorm > 0) || Double.isInfinite(clipNorm)) {
            throw new MeshflException(ErrorCode.CRYPTO_FAILURE, "Gaussian mechanism field 'clipNorm' must be positive and finite, got " + clipNorm);
        }
        if (!(noiseMultiplier >= 0) || Double.isInfinite(noiseMultiplier)) {
            throw new MeshflException(ErrorCode.CRYPTO_FAILURE, "Gaussian mechanism field 'noiseMultiplier' must be finite and not negative, got " + noiseMultiplier);
        }
        if (random == null) {
            throw new MeshflException(ErrorCode.CRYPTO_FAILURE, "Gaussian mechanism field 'random' must be given");
        }
        this.clipNorm = clipNorm;
        this.noiseMultiplier = noiseMultiplier;
        this.random = random;
    }

    public double clipNorm() {
        return clipNorm;
    }

    public double noiseMultiplier() {
        return noiseMultiplier;
    }

    /** The standard deviation of the noise per coordinate, noiseMultiplier · clipNorm. */
    public double noiseStddev() {
        return noiseMultiplier * clipNorm;
    }

    public static double l2Norm(double[] v) {
        double s = 0;
        for (double x : v) {
            s += x * x;
        }
        return Math.sqrt(s);
    }

    /**
     * Scales {@code v} in place to L2 norm at most {@code c} and returns the factor applied
     * (1 when it already fits). A non-finite coordinate is refused: it would carry through
     * clipping and noise untouched.
     */
    public static double clip(double[] v, double c) {
        if (!(c > 0)) {
            throw new MeshflException(ErrorCode.CRYPTO_FAILURE, "clipping norm must be positive, got " + c);
        }
        double norm = l2Norm(v);
        if (!Double.isFinite(norm)) {
            throw new MeshflException(ErrorCode.CRYPTO_FAILURE, "update has a non-finite coordinate; it cannot be clipped");
        }
        if (norm <= c) {
            return 1;
        }
        double scale = c / norm;
        for (int i = 0; i < v.length; i++) {
            v[i] *= scale;
        }
        return scale;
    }

    /** Adds N(0, noiseStddev²) to each coordinate of {@code v}, in place. */
    public void addNoise(double[] v) {
        double sd = noiseStddev();
        for (int i = 0; i < v.length; i++) {
            v[i] += sd * random.nextGaussian();
        }
    }

    /** A clipped and noised copy of {@code update}. */
    public double[] privatize(double[] update) {
        double[] v = update.clone();
        clip(v, clipNorm);
        addNoise(v);
        return v;
    }

    @Override
    public String toString() {
        return "GaussianMechanism[clipNorm=" + clipNorm + ", noiseMultiplier=" + noiseMultiplier + "]";
    }
}

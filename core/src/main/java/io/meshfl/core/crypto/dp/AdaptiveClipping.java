package io.meshfl.core.crypto.dp;

import io.meshfl.core.ErrorCode;
import io.meshfl.core.MeshflException;

import java.util.Random;

/**
 * The state of adaptive clipping (Andrew et al. 2021, "Differentially Private Learning with
 * Adaptive Clipping"): the clipping norm follows a target quantile of the update norms, learned
 * privately. Each round every sampled client reports one bit, whether its update norm was at
 * most the current norm ({@link #unclipped}); the server adds N(0, countStddev²) to the count,
 * divides by the expected number of clients and moves the norm geometrically:
 * C ← C · exp(−learningRate · (fraction − targetQuantile)).
 *
 * <p>The count costs privacy too; {@link #updateNoiseMultiplier} gives the smaller noise
 * multiplier for the updates that keeps the pair of queries at the total the accountant is fed.
 *
 * @param clipNorm        the current clipping norm C
 * @param targetQuantile  fraction of updates that should end up unclipped, e.g. 0.5
 * @param learningRate    step of the geometric update, e.g. 0.2
 * @param countStddev     noise on the unclipped count, e.g. expectedClients / 20
 * @param expectedClients clients sampled per round
 */
public record AdaptiveClipping(double clipNorm, double targetQuantile, double learningRate,
                               double countStddev, int expectedClients) {

    public AdaptiveClipping {
        if (!(clipNorm > 0) || Double.isInfinite(clipNorm)) {
            throw invalid("clipNorm", "must be positive and finite, got " + clipNorm);
        }
        if (!(targetQuantile >= 0 && targetQuantile <= 1)) {
            throw invalid("targetQuantile", "must be in [0, 1], got " + targetQuantile);
        }
        if (!(learningRate > 0) || Double.isInfinite(learningRate)) {
            throw invalid("learningRate", "must be positive and finite, got " + learningRate);
        }
        if (!(countStddev >= 0) || Double.isInfinite(countStddev)) {
            throw invalid("countStddev", "must be finite and not negative, got " + countStddev);
        }
        if (expectedClients < 1) {
            throw invalid("expectedClients", "must be at least 1, got " + expectedClients);
        }
    }

    /** The defaults of Andrew et al.: median target, learning rate 0.2, count noise m/20. */
    public static AdaptiveClipping initial(double clipNorm, int expectedClients) {
        return new AdaptiveClipping(clipNorm, 0.5, 0.2, expectedClients / 20.0, expectedClients);
    }

    /** A client's bit: 1 if its update (before clipping) has norm at most the current clip norm. */
    public int unclipped(double[] update) {
        return GaussianMechanism.l2Norm(update) <= clipNorm ? 1 : 0;
    }

    /** The state after a round in which {@code unclippedCount} clients reported an unclipped update. */
    public AdaptiveClipping next(int unclippedCount, Random random) {
        if (unclippedCount < 0) {
            throw invalid("unclippedCount", "must not be negative, got " + unclippedCount);
        }
        double noisyFraction = (unclippedCount + countStddev * random.nextGaussian()) / expectedClients;
        double c = clipNorm * Math.exp(-learningRate * (noisyFraction - targetQuantile));
        return new AdaptiveClipping(c, targetQuantile, learningRate, countStddev, expectedClients);
    }

    /**
     * The noise multiplier to use on the updates so that updates and count together spend as
     * much as one Gaussian query with {@code totalNoiseMultiplier}: (z^−2 − (2 countStddev)^−2)^−1/2.
     */
    public double updateNoiseMultiplier(double totalNoiseMultiplier) {
        if (!(totalNoiseMultiplier > 0)) {
            throw invalid("totalNoiseMultiplier", "must be positive, got " + totalNoiseMultiplier);
        }
        if (totalNoiseMultiplier >= 2 * countStddev) {
            throw invalid("countStddev", countStddev + " is too small for a total noise multiplier of " + totalNoiseMultiplier
                    + ": it must exceed half of it");
        }
        double inv = Math.pow(totalNoiseMultiplier, -2) - Math.pow(2 * countStddev, -2);
        return 1 / Math.sqrt(inv);
    }

    private static MeshflException invalid(String field, String what) {
        return new MeshflException(ErrorCode.CRYPTO_FAILURE, "adaptive clipping field '" + field + "' " + what);
    }
}

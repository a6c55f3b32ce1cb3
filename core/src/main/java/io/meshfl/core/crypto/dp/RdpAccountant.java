package io.meshfl.core.crypto.dp;

import io.meshfl.core.ErrorCode;
import io.meshfl.core.MeshflException;

/**
 * Rényi-DP accountant for the sampled Gaussian mechanism: each step includes each record (or
 * client) with probability {@code q} and adds Gaussian noise of {@code noiseMultiplier} times
 * the clipping norm. Immutable: {@link #compose} returns a new accountant.
 *
 * <p>The RDP of one step at order α is log(A_α)/(α-1) as in Mironov, Talwar and Zhang 2019,
 * "Rényi Differential Privacy of the Sampled Gaussian Mechanism", §3.3: a finite binomial sum for
 * integer α and two convergent series with erfc for fractional α, the same computation as
 * TensorFlow Privacy and Opacus, so the numbers agree with theirs. RDP adds up over steps and
 * is converted to (ε, δ) at the best order.
 *
 * <p>{@link #epsilon} uses the improved conversion of Balle et al. 2020 (Theorem 21 of
 * arXiv:1905.09982; Opacus {@code get_privacy_spent}, TF Privacy since 2020):
 * ε = rdp − (log δ + log α)/(α − 1) + log((α − 1)/α). {@link #epsilonClassic} is the older
 * ε = rdp − log δ/(α − 1) (Mironov 2017, Proposition 3), which printed the long-quoted
 * "ε = 3.01" of DP-SGD on MNIST and is kept only for comparing with such figures.
 */
public final class RdpAccountant {

    /** Spent privacy at one δ: ε and the RDP order that gave it. */
    public record Spent(double epsilon, double order) {
    }

    private static final double[] DEFAULT_ORDERS = defaultOrders();
    private static final int MAX_SERIES_TERMS = 1_000_000;

    private final double[] orders;
    private final double[] rdp;

    /** An accountant with nothing spent over the orders 1.25, 1.5, 1.75, 2, 3, ..., 64, 128, 256. */
    public RdpAccountant() {
        this(DEFAULT_ORDERS);
    }

    /** An accountant with nothing spent over the given orders (each above 1). */
    public RdpAccountant(double[] orders) {
        if (orders == null || orders.length == 0) {
            throw invalid("orders", "must not be empty");
        }
        for (double a : orders) {
            if (!(a > 1) || Double.isInfinite(a)) {
                throw invalid("orders", "must all be finite and above 1, got " + a);
            }
        }
        this.orders = orders.clone();
        this.rdp = new double[orders.length];
    }

    private RdpAccountant(double[] orders, double[] rdp) {
        this.orders = orders;
        this.rdp = rdp;
    }

    public static double[] defaultOrders() {
        double[] o = new double[3 + 63 + 2];
        o[0] = 1.25;
        o[1] = 1.5;
        o[2] = 1.75;
        for (int a = 2; a <= 64; a++) {
            o[a + 1] = a;
        }
        o[66] = 128;
        o[67] = 256;
        return o;
    }

    /** This accountant plus {@code steps} steps of the sampled Gaussian mechanism. */
    public RdpAccountant compose(double q, double noiseMultiplier, long steps) {
        if (steps < 0) {
            throw invalid("steps", "must not be negative, got " + steps);
        }
        double[] next = rdp.clone();
        for (int i = 0; i < orders.length; i++) {
            next[i] += steps == 0 ? 0 : rdp(q, noiseMultiplier, orders[i]) * steps;
        }
        return new RdpAccountant(orders, next);
    }

    public double[] orders() {
        return orders.clone();
    }

    /** The accumulated RDP at each order. */
    public double[] rdp() {
        return rdp.clone();
    }

    /** ε at {@code delta} with the improved conversion (Balle et al. 2020). */
    public double epsilon(double delta) {
        return spent(delta).epsilon();
    }

    /** ε at {@code delta} and the order achieving it, with the improved conversion. */
    public Spent spent(double delta) {
        return convert(orders, rdp, delta);
    }

    /** ε at {@code delta} with the classic conversion ε = rdp − log δ/(α − 1), never smaller than {@link #epsilon}. */
    public double epsilonClassic(double delta) {
        checkDelta(delta);
        double best = Double.POSITIVE_INFINITY;
        for (int i = 0; i < orders.length; i++) {
            best = Math.min(best, rdp[i] - Math.log(delta) / (orders[i] - 1));
        }
        return Math.max(0, best);
    }

    /** The improved conversion applied to any RDP curve. */
    public static Spent convert(double[] orders, double[] rdp, double delta) {
        checkDelta(delta);
        if (orders.length != rdp.length) {
            throw invalid("rdp", "has " + rdp.length + " values for " + orders.length + " orders");
        }
        double best = Double.POSITIVE_INFINITY;
        double bestOrder = Double.NaN;
        for (int i = 0; i < orders.length; i++) {
            double a = orders[i];
            if (delta * delta + Math.expm1(-rdp[i]) > 0) {
                // KL <= RDP at any order above 1, and total variation <= sqrt(1 - exp(-KL)) <= delta: (0, delta)-DP
                return new Spent(0, a);
            }
            double eps = rdp[i] - (Math.log(delta) + Math.log(a)) / (a - 1) + Math.log((a - 1) / a);
            if (eps < best) {
                best = eps;
                bestOrder = a;
            }
        }
        // a negative bound still proves (0, δ)-DP, since (ε, δ)-DP only weakens as ε grows
        return new Spent(Math.max(0, best), bestOrder);
    }

    /**
     * The smallest noise multiplier (to 0.1%) whose {@code steps} steps at sampling rate {@code q}
     * stay within {@code budget}, for planning a run before it starts.
     */
    public static double noiseMultiplierFor(PrivacyBudget budget, double q, long steps) {
        if (budget.delta() == 0) {
            throw invalid("delta", "must be positive to calibrate Gaussian noise");
        }
        double hi = 1;
        while (new RdpAccountant().compose(q, hi, steps).epsilon(budget.delta()) > budget.epsilon()) {
            hi *= 2;
            if (hi > 1e6) {
                throw invalid("epsilon", budget.epsilon() + " is out of reach for q=" + q + " over " + steps + " steps");
            }
        }
        double lo = hi / 2;
        if (new RdpAccountant().compose(q, lo, steps).epsilon(budget.delta()) <= budget.epsilon()) {
            lo = 0;
        }
        while (hi - lo > 1e-3 * hi) {
            double mid = (lo + hi) / 2;
            if (new RdpAccountant().compose(q, mid, steps).epsilon(budget.delta()) <= budget.epsilon()) {
                hi = mid;
            } else {
                lo = mid;
            }
        }
        return hi;
    }

    /** RDP at order {@code alpha} of one step of the sampled Gaussian mechanism. */
    public static double rdp(double q, double noiseMultiplier, double alpha) {
        if (!(q >= 0 && q <= 1)) {
            throw invalid("q", "is a sampling rate and must be in [0, 1], got " + q);
        }
        if (!(noiseMultiplier >= 0) || Double.isInfinite(noiseMultiplier)) {
            throw invalid("noiseMultiplier", "must be finite and not negative, got " + noiseMultiplier);
        }
        if (!(alpha > 1) || Double.isInfinite(alpha)) {
            throw invalid("alpha", "must be finite and above 1, got " + alpha);
        }
        if (q == 0) {
            return 0;
        }
        if (noiseMultiplier == 0) {
            return Double.POSITIVE_INFINITY;
        }
        if (q == 1) {
            return alpha / (2 * noiseMultiplier * noiseMultiplier);
        }
        double logA = alpha == Math.rint(alpha) && alpha <= Integer.MAX_VALUE
                ? logAInt(q, noiseMultiplier, (int) alpha)
                : logAFrac(q, noiseMultiplier, alpha);
        return logA / (alpha - 1);
    }

    /** log A_α = log sum_i C(α, i) q^i (1-q)^(α-i) exp((i² - i)/(2σ²)) for integer α. */
    static double logAInt(double q, double sigma, int alpha) {
        double logQ = Math.log(q);
        double log1mQ = Math.log1p(-q);
        double twoVar = 2 * sigma * sigma;
        double logA = LogMath.LOG_ZERO;
        double logBinom = 0;
        for (int i = 0; i <= alpha; i++) {
            if (i > 0) {
                logBinom += Math.log(alpha - i + 1) - Math.log(i);
            }
            double s = logBinom + i * logQ + (alpha - i) * log1mQ + ((double) i * i - i) / twoVar;
            logA = LogMath.logAdd(logA, s);
        }
        return logA;
    }

    /**
     * log A_α for fractional α: the integral split at z0 = σ² log(1/q − 1) + 1/2 into two series
     * over i, each term a generalised binomial coefficient times an erfc tail, summed until both
     * terms fall below e^−30.
     */
    static double logAFrac(double q, double sigma, double alpha) {
        double a0 = LogMath.LOG_ZERO;
        double a1 = LogMath.LOG_ZERO;
        double logQ = Math.log(q);
        double log1mQ = Math.log1p(-q);
        double twoVar = 2 * sigma * sigma;
        double z0 = sigma * sigma * Math.log(1 / q - 1) + 0.5;
        double sqrt2Sigma = Math.sqrt(2) * sigma;
        double logHalf = Math.log(0.5);
        double logCoef = 0; // log |C(α, i)|
        boolean positive = true;
        for (int i = 0; ; i++) {
            if (i > MAX_SERIES_TERMS) {
                throw new MeshflException(ErrorCode.CRYPTO_FAILURE, "RDP series for q=" + q + ", sigma=" + sigma
                        + ", order " + alpha + " did not converge");
            }
            double j = alpha - i;
            double logT0 = logCoef + i * logQ + j * log1mQ;
            double logT1 = logCoef + j * logQ + i * log1mQ;
            double logE0 = logHalf + LogMath.logErfc((i - z0) / sqrt2Sigma);
            double logE1 = logHalf + LogMath.logErfc((z0 - j) / sqrt2Sigma);
            double s0 = logT0 + ((double) i * i - i) / twoVar + logE0;
            double s1 = logT1 + (j * j - j) / twoVar + logE1;
            if (positive) {
                a0 = LogMath.logAdd(a0, s0);
                a1 = LogMath.logAdd(a1, s1);
            } else {
                a0 = LogMath.logSub(a0, s0);
                a1 = LogMath.logSub(a1, s1);
            }
            if (Math.max(s0, s1) < -30) {
                break;
            }
            // C(α, i+1) = C(α, i) (α − i)/(i + 1), which changes sign once i passes α
            logCoef += Math.log(Math.abs(alpha - i)) - Math.log(i + 1);
            if (alpha - i < 0) {
                positive = !positive;
            }
        }
        return LogMath.logAdd(a0, a1);
    }

    private static void checkDelta(double delta) {
        if (!(delta > 0 && delta < 1)) {
            throw invalid("delta", "must be in (0, 1), got " + delta);
        }
    }

    private static MeshflException invalid(String field, String what) {
        return new MeshflException(ErrorCode.CRYPTO_FAILURE, "RDP accountant field '" + field + "' " + what);
    }

    @Override
    public String toString() {
        return "RdpAccountant[orders " + orders[0] + ".." + orders[orders.length - 1] + " (" + orders.length + ")]";
    }
}

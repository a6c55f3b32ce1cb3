package io.meshfl.core.crypto.dp;

/**
 * Log-space arithmetic for the RDP accountant, whose intermediate terms overflow doubles by
 * hundreds of orders of magnitude. The JDK has no erfc, so it is computed here: a positive-term
 * series for erf near 0, a continued fraction for the scaled erfc further out (which stays in
 * log space, since erfc(x) underflows beyond x = 27 while log erfc(x) ~ -x^2 does not).
 */
final class LogMath {

    static final double LOG_ZERO = Double.NEGATIVE_INFINITY;
    private static final double SQRT_PI = Math.sqrt(Math.PI);
    private static final double SERIES_LIMIT = 2.0;

    private LogMath() {
    }

    /** log(e^a + e^b). */
    static double logAdd(double a, double b) {
        double lo = Math.min(a, b);
        double hi = Math.max(a, b);
        if (lo == LOG_ZERO) {
            return hi;
        }
        return Math.log1p(Math.exp(lo - hi)) + hi;
    }

    /** log(e^a - e^b) for a >= b. */
    static double logSub(double a, double b) {
        if (a < b) {
            throw new ArithmeticException("log-space subtraction would be negative");
        }
        if (b == LOG_ZERO) {
            return a;
        }
        if (a == b) {
            return LOG_ZERO;
        }
        double d = a - b;
        if (d > 700) {
            return a; // e^b is below the precision of e^a
        }
        return Math.log(Math.expm1(d)) + b;
    }

    /** log(erfc(x)), accurate to about 1e-13 relative over the whole line. */
    static double logErfc(double x) {
        if (x < 0) {
            return Math.log1p(erf(-x));
        }
        if (x < SERIES_LIMIT) {
            return Math.log1p(-erf(x));
        }
        return -x * x + Math.log(erfcxContinuedFraction(x));
    }

    /** erf(x) for 0 <= x; the series 2/sqrt(pi) e^{-x^2} sum 2^n x^{2n+1} / (2n+1)!! has only positive terms. */
    static double erf(double x) {
        if (x >= SERIES_LIMIT) {
            return 1 - Math.exp(-x * x) * erfcxContinuedFraction(x);
        }
        double x2 = x * x;
        double term = x;
        double sum = x;
        for (int n = 1; n < 500; n++) {
            term *= 2 * x2 / (2 * n + 1);
            sum += term;
            if (term < sum * 1e-17) {
                break;
            }
        }
        return 2 / SQRT_PI * Math.exp(-x2) * sum;
    }

    /** e^{x^2} erfc(x) for x >= 2: 1/sqrt(pi) / (x + (1/2)/(x + 1/(x + (3/2)/(x + ...)))), by modified Lentz. */
    private static double erfcxContinuedFraction(double x) {
        double tiny = 1e-300;
        double f = x;
        double c = f;
        double d = 0;
        for (int n = 1; n < 5000; n++) {
            double a = n / 2.0;
            d = x + a * d;
            d = d == 0 ? tiny : d;
            c = x + a / c;
            c = c == 0 ? tiny : c;
            d = 1 / d;
            double delta = c * d;
            f *= delta;
            if (Math.abs(delta - 1) < 1e-16) {
                break;
            }
        }
        return 1 / (SQRT_PI * f);
    }
}

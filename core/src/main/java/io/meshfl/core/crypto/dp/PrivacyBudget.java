package io.meshfl.core.crypto.dp;

import io.meshfl.core.ErrorCode;
import io.meshfl.core.MeshflException;

/** An (ε, δ) differential-privacy budget, as a data product's policy or a job states it. */
public record PrivacyBudget(double epsilon, double delta) {

    public PrivacyBudget {
        if (!(epsilon > 0) || Double.isInfinite(epsilon)) {
            throw new MeshflException(ErrorCode.CRYPTO_FAILURE,
                    "privacy budget field 'epsilon' must be positive and finite, got " + epsilon);
        }
        if (!(delta >= 0 && delta < 1)) {
            throw new MeshflException(ErrorCode.CRYPTO_FAILURE,
                    "privacy budget field 'delta' must be in [0, 1), got " + delta);
        }
    }

    /** Whether what {@code accountant} has spent, at this budget's δ, fits in this budget. */
    public boolean covers(RdpAccountant accountant) {
        if (delta == 0) {
            return false; // RDP gives no pure-DP guarantee for Gaussian noise
        }
        return accountant.epsilon(delta) <= epsilon;
    }
}

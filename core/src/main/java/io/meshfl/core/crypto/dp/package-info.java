/**
 * Differential-privacy primitives for federated rounds: the Gaussian mechanism with fixed or
 * adaptive clipping, a Rényi-DP accountant for the sampled Gaussian mechanism, and the (ε, δ)
 * budget a policy states. The accountant's "sampling rate" is the fraction of clients (for
 * user-level DP across a federation) or of records (for DP-SGD inside one domain) that take
 * part in a step.
 */
package io.meshfl.core.crypto.dp;

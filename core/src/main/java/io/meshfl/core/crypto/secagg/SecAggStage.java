package io.meshfl.core.crypto.secagg;

/**
 * The four stages of a SecAgg+ round, named as in Flower's {@code secaggplus_constants.py}.
 * <ol>
 *   <li>{@code SETUP}: the server announces {@link SecAggParams}; each client answers with two
 *       X25519 public keys, one for sealing shares to peers and one for pairwise masks.</li>
 *   <li>{@code SHARE_KEYS}: each client receives its neighbours' keys, Shamir-shares its self-mask
 *       seed and its mask secret key among them, and returns one sealed bundle per neighbour.</li>
 *   <li>{@code COLLECT_MASKED}: each client receives the bundles addressed to it and returns its
 *       masked, quantized update.</li>
 *   <li>{@code UNMASK}: the server names survivors and drop-outs; each survivor reveals self-seed
 *       shares of survivors and key shares of drop-outs, never both for one client.</li>
 * </ol>
 */
public enum SecAggStage {
    SETUP, SHARE_KEYS, COLLECT_MASKED, UNMASK
}

package io.meshfl.core.model;

/**
 * Settings of one node's local training in a federated round.
 *
 * @param epochs     passes over the local data, at least 1
 * @param batchSize  rows per mini-batch, at least 1
 * @param optimizer  update rule; a fresh instance is created per {@link LocalTrainer#train} call
 * @param proximalMu FedProx coefficient; 0 disables the proximal term
 * @param l2         L2 penalty coefficient on weights (biases are exempt where the model reports them)
 * @param seed       seed of the per-epoch row shuffles
 */
public record LocalConfig(int epochs, int batchSize, OptimizerSpec optimizer, double proximalMu, double l2, long seed) {

    public LocalConfig {
        if (epochs < 1) throw new IllegalArgumentException("local.epochs must be >= 1, got " + epochs);
        if (batchSize < 1) throw new IllegalArgumentException("local.batchSize must be >= 1, got " + batchSize);
        if (optimizer == null) throw new IllegalArgumentException("local.optimizer is required");
        if (!(proximalMu >= 0 && Double.isFinite(proximalMu))) {
            throw new IllegalArgumentException("local.proximalMu must be >= 0, got " + proximalMu);
        }
        if (!(l2 >= 0 && Double.isFinite(l2))) throw new IllegalArgumentException("local.l2 must be >= 0, got " + l2);
    }
}

package io.meshfl.core.plan;

import io.meshfl.core.model.ModelSpec;
import io.meshfl.core.protocol.horizontal.LocalSettings;

import java.util.List;

/**
 * A training job as a data scientist writes it: which products, which label and features, what
 * model, how to train. Read from YAML by {@link JobLoader}, validated field by field.
 *
 * @param features the feature columns, or empty for "every column all products allow"
 * @param strategy the execution strategy asked for: {@code auto}, {@code horizontal} or {@code vertical}
 * @param vertical settings of vertical training (used when the plan is vertical)
 */
public record JobSpec(String name, List<String> products, String label, List<String> features,
                      ModelSpec model, String strategy, AggregatorSpec aggregator, LocalSettings local,
                      int rounds, EvaluationSpec evaluation, double roundTimeoutSeconds, long seed,
                      boolean standardize, String sourceFile, VerticalSettings vertical) {

    public JobSpec {
        products = List.copyOf(products);
        features = List.copyOf(features);
    }

    /** The server-side aggregation rule and its settings. */
    public record AggregatorSpec(String name, double fraction, int minNodes, double proximalMu,
                                 double serverLr, double beta1, double beta2, double tau, double trimBeta) {
        public static AggregatorSpec fedavg(int minNodes) {
            return new AggregatorSpec("fedavg", 1.0, minNodes, 0.0, 0.1, 0.9, 0.99, 1e-3, 0.1);
        }
    }

    /**
     * Vertical training settings: passes over the aligned rows, mini-batch size, learning rate
     * with decay {@code lr / (1 + decay * epoch)}, L1/L2 penalties, early stopping when the
     * squared change of all weights over an epoch falls below {@code tol}, the party-side optimizer
     * (sgd with optional momentum, or adam; both elementwise, so each party steps only its own
     * coordinates exactly as a centralized optimizer would), the Paillier key size
     * of the arbiter, fixed-point fraction bits, and the PSI batch size.
     */
    public record VerticalSettings(int epochs, int batchSize, double lr, double decay, double l1, double l2, double tol,
                                   int keyBits, int fracBits, int psiBatch, boolean cardinalityOnly, String optimizer,
                                   double momentum) {
        public VerticalSettings {
            if (epochs < 1) throw new IllegalArgumentException("vertical.epochs must be >= 1, got " + epochs);
            if (batchSize < 1) throw new IllegalArgumentException("vertical.batchSize must be >= 1, got " + batchSize);
            if (!(lr > 0)) throw new IllegalArgumentException("vertical.lr must be > 0, got " + lr);
            if (decay < 0) throw new IllegalArgumentException("vertical.decay must be >= 0, got " + decay);
            if (l1 < 0 || l2 < 0) throw new IllegalArgumentException("vertical.l1 and vertical.l2 must be >= 0");
            if (keyBits < 1024 || keyBits > 3072) {
                throw new IllegalArgumentException("vertical.keyBits must be in 1024..3072, got " + keyBits);
            }
            if (fracBits < 8 || fracBits > 40) throw new IllegalArgumentException("vertical.fracBits must be in 8..40, got " + fracBits);
            if (psiBatch < 1) throw new IllegalArgumentException("vertical.psiBatch must be >= 1, got " + psiBatch);
            if (!optimizer.equals("sgd") && !optimizer.equals("adam")) {
                throw new IllegalArgumentException("vertical.optimizer must be sgd or adam, got '" + optimizer + "'");
            }
            if (momentum < 0 || momentum >= 1) throw new IllegalArgumentException("vertical.momentum must be in [0, 1), got " + momentum);
        }

        public static VerticalSettings defaults() {
            return new VerticalSettings(10, 1024, 0.15, 0.0, 0.0, 0.0, 1e-6, 2048, 24, 1 << 16, false, "sgd", 0.0);
        }
    }

    /** Where the model is scored: named test products, or a seeded holdout of each training product. */
    public record EvaluationSpec(List<String> products, double holdout) {
        public EvaluationSpec {
            products = List.copyOf(products);
        }
    }
}

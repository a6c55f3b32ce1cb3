package io.meshfl.core.plan;

import io.meshfl.core.model.ModelSpec;
import io.meshfl.core.protocol.horizontal.LocalSettings;

import java.util.List;

/**
 * A training job as a data scientist writes it: which products, which label and features, what
 * model, how to train. Read from YAML by {@link JobLoader}, validated field by field.
 *
 * @param features the feature columns, or empty for "every column all products allow"
 * @param strategy the execution strategy asked for: {@code auto} or {@code horizontal}
 */
public record JobSpec(String name, List<String> products, String label, List<String> features,
                      ModelSpec model, String strategy, AggregatorSpec aggregator, LocalSettings local,
                      int rounds, EvaluationSpec evaluation, double roundTimeoutSeconds, long seed,
                      boolean standardize, String sourceFile) {

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

    /** Where the model is scored: named test products, or a seeded holdout of each training product. */
    public record EvaluationSpec(List<String> products, double holdout) {
        public EvaluationSpec {
            products = List.copyOf(products);
        }
    }
}

package io.meshfl.core.contract;

import java.util.List;
import java.util.Objects;

/**
 * The federated-learning rules a domain sets for one product: its entity key, its label (null
 * when it holds none), the columns allowed as features (already resolved to concrete names),
 * whether raw rows may leave the domain, how missing feature cells are filled, and the total
 * differential-privacy ε all runs over the product may spend ({@code epsilonBudget}, null when
 * the product sets none; a product with a budget takes part in differentially private jobs only).
 */
public record FlPolicy(String entityKey, String label, List<String> features, boolean rawRowsMayLeave,
                       boolean allowPiiFeatures, Imputation imputation, Double epsilonBudget) {

    public FlPolicy {
        features = List.copyOf(Objects.requireNonNull(features, "features"));
        imputation = imputation == null ? Imputation.NONE : imputation;
    }

    public boolean hasEpsilonBudget() {
        return epsilonBudget != null;
    }

    public boolean hasLabel() {
        return label != null;
    }
}

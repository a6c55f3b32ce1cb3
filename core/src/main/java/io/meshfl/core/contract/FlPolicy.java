package io.meshfl.core.contract;

import java.util.List;
import java.util.Objects;

/**
 * The federated-learning rules a domain sets for one product: its entity key, its label (null
 * when it holds none), the columns allowed as features (already resolved to concrete names),
 * whether raw rows may leave the domain, how missing feature cells are filled, and the total
 * differential-privacy ε all runs over the product may spend ({@code epsilonBudget}, null when
 * the product sets none; a product with a budget takes part in differentially private jobs only),
 * the protocols the product may take part in ({@code protocols}, empty: any) and the protections
 * every job over it must apply ({@code requires}), and who may use it ({@code consumers}; null when
 * the contract names nobody, which grants the product's own domain only). The node serving the
 * product enforces them on every request, whatever the coordinator asks.
 */
public record FlPolicy(String entityKey, String label, List<String> features, boolean rawRowsMayLeave,
                       boolean allowPiiFeatures, Imputation imputation, Double epsilonBudget, List<String> protocols,
                       List<String> requires, List<Grant> consumers) {

    /** What {@code meshfl.protocols} may name; {@code pooled} is training where the rows are joined on the coordinator. */
    public static final List<String> PROTOCOLS = List.of("horizontal", "vertical", "split", "secureboost", "federated-factorized", "pooled");
    /** What {@code meshfl.requires} may name. */
    public static final List<String> PROTECTIONS = List.of("secure-aggregation", "differential-privacy");

    public FlPolicy {
        features = List.copyOf(Objects.requireNonNull(features, "features"));
        imputation = imputation == null ? Imputation.NONE : imputation;
        protocols = protocols == null ? List.of() : List.copyOf(protocols);
        requires = requires == null ? List.of() : List.copyOf(requires);
        consumers = consumers == null ? null : List.copyOf(consumers);
    }

    public FlPolicy(String entityKey, String label, List<String> features, boolean rawRowsMayLeave, boolean allowPiiFeatures,
                    Imputation imputation, Double epsilonBudget, List<String> protocols, List<String> requires) {
        this(entityKey, label, features, rawRowsMayLeave, allowPiiFeatures, imputation, epsilonBudget, protocols, requires, null);
    }

    public FlPolicy(String entityKey, String label, List<String> features, boolean rawRowsMayLeave, boolean allowPiiFeatures,
                    Imputation imputation, Double epsilonBudget) {
        this(entityKey, label, features, rawRowsMayLeave, allowPiiFeatures, imputation, epsilonBudget, List.of(), List.of(), null);
    }

    /** Whether the product may take part in {@code protocol} (one of {@link #PROTOCOLS}). */
    public boolean allows(String protocol) {
        return protocols.isEmpty() || protocols.contains(protocol);
    }

    public boolean hasEpsilonBudget() {
        return epsilonBudget != null;
    }

    public boolean hasLabel() {
        return label != null;
    }
}

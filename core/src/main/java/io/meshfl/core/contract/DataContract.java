package io.meshfl.core.contract;

import java.nio.file.Path;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * A data product's contract: identity, owner, where the data lives, its schema and the
 * federated-learning policy of its domain. Built by {@link ContractLoader}, which validates it.
 */
public record DataContract(String id, String version, String domain, String dataProduct, String status, Team team,
                           String description, Server server, List<Property> properties, FlPolicy policy,
                           Path sourceFile, String rawYaml) {

    public DataContract {
        Objects.requireNonNull(id, "id");
        Objects.requireNonNull(server, "server");
        Objects.requireNonNull(policy, "policy");
        properties = List.copyOf(Objects.requireNonNull(properties, "properties"));
    }

    /** The columns the policy allows as features, in schema order unless listed explicitly. */
    public List<String> featureColumns() {
        return policy.features();
    }

    public Optional<Property> property(String column) {
        for (Property p : properties) {
            if (p.name().equals(column)) return Optional.of(p);
        }
        return Optional.empty();
    }

    public boolean isPii(String column) {
        return property(column).map(Property::isPii).orElse(false);
    }

    /** All declared column names in schema order. */
    public List<String> columns() {
        return properties.stream().map(Property::name).toList();
    }

    // The default record form would print the whole YAML, credentials included, into logs.
    @Override
    public String toString() {
        return "DataContract[" + id + " " + version + ", " + server + ", " + sourceName() + "]";
    }

    /** The contract file for messages, or {@code <inline>} for a contract parsed from text. */
    public String sourceName() {
        return sourceFile == null ? "<inline>" : sourceFile.toString();
    }
}

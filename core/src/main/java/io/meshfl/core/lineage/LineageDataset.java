package io.meshfl.core.lineage;

import io.meshfl.core.catalog.ProductRecord;
import io.meshfl.core.contract.DataContract;
import io.meshfl.core.contract.Property;

import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * What a MeshFL run reads or makes, as OpenLineage names datasets: a data product version (in its
 * domain's namespace), a model version (in {@link #MODELS}) or the predictions a scoring run left
 * with its requester. Each knows only metadata: names, versions, hashes and column types.
 */
public sealed interface LineageDataset permits LineageDataset.Product, LineageDataset.Model, LineageDataset.Predictions {

    /** The namespace of every model of the mesh. */
    String MODELS = "meshfl://models";

    /** The OpenLineage namespace of a domain's datasets. */
    static String namespace(String domain) {
        return "meshfl://" + domain;
    }

    String namespace();

    String name();

    /** One column of a product's contract: its name, logical type and what the contract says of it. */
    record Column(String name, String type, String description) {
        public Column {
            Objects.requireNonNull(name, "name");
            Objects.requireNonNull(type, "type");
        }
    }

    /** A data product at the exact contract version a run used. */
    record Product(String productId, String domain, String version, String contractSha256, List<Column> columns) implements LineageDataset {
        public Product {
            Objects.requireNonNull(productId, "productId");
            Objects.requireNonNull(domain, "domain");
            Objects.requireNonNull(version, "version");
            columns = List.copyOf(columns);
        }

        /** The product of a registered contract version, its columns from the contract's schema. */
        public static Product of(ProductRecord record, DataContract contract) {
            List<Column> cols = new ArrayList<>();
            for (Property p : contract.properties()) {
                List<String> said = new ArrayList<>();
                if (p.primaryKey()) said.add("primary key");
                if (p.classification() != null && !p.classification().isBlank()) said.add("classification: " + p.classification());
                cols.add(new Column(p.name(), p.logicalType().yamlName(), said.isEmpty() ? null : String.join("; ", said)));
            }
            return new Product(record.id(), record.domain(), record.version(), record.contractSha256(), cols);
        }

        @Override
        public String namespace() {
            return LineageDataset.namespace(domain);
        }

        @Override
        public String name() {
            return productId;
        }
    }

    /**
     * A model: one dataset per model name, each registered version a version of it. {@code version}
     * is 0 and {@code modelId} null while its run has not stored it yet (a START event).
     */
    record Model(String name, int version, String modelId, String owner, String stage, String modelType, String strategy)
            implements LineageDataset {
        public Model {
            Objects.requireNonNull(name, "name");
        }

        /** A model named before its run stored it. */
        public static Model named(String name) {
            return new Model(name, 0, null, null, null, null, null);
        }

        @Override
        public String namespace() {
            return MODELS;
        }
    }

    /** The predictions of a model that a scoring run left with its requester's domain. */
    record Predictions(String requesterDomain, String modelName, String modelId, long rows) implements LineageDataset {
        public Predictions {
            Objects.requireNonNull(requesterDomain, "requesterDomain");
            Objects.requireNonNull(modelName, "modelName");
        }

        @Override
        public String namespace() {
            return LineageDataset.namespace(requesterDomain);
        }

        @Override
        public String name() {
            return modelName + ".predictions";
        }
    }
}

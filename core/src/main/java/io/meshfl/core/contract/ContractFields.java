package io.meshfl.core.contract;

import io.meshfl.core.schema.SchemaField;
import io.meshfl.core.schema.Schemas;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/**
 * Every field of a data product contract: the ODCS v3 fields MeshFL reads, those it keeps without
 * reading, and its own {@code meshfl} section. {@link ContractLoader} takes the names it accepts
 * in each section from here; the contract schema and its reference section are generated from it.
 */
public final class ContractFields {

    private static final String KEPT = "ODCS v3; kept with the contract, not read by MeshFL.";
    private static final List<SchemaField> ALL = new ArrayList<>();

    private static void f(String path, String kind, boolean required, String fallback, String about, List<String> choices) {
        ALL.add(new SchemaField(path, kind, fallback, about, choices, required));
    }

    private static void f(String path, String kind, boolean required, String about, String... choices) {
        f(path, kind, required, null, about, List.of(choices));
    }

    private static void kept(String section, String... names) {
        for (String n : names) f(section.isEmpty() ? n : section + "." + n, "any", false, KEPT);
    }

    static {
        f("apiVersion", "string", true, "The ODCS version of the contract, v3.x.");
        f("kind", "string", true, "Always `DataContract`.", "DataContract");
        f("id", "string", true, "The product's id, as jobs name it (conventionally domain.product).");
        f("version", "string", true, "The contract's version; the catalog keeps every version and jobs may pin one (`id@version`).");
        f("domain", "string", true, "The owning domain: the node of this domain serves the product.");
        f("dataProduct", "string", false, "The product's name within its domain.");
        f("status", "string", false, "Lifecycle status (active, deprecated, ...).");
        f("description", "any", false, "Free text or ODCS's {purpose, limitations, usage}.");
        kept("", "name", "tenant", "team", "roles", "support", "price", "tags", "customProperties", "slaProperties",
                "slaDefaultElement", "authoritativeDefinitions", "contractCreatedTs");
        f("servers", "objects", true, "Where the data lives; MeshFL reads the first entry.");
        f("servers.server", "string", false, "The server's name.");
        f("servers.type", "string", true, "The source: csv or parquet files, a local folder of either (with format), a JDBC table, "
                + "or a Kafka topic of events (a streaming product, docs/streams.md).", "csv", "parquet", "local", "jdbc", "kafka");
        f("servers.format", "string", false, "With type local: the files' format; with type kafka: the events' value format.", "csv", "parquet", "json", "avro");
        f("servers.path", "string", false, "A file, or a glob of files with the same columns (data/part-*.csv), relative to the contract.");
        f("servers.paths", "list", false, "Several files with the same columns (each checked, rows counted per file).");
        f("servers.url", "string", false, "With type jdbc: the JDBC URL.");
        f("servers.table", "string", false, "With type jdbc: the table.");
        f("servers.bootstrap", "string", false, "With type kafka: the cluster's bootstrap servers (host:port, comma-separated).");
        f("servers.topic", "string", false, "With type kafka: the topic of events.");
        f("servers.key", "string", false, "With type kafka: the column holding each event's id, the join key (default: the schema's primaryKey).");
        f("servers.eventTime", "string", false, "With type kafka: the column holding each event's time (epoch milliseconds or an ISO-8601 instant).");
        f("servers.watermarkDelay", "string", false, "With type kafka: how far behind its partition's newest event time an event may "
                + "arrive (60s, 5m, PT1M); later ones are dropped and counted as late.");
        f("servers.parts", "string", false, "With type kafka: where the events arrive as files, a glob of CSV or Parquet parts relative to "
                + "the contract (incoming/part-*.csv); each complete part is moved into the topic once (docs/streams.md).");
        f("servers.description", "string", false, "Free text.");
        f("schema", "objects", true, "The product's table (MeshFL reads the first entry).");
        f("schema.name", "string", true, "The table's name.");
        f("schema.physicalType", "string", false, "table, view, ...");
        kept("schema", "id", "physicalName", "logicalType", "description", "businessName", "dataGranularityDescription",
                "authoritativeDefinitions", "tags", "customProperties", "quality", "relationships");
        f("schema.properties", "objects", true, "The columns.");
        f("schema.properties.name", "string", true, "The column's name, as in the data.");
        f("schema.properties.logicalType", "string", true, "What its values are; numbers, integers and booleans may be features.",
                "string", "number", "integer", "boolean", "date", "timestamp");
        f("schema.properties.primaryKey", "boolean", false, "false", "A primary key: its values must be unique (checked on reading).", List.of());
        f("schema.properties.required", "boolean", false, "false", "A value in every row (checked on reading).", List.of());
        f("schema.properties.classification", "string", false, "`pii` (or restricted, confidential): never a feature unless "
                + "`meshfl.allowPiiFeatures`; a pii key is aligned only in blinded form.");
        kept("schema.properties", "id", "physicalName", "physicalType", "logicalTypeOptions", "description", "businessName",
                "primaryKeyPosition", "unique", "partitioned", "partitionKeyPosition", "encryptedName", "transformSourceObjects",
                "transformLogic", "transformDescription", "examples", "criticalDataElement", "quality", "tags", "customProperties",
                "authoritativeDefinitions", "relationships");
        f("meshfl", "mapping", false, "MeshFL's policy for the product: what may be learned from it, by whom and how.");
        f("meshfl.entityKey", "string", false, "The column that identifies an entity, for alignment across domains.");
        f("meshfl.label", "string", false, "The label column jobs may train on.");
        f("meshfl.features", "list", false, "every numeric column", "Columns that may be features, or `\"*\"`: every numeric, non-pii, "
                + "non-key column.", List.of());
        f("meshfl.rawRowsMayLeave", "boolean", false, "false", "Whether rows may leave the domain (materialized and factorized training "
                + "over a join).", List.of());
        f("meshfl.allowPiiFeatures", "boolean", false, "false", "Let pii-classified columns be features.", List.of());
        f("meshfl.epsilonBudget", "number", false, "The total differential-privacy epsilon all runs on the product may spend (the ledger "
                + "refuses a run that would exceed it).");
        f("meshfl.protocols", "list", false, "every protocol", "The protocols that may train on the product.", FlPolicy.PROTOCOLS);
        f("meshfl.requires", "list", false, "[]", "Protections every horizontal run on the product must use.", FlPolicy.PROTECTIONS);
        f("meshfl.imputation", "mapping", false, "How a node fills missing feature values (or the strategy alone: `imputation: mean`).");
        f("meshfl.imputation.strategy", "string", false, "none", "Refuse missing values (none), fill the training mean, or a constant.",
                List.of("none", "mean", "constant"));
        f("meshfl.imputation.value", "number", false, "With strategy constant: the value.");
        f("meshfl.consumers", "objects", false, "Who may use the product (absent: only its own domain); every node checks the signed job "
                + "against it.");
        f("meshfl.consumers.identity", "string", true, "client:NAME, domain:NAME, coordinator or *.");
        f("meshfl.consumers.may", "list", false, "[\"train\", \"predict\"]", "The uses granted.", Grant.USES);
        f("meshfl.consumers.protocols", "list", false, "every protocol the product allows", "The protocols granted.", FlPolicy.PROTOCOLS);
    }

    private ContractFields() {
    }

    public static List<SchemaField> all() {
        return List.copyOf(ALL);
    }

    static Set<String> names(String section) {
        return Schemas.names(ALL, section);
    }
}

package io.meshfl.core.testing;

/**
 * The contract tests write for a domain's {@code customers} product: its rows in {@code
 * <domain>.csv}, entity key {@code cid}, the given column lines and {@code meshfl} lines.
 */
public final class CustomerContracts {

    /** The pii entity key's property line, as most test products declare it. */
    public static final String PII_KEY = "      - {name: cid, logicalType: string, primaryKey: true, classification: pii}\n";

    private CustomerContracts() {
    }

    /**
     * The contract's YAML: {@code properties} are whole property lines (six spaces, a dash), the key's
     * included; {@code meshfl} are lines under {@code meshfl:} after {@code entityKey: cid} (two spaces each).
     */
    public static String yaml(String domain, String properties, String meshfl) {
        return """
                apiVersion: v3.0.2
                kind: DataContract
                id: %1$s.customers
                version: 1.0.0
                domain: %1$s
                dataProduct: customers
                servers:
                  - {server: local, type: csv, path: %1$s.csv}
                schema:
                  - name: customers
                    properties:
                %2$smeshfl:
                  entityKey: cid
                %3$s""".formatted(domain, properties, meshfl);
    }
}

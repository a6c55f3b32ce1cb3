package io.meshfl.core.integration;

import io.meshfl.core.contract.ContractLoader;
import io.meshfl.core.contract.DataContract;

import java.util.List;

/** Contracts of a small star schema (orders, customers, products) and a valid integration of them. */
final class IntegrationFixtures {

    static final DataContract ORDERS = contract("sales", "orders", """
                  - {name: order_id, logicalType: string, primaryKey: true}
                  - {name: customer_id, logicalType: string}
                  - {name: sku, logicalType: string}
                  - {name: amount, logicalType: number}
                  - {name: returned, logicalType: integer}
                  - {name: segment, logicalType: integer}
                  - {name: email, logicalType: string, classification: pii}
            """);
    static final DataContract CUSTOMERS = contract("crm", "customers", """
                  - {name: id, logicalType: string, primaryKey: true}
                  - {name: legacy_id, logicalType: integer}
                  - {name: region_code, logicalType: string}
                  - {name: age, logicalType: integer}
                  - {name: segment, logicalType: integer}
                  - {name: segment_label, logicalType: string}
            """);
    static final DataContract PRODUCTS = contract("catalog", "products", """
                  - {name: product_sku, logicalType: string, primaryKey: true}
                  - {name: list_price, logicalType: number}
                  - {name: weight, logicalType: number}
            """);
    static final DataContract PROFILES = contract("crm", "profiles", """
                  - {name: customer_ref, logicalType: string, primaryKey: true}
                  - {name: score, logicalType: number}
            """);
    static final DataContract REGIONS = contract("geo", "regions", """
                  - {name: code, logicalType: string, primaryKey: true}
                  - {name: gdp, logicalType: number}
            """);

    static final List<DataContract> CONTRACTS = List.of(ORDERS, CUSTOMERS, PRODUCTS, PROFILES, REGIONS);

    /** The package documentation's example: orders many-to-one customers and products, segment in both. */
    static final String STAR = """
            apiVersion: v1.0.0
            kind: MeshIntegration
            id: sales.order-training
            version: 1.0.0
            description: One row per order, with the customer and product it refers to
            base: sales.orders
            relationships:
              - name: order-customer
                from: {product: sales.orders, column: customer_id}
                to: {product: crm.customers, column: id}
                cardinality: many-to-one
              - name: order-product
                from: {product: sales.orders, column: sku}
                to: {product: catalog.products, column: product_sku}
                cardinality: many-to-one
            columns:
              - {target: amount, product: sales.orders, column: amount}
              - {target: returned, product: sales.orders, column: returned}
              - {target: segment, product: sales.orders, column: segment}
              - {target: age, product: crm.customers, column: age}
              - {target: segment, product: crm.customers, column: segment}
              - {target: price, product: catalog.products, column: list_price}
            overlaps:
              - target: segment
                keep: crm.customers
            """;

    private IntegrationFixtures() {
    }

    static DataContract contract(String domain, String name, String properties) {
        String yaml = "apiVersion: v3.0.2\nkind: DataContract\nid: " + domain + "." + name + "\nversion: 1.0.0\ndomain: " + domain
                + "\nservers:\n  - {server: local, type: csv, path: " + name + ".csv}\nschema:\n  - name: " + name
                + "\n    properties:\n" + properties;
        return ContractLoader.parse(yaml, null, false);
    }

    /** {@code yaml} with exactly one occurrence of {@code from} replaced. */
    static String with(String yaml, String from, String to) {
        int i = yaml.indexOf(from);
        if (i < 0 || yaml.indexOf(from, i + 1) >= 0) throw new IllegalArgumentException("not exactly one '" + from + "'");
        return yaml.substring(0, i) + to + yaml.substring(i + from.length());
    }

    /** The 1-based line of the first line of {@code yaml} containing {@code snippet}. */
    static int lineOf(String yaml, String snippet) {
        String[] lines = yaml.split("\n", -1);
        for (int i = 0; i < lines.length; i++) if (lines[i].contains(snippet)) return i + 1;
        throw new IllegalArgumentException("no line contains " + snippet);
    }
}

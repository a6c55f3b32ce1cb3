package io.meshfl.core.plan;

import io.meshfl.core.contract.ContractLoader;
import io.meshfl.core.contract.DataContract;

import java.nio.file.Path;

/** Small contracts for planner tests: an {@code id} key, an optional integer label, numeric columns (text for names ending in _id). */
final class Contracts {

    private Contracts() {
    }

    static DataContract of(String id, String domain, String label, boolean rowsMayLeave, String... columns) {
        StringBuilder props = new StringBuilder("      - {name: id, logicalType: string, primaryKey: true}\n");
        if (label != null) props.append("      - {name: ").append(label).append(", logicalType: integer}\n");
        for (String c : columns) {
            props.append("      - {name: ").append(c).append(", logicalType: ").append(c.endsWith("_id") ? "string" : "number").append("}\n");
        }
        return ContractLoader.parse("""
                apiVersion: v3.0.2
                kind: DataContract
                id: %s
                version: 1.0.0
                domain: %s
                status: active
                servers:
                  - {server: local, type: csv, path: %s.csv}
                schema:
                  - name: t
                    properties:
                %smeshfl:
                  entityKey: id
                  %s
                  features: "*"
                  rawRowsMayLeave: %s
                """.formatted(id, domain, id, props, label == null ? "" : "label: " + label, rowsMayLeave), Path.of(id + ".yaml"), false);
    }
}

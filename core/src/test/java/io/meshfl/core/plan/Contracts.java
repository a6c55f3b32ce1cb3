package io.meshfl.core.plan;

import io.meshfl.core.contract.ContractLoader;
import io.meshfl.core.contract.DataContract;

import java.nio.file.Path;

/** Small contracts for planner tests: an {@code id} key, an optional integer label, numeric columns (text for names ending in _id). */
final class Contracts {

    private Contracts() {
    }

    static DataContract of(String id, String domain, String label, boolean rowsMayLeave, String... columns) {
        return withPolicy(id, domain, label, rowsMayLeave, "", columns);
    }

    /** A contract whose meshfl block also carries {@code extraPolicy} (lines such as {@code protocols: [horizontal]}). */
    static DataContract withPolicy(String id, String domain, String label, boolean rowsMayLeave, String extraPolicy, String... columns) {
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
                %s""".formatted(id, domain, id, props, label == null ? "" : "label: " + label, rowsMayLeave,
                extraPolicy.isEmpty() ? "" : "  " + extraPolicy + "\n"), Path.of(id + ".yaml"), false);
    }
}

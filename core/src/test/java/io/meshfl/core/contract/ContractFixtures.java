package io.meshfl.core.contract;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** A small valid contract and its CSV, which tests vary one field at a time. */
public final class ContractFixtures {

    public static final String CONTRACT = """
            apiVersion: v3.0.2
            kind: DataContract
            id: clinic-a.breast
            version: 1.0.0
            domain: clinic-a
            dataProduct: breast
            status: active
            team:
              name: clinic-a-data
              members: [{username: alice, role: owner}]
            description: {purpose: "Breast-cancer screening features"}
            servers:
              - server: local
                type: csv
                path: data.csv
            schema:
              - name: breast
                physicalType: table
                properties:
                  - {name: id, logicalType: string, primaryKey: true}
                  - {name: y, logicalType: integer}
                  - {name: x0, logicalType: number}
                  - {name: x1, logicalType: number}
                  - {name: ssn, logicalType: string, classification: pii}
                  - {name: age, logicalType: integer, classification: pii}
            meshfl:
              entityKey: id
              label: y
              features: [x0, x1]
              imputation: {strategy: none}
            """;

    public static final String CSV = """
            id,y,x0,x1,ssn,age
            a,1,0.5,1.5,111,40
            b,0,-1.0,2.5,222,50
            c,1,2.0,3.5,333,60
            """;

    private ContractFixtures() {
    }

    /** Writes {@code yaml} as contract.yaml and {@code csv} as data.csv into {@code dir}; returns the contract path. */
    public static Path write(Path dir, String yaml, String csv) {
        try {
            if (csv != null) Files.writeString(dir.resolve("data.csv"), csv);
            Path f = dir.resolve("contract.yaml");
            Files.writeString(f, yaml);
            return f;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The 1-based line of the first line of {@code yaml} that contains {@code snippet}. */
    public static int lineOf(String yaml, String snippet) {
        String[] lines = yaml.split("\n", -1);
        for (int i = 0; i < lines.length; i++) {
            if (lines[i].contains(snippet)) return i + 1;
        }
        throw new IllegalArgumentException("no line contains " + snippet);
    }

    /** {@code yaml} with exactly one occurrence of {@code from} replaced. */
    public static String with(String yaml, String from, String to) {
        int i = yaml.indexOf(from);
        if (i < 0 || yaml.indexOf(from, i + 1) >= 0) throw new IllegalArgumentException("not exactly one '" + from + "'");
        return yaml.substring(0, i) + to + yaml.substring(i + from.length());
    }
}

package io.meshfl.core.protocol.scoring;

import io.meshfl.core.ErrorCode;
import io.meshfl.core.MeshflException;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.List;
import java.util.Locale;
import java.util.regex.Pattern;

/**
 * Predictions as a data product of the requester: the scored rows in its own products folder
 * ({@code products/NAME/NAME.csv} or {@code .parquet}) beside an ODCS contract of their schema,
 * each scoring a new version of it. Only the contract (with a file name relative to it) leaves the
 * node, to be registered in the catalog.
 */
public final class PredictionProduct {

    private static final Pattern NAME = Pattern.compile("[a-z][a-z0-9-]{0,62}");

    /** What the catalog registers: the product's id and version, its contract and row count. */
    public record Published(String id, String version, String contractYaml, int rows) {
    }

    private PredictionProduct() {
    }

    /** Checks a product name and format as a request gives them; an error names the field. */
    public static void check(String name, String format) {
        if (!NAME.matcher(name).matches()) {
            throw new MeshflException(ErrorCode.JOB_INVALID, "output.product: '" + name + "' is not a product name (lower-case letters, digits and "
                    + "dashes, starting with a letter)");
        }
        if (!List.of("csv", "parquet").contains(format)) {
            throw new MeshflException(ErrorCode.JOB_INVALID, "output.format: '" + format + "' (expected csv or parquet)");
        }
    }

    /**
     * Publishes the predictions file {@code csv} (header first) as the next version of product
     * {@code domain.name} under {@code outputDir/products/name}.
     */
    public static Published publish(Path outputDir, String domain, String name, String format, Path csv, int rows, String model,
                                    String modelVersion) {
        check(name, format);
        Path folder = outputDir.resolve("products").resolve(name);
        Path contract = folder.resolve("contract.yaml");
        try {
            Files.createDirectories(folder);
            String version = nextVersion(contract);
            String file = name + "." + format;
            Path data = folder.resolve(file);
            Path staged = folder.resolve(file + ".new");
            if (format.equals("csv")) {
                Files.copy(csv, staged, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
            } else {
                toParquet(csv, staged);
            }
            Files.move(staged, data, java.nio.file.StandardCopyOption.REPLACE_EXISTING, java.nio.file.StandardCopyOption.ATOMIC_MOVE);
            String yaml = contract(domain, name, version, format, file, Files.readAllLines(csv).get(0).split(","), model, modelVersion);
            Files.writeString(contract, yaml);
            return new Published(domain + "." + name, version, yaml, rows);
        } catch (IOException e) {
            throw new MeshflException(ErrorCode.NODE_FAILURE, "cannot write the predictions product " + name + ": " + e.getMessage(), e);
        }
    }

    /** 1.0.0 for a new product, else the patch after the one its contract holds. */
    private static String nextVersion(Path contract) throws IOException {
        if (!Files.exists(contract)) return "1.0.0";
        for (String line : Files.readAllLines(contract)) {
            if (line.startsWith("version: ")) {
                String[] v = line.substring(9).trim().split("\\.");
                if (v.length == 3) return v[0] + "." + v[1] + "." + (Integer.parseInt(v[2]) + 1);
            }
        }
        throw new MeshflException(ErrorCode.NODE_FAILURE, "the contract of the predictions product in " + contract.getParent().getFileName()
                + " has no version line");
    }

    private static void toParquet(Path csv, Path out) {
        try (Connection c = DriverManager.getConnection("jdbc:duckdb:"); Statement st = c.createStatement()) {
            // the key and the tags as text, whatever they look like; the scores as numbers
            st.execute("COPY (SELECT * FROM read_csv('" + sql(csv) + "', header = true, types = {'entity_key': 'VARCHAR', 'model': 'VARCHAR', "
                    + "'model_version': 'VARCHAR'})) TO '" + sql(out) + "' (FORMAT parquet)");
        } catch (SQLException e) {
            throw new MeshflException(ErrorCode.NODE_FAILURE, "cannot write the predictions as Parquet: " + e.getMessage(), e);
        }
    }

    private static String sql(Path p) {
        return p.toAbsolutePath().toString().replace("'", "''");
    }

    /** The ODCS contract of the output: its columns as the predictions file has them, owned by the requester, for itself alone. */
    static String contract(String domain, String name, String version, String format, String file, String[] columns, String model,
                           String modelVersion) {
        StringBuilder props = new StringBuilder();
        for (String col : columns) {
            String type = col.equals("entity_key") || col.equals("model") || col.equals("model_version") ? "string"
                    : col.equals("parts_present") || col.startsWith("part_") ? "integer" : "number";
            props.append("      - {name: ").append(col).append(", logicalType: ").append(type)
                    .append(col.equals("entity_key") ? ", primaryKey: true" : "").append("}\n");
        }
        return """
                apiVersion: v3.0.2
                kind: DataContract
                id: %1$s.%2$s
                version: %3$s
                domain: %1$s
                dataProduct: %2$s
                status: active
                description: {purpose: "Predictions of model %6$s version %7$s for the entities of %1$s", usage: "one row per entity; the part_ columns say which domains' parts of the model were present"}
                servers:
                  - {server: local, type: %4$s, path: %5$s}
                schema:
                  - name: %2$s
                    physicalType: table
                    properties:
                %8$smeshfl:
                  entityKey: entity_key
                  rawRowsMayLeave: false
                """.formatted(domain, name, version, format, file, model, modelVersion, props);
    }
}

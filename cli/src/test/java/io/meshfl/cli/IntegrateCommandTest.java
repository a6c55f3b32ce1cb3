package io.meshfl.cli;

import io.meshfl.core.catalog.Catalog;
import io.meshfl.core.catalog.IntegrationStore;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@code meshfl integrate} on a small orders -> customers star schema written to a temp folder. */
class IntegrateCommandTest {

    @TempDir
    Path dir;

    private void product(String id, String domain, String header, String rows, String props) throws Exception {
        Files.writeString(dir.resolve(id + ".csv"), header + "\n" + rows);
        Files.writeString(dir.resolve(id + ".yaml"), """
                apiVersion: v3.0.2
                kind: DataContract
                id: %1$s
                version: 1.0.0
                domain: %2$s
                servers:
                  - {server: local, type: csv, path: %1$s.csv}
                schema:
                  - name: t
                    properties:
                %3$smeshfl:
                  entityKey: id
                  consumers: [{identity: 'client:operator'}]
                """.formatted(id, domain, props));
    }

    private void star(String customers) throws Exception {
        product("sales.orders", "sales", "id,customer_id,amount", "o1,c1,10\no2,c1,20\no3,c2,5\no4,c3,7\n", """
                      - {name: id, logicalType: string, primaryKey: true}
                      - {name: customer_id, logicalType: string}
                      - {name: amount, logicalType: number}
                """);
        product("crm.customers", "crm", "id,age", customers, """
                      - {name: id, logicalType: string, primaryKey: true}
                      - {name: age, logicalType: number}
                """);
        Files.writeString(dir.resolve("mesh.yaml"), """
                apiVersion: v1.0.0
                kind: MeshIntegration
                id: sales.orders-with-customers
                version: 1.0.0
                base: sales.orders
                relationships:
                  - from: {product: sales.orders, column: customer_id}
                    to: {product: crm.customers, column: id}
                    cardinality: many-to-one
                columns:
                  - {target: amount, product: sales.orders, column: amount}
                  - {target: age, product: crm.customers, column: age}
                """);
    }

    private int run(String... args) {
        PrintStream out = System.out;
        ByteArrayOutputStream buf = new ByteArrayOutputStream();
        System.setOut(new PrintStream(buf));
        try {
            return Main.execute(args);
        } finally {
            System.setOut(out);
            lastOutput = buf.toString();
        }
    }

    private String lastOutput = "";

    @Test
    void validStarSchemaIsCheckedAndRegisteredInTheCatalog() throws Exception {
        star("c1,30\nc2,40\nc4,50\n");
        Path cat = dir.resolve("catalog");
        assertEquals(0, run("integrate", "--mesh", dir.resolve("mesh.yaml").toString(), "--check-data", "--catalog", cat.toString()));
        assertTrue(lastOutput.contains("3 of 4 rows matched, 1 unmatched"), lastOutput);
        try (Catalog c = Catalog.open(cat)) {
            assertEquals("1.0.0", new IntegrationStore(c).requireLatest("sales.orders-with-customers").version());
        }
    }

    @Test
    void dimensionWithDuplicateKeysIsRefusedAsProbablyReversed() throws Exception {
        star("c1,30\nc1,31\nc2,40\n");
        int code = run("integrate", "--mesh", dir.resolve("mesh.yaml").toString(), "--check-data", "--catalog", dir.resolve("catalog").toString());
        assertNotEquals(0, code);
        try (Catalog c = Catalog.open(dir.resolve("catalog"))) {
            assertTrue(new IntegrationStore(c).list().isEmpty(), "a refused integration must not be registered");
        }
    }
}

package io.meshfl.coordinator;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.meshfl.core.ErrorCode;
import io.meshfl.core.MeshflException;
import io.meshfl.core.catalog.IntegrationStore;
import io.meshfl.core.catalog.RunRecord;
import io.meshfl.core.contract.ContractLoader;
import io.meshfl.core.contract.DataContract;
import io.meshfl.core.plan.JobLoader;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Jobs over the join a mesh integration describes (orders many-to-one customers, in two
 * domains), over in-process gRPC: planned by cost, trained materialized or factorized to the same
 * model, refused with the policies named when rows may not leave, and refused by the node itself.
 */
class JoinedJobTest {

    @TempDir
    Path dir;

    private static final String MESH = """
            apiVersion: v1.0.0
            kind: MeshIntegration
            id: orders-with-customers
            version: 1.0.0
            base: sales.orders
            relationships:
              - name: order-customer
                from: {product: sales.orders, column: customer_id}
                to: {product: crm.customers, column: id}
                cardinality: many-to-one
            columns:
              - {target: returned, product: sales.orders, column: returned}
              - {target: amount, product: sales.orders, column: amount}
              - {target: items, product: sales.orders, column: items}
              - {target: age, product: crm.customers, column: age}
              - {target: income, product: crm.customers, column: income}
              - {target: tenure, product: crm.customers, column: tenure}
            """;

    private List<DataContract> write(boolean customersMayLeave) throws Exception {
        Random r = new Random(4);
        int customers = 300;
        double[][] cust = new double[customers][3];
        StringBuilder c = new StringBuilder("id,age,income,tenure\n");
        for (int i = 0; i < customers; i++) {
            for (int j = 0; j < 3; j++) cust[i][j] = r.nextGaussian();
            c.append(String.format(Locale.ROOT, "c%d,%.4f,%.4f,%.4f%n", i, 40 + 10 * cust[i][0], 50 + 20 * cust[i][1], 5 + 3 * cust[i][2]));
        }
        StringBuilder o = new StringBuilder("id,customer_id,amount,items,returned\n");
        for (int i = 0; i < 3000; i++) {
            int k = r.nextInt(customers + 20); // some orders of customers crm does not know
            double a = r.nextGaussian(), b = r.nextGaussian();
            double[] cu = k < customers ? cust[k] : new double[3];
            double z = 1.2 * a - 0.8 * b + 1.5 * cu[0] - cu[1] + 0.5 * cu[2];
            o.append(String.format(Locale.ROOT, "o%d,c%d,%.4f,%.4f,%d%n", i, k, 100 + 30 * a, 3 + b, r.nextDouble() < 1 / (1 + Math.exp(-z)) ? 1 : 0));
        }
        Files.writeString(dir.resolve("orders.csv"), o);
        Files.writeString(dir.resolve("customers.csv"), c);
        Files.writeString(dir.resolve("orders.yaml"), """
                apiVersion: v3.0.2
                kind: DataContract
                id: sales.orders
                version: 1.0.0
                domain: sales
                servers:
                  - {server: local, type: csv, path: orders.csv}
                schema:
                  - name: orders
                    properties:
                      - {name: id, logicalType: string, primaryKey: true}
                      - {name: customer_id, logicalType: string}
                      - {name: amount, logicalType: number}
                      - {name: items, logicalType: number}
                      - {name: returned, logicalType: integer}
                meshfl:
                  entityKey: id
                  consumers: [{identity: 'client:operator'}]
                  label: returned
                  features: [amount, items]
                  rawRowsMayLeave: true
                """);
        Files.writeString(dir.resolve("customers.yaml"), """
                apiVersion: v3.0.2
                kind: DataContract
                id: crm.customers
                version: 1.0.0
                domain: crm
                servers:
                  - {server: local, type: csv, path: customers.csv}
                schema:
                  - name: customers
                    properties:
                      - {name: id, logicalType: string, primaryKey: true}
                      - {name: age, logicalType: number}
                      - {name: income, logicalType: number}
                      - {name: tenure, logicalType: number}
                meshfl:
                  entityKey: id
                  consumers: [{identity: 'client:operator'}]
                  features: "*"
                  rawRowsMayLeave: %s
                """.formatted(customersMayLeave));
        return List.of(ContractLoader.load(dir.resolve("orders.yaml")), ContractLoader.load(dir.resolve("customers.yaml")));
    }

    private static String job(String strategy) {
        return """
                name: returns
                products: [sales.orders, crm.customers]
                label: returned
                model: {type: logistic}
                integration: orders-with-customers
                strategy: %s
                joined: {iterations: 150, lr: 0.5, momentum: 0.9}
                %s""".formatted(strategy, strategy.equals("materialized") || strategy.equals("factorized") ? "" : "vertical: {keyBits: 1024}\n");
    }

    private ObjectNode run(TestMesh mesh, String strategy, HorizontalJobTest.Recorder rec) {
        return mesh.coordinator.runJob(JobLoader.parse(job(strategy), "job.yaml"), job(strategy), rec);
    }

    @Test
    void factorizedAndMaterializedTrainTheSameModelOverTheJoin() throws Exception {
        try (TestMesh mesh = new TestMesh(write(true), 200)) {
            new IntegrationStore(mesh.catalog).register("orders-with-customers", "1.0.0", MESH);
            HorizontalJobTest.Recorder rec = new HorizontalJobTest.Recorder();
            ObjectNode auto = run(mesh, "auto", rec);
            assertTrue(rec.plan.contains("candidates") && rec.plan.contains("predicted"), rec.plan);
            assertTrue(List.of("materialized", "factorized").contains(auto.path("plan").path("strategy").asText()));
            ObjectNode f = run(mesh, "factorized", new HorizontalJobTest.Recorder());
            ObjectNode m = run(mesh, "materialized", new HorizontalJobTest.Recorder());
            assertEquals(f.path("metrics").path("rows_joined").asInt(), m.path("metrics").path("rows_joined").asInt());
            assertTrue(f.path("metrics").path("rows_unmatched").asInt() > 0, "orders of unknown customers are left out");
            double auc = f.path("metrics").path("auc").asDouble();
            assertTrue(auc > 0.8, "auc " + auc);
            assertEquals(auc, m.path("metrics").path("auc").asDouble(), 1e-9);
            double[] pf = mesh.catalog.modelsForRun(f.path("run_id").asText()).get(0).parameters();
            double[] pm = mesh.catalog.modelsForRun(m.path("run_id").asText()).get(0).parameters();
            assertEquals(6, pf.length, "5 features and the intercept");
            assertArrayEquals(pm, pf, 1e-9);
            RunRecord run = mesh.catalog.run(f.path("run_id").asText()).orElseThrow();
            assertTrue(run.metricsJson().contains("predicted_seconds") && run.metricsJson().contains("actual_seconds"), run.metricsJson());
        }
    }

    @Test
    void productThatKeepsItsRowsTrainsFactorizedWithoutItsRowsLeavingAndForcedJoinsAreRefused() throws Exception {
        double pooledAuc;
        int pooledRows;
        try (TestMesh mesh = new TestMesh(write(true), 200)) {
            new IntegrationStore(mesh.catalog).register("orders-with-customers", "1.0.0", MESH);
            ObjectNode m = run(mesh, "materialized", new HorizontalJobTest.Recorder());
            pooledAuc = m.path("metrics").path("auc").asDouble();
            pooledRows = m.path("metrics").path("rows_joined").asInt();
        }
        try (TestMesh mesh = new TestMesh(write(false), 200)) {
            new IntegrationStore(mesh.catalog).register("orders-with-customers", "1.0.0", MESH);
            HorizontalJobTest.Recorder rec = new HorizontalJobTest.Recorder();
            ObjectNode auto = run(mesh, "auto", rec);
            assertEquals("federated-factorized", auto.path("plan").path("strategy").asText(), rec.plan);
            assertTrue(rec.plan.contains("rawRowsMayLeave=false of crm.customers") && rec.plan.contains("never built"), rec.plan);
            assertEquals(pooledRows, auto.path("metrics").path("rows_joined").asInt(), "the same orders find their customers");
            double auc = auto.path("metrics").path("auc").asDouble();
            assertEquals(pooledAuc, auc, 0.02, "federated over the sources vs materialized over the pooled rows");
            // Scoring with the model: the same rows align the same way, each domain scores its own rows once.
            ObjectNode scored = mesh.coordinator.predict(auto.path("model_id").asText(), List.of("sales.orders", "crm.customers"), null,
                    JobObserver.QUIET);
            assertEquals(pooledRows, scored.path("rows").asInt(), scored.toString());
            assertEquals(auc, scored.path("metrics").path("auc").asDouble(), 1e-5, scored.toString());
            var notBase = assertThrows(MeshflException.class, () -> mesh.coordinator.predict(auto.path("model_id").asText(),
                    List.of("sales.orders", "crm.customers"), "crm", JobObserver.QUIET));
            assertTrue(notBase.getMessage().contains("base product"), notBase.getMessage());
            var forced = assertThrows(MeshflException.class, () -> run(mesh, "materialized", new HorizontalJobTest.Recorder()));
            assertEquals(ErrorCode.PLAN_REFUSED, forced.code());
            assertTrue(forced.getMessage().contains("crm.customers") && forced.getMessage().contains("rawRowsMayLeave"), forced.getMessage());
        }
    }

    @Test
    void nodeRefusesToExportRowsItsContractKeepsWhateverTheCoordinatorAsks() throws Exception {
        try (TestMesh mesh = new TestMesh(write(false), 200)) {
            mesh.open("job", "run", "materialized");
            var req = io.meshfl.core.protocol.Message.request("job", "run", io.meshfl.core.protocol.factorized.RowsNode.PROTOCOL,
                    io.meshfl.core.protocol.factorized.RowsNode.EXPORT, 0, "crm")
                    .withConfig(java.util.Map.of("product", "crm.customers", "features", "age", "keys", "id"));
            String why;
            try {
                var reply = mesh.nodes.get(1).handle(req);
                assertTrue(reply.failed(), "the node exported rows its contract keeps");
                assertEquals(ErrorCode.POLICY_VIOLATION, reply.error().code());
                why = reply.error().message();
            } catch (MeshflException e) {
                assertEquals(ErrorCode.POLICY_VIOLATION, e.code());
                why = e.getMessage();
            }
            assertTrue(why.contains("rawRowsMayLeave"), why);
        }
    }

    @Test
    void unregisteredIntegrationIsAClearError() throws Exception {
        try (TestMesh mesh = new TestMesh(write(true), 200)) {
            var e = assertThrows(MeshflException.class, () -> run(mesh, "auto", new HorizontalJobTest.Recorder()));
            assertEquals(ErrorCode.CATALOG_NOT_FOUND, e.code());
            assertTrue(e.getMessage().contains("orders-with-customers"), e.getMessage());
        }
    }

    @Test
    void aRegisteredIntegrationChangesAJobOnlyWhenTheJobNamesIt() throws Exception {
        try (TestMesh mesh = new TestMesh(write(true), 200)) {
            new IntegrationStore(mesh.catalog).register("orders-with-customers", "1.0.0", MESH);
            // the same products, no integration named: the integration's join settings would be dropped, so they are refused
            String withJoin = job("auto").replace("integration: orders-with-customers\n", "");
            var e = assertThrows(MeshflException.class, () -> mesh.coordinator.runner().plan(JobLoader.parse(withJoin, "job.yaml")));
            assertEquals(ErrorCode.JOB_INVALID, e.code());
            assertTrue(e.getMessage().contains("field 'joined.iterations' applies to training over a mesh integration's join (name it in "
                    + "'integration')"), e.getMessage());
            // without them the job plans from the products themselves, and the plan says which integration it could name
            String plain = withJoin.replace("joined: {iterations: 150, lr: 0.5, momentum: 0.9}\n", "").replace("vertical: {keyBits: 1024}\n", "");
            var plan = mesh.coordinator.runner().plan(JobLoader.parse(plain, "job.yaml"));
            assertEquals("vertical", plan.strategy(), plan.explain());
            assertTrue(plan.explain().contains("registered integration(s) [orders-with-customers] join these products; the job names none"),
                    plan.explain());
            String named = job("auto");
            HorizontalJobTest.Recorder rec = new HorizontalJobTest.Recorder();
            ObjectNode r = mesh.coordinator.runJob(JobLoader.parse(named, "job.yaml"), named, rec);
            assertTrue(rec.plan.contains("integration orders-with-customers"), rec.plan);
            assertTrue(r.path("metrics").path("auc").asDouble() > 0.8, r.path("metrics").toString());
        }
    }
}

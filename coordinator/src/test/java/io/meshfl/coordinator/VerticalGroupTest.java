package io.meshfl.coordinator;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.meshfl.core.ErrorCode;
import io.meshfl.core.MeshflException;
import io.meshfl.core.contract.ContractLoader;
import io.meshfl.core.contract.DataContract;
import io.meshfl.core.plan.JobLoader;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A vertical party made of two regional nodes: the telco's customers live in a northern and a
 * southern product, each on its own node, and train as one party with the bank and the shop.
 */
class VerticalGroupTest {

    @TempDir
    Path dir;

    /** The three products of {@link VerticalJobTest}, plus the telco's customers split between two regional products. */
    List<DataContract> write(int customers, String kind, long seed, boolean overlap) throws Exception {
        VerticalJobTest base = new VerticalJobTest();
        base.dir = dir;
        List<DataContract> out = new ArrayList<>(base.write(customers, kind, seed));
        List<String> lines = Files.readAllLines(dir.resolve("telco.csv"));
        List<String> north = new ArrayList<>(List.of(lines.get(0))), south = new ArrayList<>(List.of(lines.get(0)));
        for (String line : lines.subList(1, lines.size())) {
            int i = Integer.parseInt(line.substring(1, line.indexOf(',')));
            (i % 3 == 0 ? north : south).add(line);
            if (overlap && i == 7) north.add(line);
        }
        for (var region : List.of(List.of("telco-north", north), List.of("telco-south", south))) {
            String domain = (String) region.get(0);
            @SuppressWarnings("unchecked") List<String> rows = (List<String>) region.get(1);
            Files.write(dir.resolve(domain + ".csv"), rows);
            Path f = dir.resolve(domain + ".yaml");
            Files.writeString(f, io.meshfl.core.testing.CustomerContracts.yaml(domain, io.meshfl.core.testing.CustomerContracts.PII_KEY
                    + "      - {name: c0, logicalType: number}\n", "  consumers: [{identity: 'client:operator'}]\n"));
            out.add(ContractLoader.load(f));
        }
        return out;
    }

    private static String job(String products, String groups, int epochs, int batch, String extra) {
        return """
                name: vertical-group
                products: [%s]
                %s
                label: target
                model: {type: logistic}
                vertical: {epochs: %d, batchSize: %d, lr: 0.3, keyBits: 1024, tol: 0}
                seed: 3
                %s
                """.formatted(products, groups, epochs, batch, extra);
    }

    static final String GROUPED = "bank.customers, shop.customers, telco-north.customers, telco-south.customers";
    static final String GROUPS = "groups: {telco: [telco-north.customers, telco-south.customers]}";
    static final String JOINED = "bank.customers, shop.customers, telco.customers";

    static ObjectNode run(TestMesh mesh, String yaml, HorizontalJobTest.Recorder rec) {
        return mesh.coordinator.runJob(JobLoader.parse(yaml, "job.yaml"), yaml, rec);
    }

    @Test
    void twoRegionalNodesTrainAsOnePartyTheSameModelAsTheJoinedProductInFullBatches() throws Exception {
        try (TestMesh mesh = new TestMesh(write(300, "binary", 1, false), 200)) {
            HorizontalJobTest.Recorder rec = new HorizontalJobTest.Recorder();
            ObjectNode grouped = run(mesh, job(GROUPED, GROUPS, 5, 4096, ""), rec);
            assertTrue(rec.plan.contains("group=telco") && rec.plan.contains("party telco is 2 products on their own nodes"), rec.plan);
            assertTrue(rec.logs.stream().anyMatch(l -> l.contains("group telco: 2 members")), String.join("\n", rec.logs));
            ObjectNode joined = run(mesh, job(JOINED, "", 5, 4096, ""), new HorizontalJobTest.Recorder());
            assertEquals(210.0, grouped.path("metrics").path("psi_intersection").asDouble(), "the group aligns as the union of its members");
            assertEquals(210.0, joined.path("metrics").path("psi_intersection").asDouble());
            for (String m : List.of("auc", "loss", "accuracy")) {
                double g = grouped.path("metrics").path(m).asDouble(), j = joined.path("metrics").path(m).asDouble();
                System.out.printf(Locale.ROOT, "full batch %s: group %.12f, joined %.12f%n", m, g, j);
                assertEquals(j, g, 1e-7, m + ": full-batch gradients are exact sums, whoever holds the rows");
            }
            // the report speaks of the party, not of which member holds what
            var share = grouped.path("diagnostics").path("contribution");
            assertTrue(share.has("telco") && !share.has("telco-north"), share.toString());
            assertEquals(joined.path("diagnostics").path("contribution").path("telco").asDouble(), share.path("telco").asDouble(), 1e-6);
        }
    }

    @Test
    void miniBatchGroupRunMatchesTheJoinedProductWithinTheBarAndScoresHeldOutRows() throws Exception {
        try (TestMesh mesh = new TestMesh(write(400, "binary", 4, false), 200)) {
            ObjectNode grouped = run(mesh, job(GROUPED, GROUPS, 6, 32, ""), new HorizontalJobTest.Recorder());
            ObjectNode joined = run(mesh, job(JOINED, "", 6, 32, ""), new HorizontalJobTest.Recorder());
            double g = grouped.path("metrics").path("auc").asDouble(), j = joined.path("metrics").path("auc").asDouble();
            System.out.printf(Locale.ROOT, "mini-batch AUC: group %.5f, joined rows %.5f%n", g, j);
            assertTrue(j > 0.8, "the generated label is learnable: " + j);
            assertEquals(j, g, 0.005, "the hybrid bar: the same model over the joined rows within 0.005 AUC");

            ObjectNode held = run(mesh, job(GROUPED, GROUPS, 4, 32, "evaluation: {holdout: 0.25}\nselection: {metric: auc, patience: 10}"),
                    new HorizontalJobTest.Recorder());
            assertTrue(held.path("metrics").has("train_auc") && held.path("metrics").path("auc").asDouble() > 0.75, held.path("metrics").toString());
            assertEquals(70, held.path("diagnostics").path("rows").asInt(), "a quarter of the 280 aligned rows is held out");

            // the group's model scores rows spread over the three parties, the regional nodes masking their partial scores as in training
            ObjectNode pred = mesh.coordinator.predict(grouped.path("model_id").asText(),
                    List.of("bank.customers", "shop.customers", "telco-north.customers", "telco-south.customers"), null, new HorizontalJobTest.Recorder());
            assertEquals("bank", pred.path("requester").asText());
            assertEquals(grouped.path("metrics").path("psi_intersection").asInt(), pred.path("rows").asInt());
            assertEquals(g, pred.path("metrics").path("auc").asDouble(), 1e-5, "scoring the training rows reproduces the training AUC");
            // a member holds only its own entities: the predictions go to a party of its own
            MeshflException e = assertThrows(MeshflException.class, () -> mesh.coordinator.predict(grouped.path("model_id").asText(),
                    List.of("bank.customers", "shop.customers", "telco-north.customers", "telco-south.customers"), "telco-north",
                    new HorizontalJobTest.Recorder()));
            assertTrue(e.getMessage().contains("is one member of party telco"), e.getMessage());
        }
    }

    @Test
    void anEntityInBothRegionsIsRefusedInLinearAndBoostedJobsAndAMemberCannotHoldTheLabel() throws Exception {
        try (TestMesh mesh = new TestMesh(write(200, "binary", 5, true), 200)) {
            MeshflException e = assertThrows(MeshflException.class, () -> run(mesh, job(GROUPED, GROUPS, 2, 64, ""), new HorizontalJobTest.Recorder()));
            assertEquals(ErrorCode.DATA_BAD_VALUE, e.code());
            assertTrue(e.getMessage().contains("telco-north.customers and telco-south.customers both hold 1 of the same entities"), e.getMessage());

            // boosted trees align a group the same way, and refuse the same overlap
            String boost = job(GROUPED, GROUPS, 2, 64, "").replace("type: logistic", "type: gbdt").replace("vertical: {epochs: 2, batchSize: 64, lr: 0.3, keyBits: 1024, tol: 0}", "");
            MeshflException b = assertThrows(MeshflException.class, () -> run(mesh, boost, new HorizontalJobTest.Recorder()));
            assertTrue(b.getMessage().contains("both hold 1 of the same entities"), b.getMessage());


            String withLabel = job("bank.customers, shop.customers, telco-north.customers", "groups: {retail: [bank.customers, shop.customers]}", 2, 64, "");
            MeshflException l = assertThrows(MeshflException.class, () -> run(mesh, withLabel, new HorizontalJobTest.Recorder()));
            assertTrue(l.getMessage().contains("groups.retail: bank.customers holds the label 'target'"), l.getMessage());

            String differ = job("bank.customers, shop.customers, telco-north.customers", "groups: {mixed: [shop.customers, telco-north.customers]}", 2, 64, "");
            MeshflException d = assertThrows(MeshflException.class, () -> run(mesh, differ, new HorizontalJobTest.Recorder()));
            assertTrue(d.getMessage().contains("groups.mixed: the members of a group hold the same feature columns"), d.getMessage());
        }
    }
}

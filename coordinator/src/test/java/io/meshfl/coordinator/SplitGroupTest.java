package io.meshfl.coordinator;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.meshfl.core.contract.DataContract;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.List;
import java.util.Locale;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A split network with a party made of two regional nodes: the telco's members share one bottom
 * network, each forwards its own customers (masked, so only their sum is the party's block) and
 * they add up the party's bottom gradient among themselves.
 */
class SplitGroupTest {

    @TempDir
    Path dir;

    private List<DataContract> write(int customers, long seed) throws Exception {
        VerticalGroupTest data = new VerticalGroupTest();
        data.dir = dir;
        return data.write(customers, "binary", seed, false);
    }

    private static String job(String products, String groups, String extra) {
        return job(products, groups, 6, 32, extra);
    }

    private static String job(String products, String groups, int epochs, int batch, String extra) {
        return """
                name: split-group
                products: [%s]
                %s
                label: target
                model: {type: splitnn}
                split: {bottomHidden: [8], cutWidth: 3, topHidden: [4], epochs: %d, batchSize: %d, lr: 0.02, optimizer: adam, labels: bank}
                seed: 5
                %s
                """.formatted(products, groups, epochs, batch, extra);
    }

    private static final String GROUPED = VerticalGroupTest.GROUPED;
    private static final String GROUPS = VerticalGroupTest.GROUPS;
    private static final String JOINED = VerticalGroupTest.JOINED;

    private static ObjectNode run(TestMesh mesh, String yaml, HorizontalJobTest.Recorder rec) {
        return VerticalGroupTest.run(mesh, yaml, rec);
    }

    @Test
    void twoRegionalNodesTrainOneBottomNetworkAndMatchTheJoinedProduct() throws Exception {
        try (TestMesh mesh = new TestMesh(write(400, 2), 200)) {
            HorizontalJobTest.Recorder rec = new HorizontalJobTest.Recorder();
            ObjectNode grouped = run(mesh, job(GROUPED, GROUPS, ""), rec);
            assertTrue(rec.plan.contains("group=telco"), rec.plan);
            assertTrue(rec.logs.stream().anyMatch(l -> l.contains("group telco: 2 members")), String.join("\n", rec.logs));
            assertTrue(rec.logs.stream().anyMatch(l -> l.contains("split: 3 parties")), String.join("\n", rec.logs));
            ObjectNode joined = run(mesh, job(JOINED, "", ""), new HorizontalJobTest.Recorder());
            assertEquals(280.0, grouped.path("metrics").path("psi_intersection").asDouble(), "the group aligns as the union of its members");
            double g = grouped.path("metrics").path("auc").asDouble(), j = joined.path("metrics").path("auc").asDouble();
            double gl = grouped.path("metrics").path("loss").asDouble(), jl = joined.path("metrics").path("loss").asDouble();
            System.out.printf(Locale.ROOT, "split AUC: group %.6f, joined %.6f; loss %.6f, %.6f%n", g, j, gl, jl);
            assertTrue(j > 0.8, "the generated label is learnable: " + j);
            assertEquals(j, g, 0.005, "the hybrid bar: the same network over the joined rows within 0.005 AUC");

            // in full batches the row order does not matter: the same network up to rounding
            ObjectNode fullGroup = run(mesh, job(GROUPED, GROUPS, 40, 512, ""), new HorizontalJobTest.Recorder());
            ObjectNode fullJoined = run(mesh, job(JOINED, "", 40, 512, ""), new HorizontalJobTest.Recorder());
            for (String m : List.of("loss", "auc")) {
                double a = fullGroup.path("metrics").path(m).asDouble(), b = fullJoined.path("metrics").path(m).asDouble();
                System.out.printf(Locale.ROOT, "split full batch %s: group %.9f, joined %.9f%n", m, a, b);
                assertEquals(b, a, 1e-6, m + ": the members' masked blocks and gradient shares add up to the party's");
            }

            // the group's network scores rows spread over the three parties, each regional node forwarding its own entities
            ObjectNode pred = mesh.coordinator.predict(grouped.path("model_id").asText(), List.of(GROUPED.split(", ")), null,
                    new HorizontalJobTest.Recorder());
            assertEquals(280, pred.path("rows").asInt());
            assertEquals(g, pred.path("metrics").path("auc").asDouble(), 1e-4, "scoring the training rows reproduces the training AUC");

            ObjectNode held = run(mesh, job(GROUPED, GROUPS, "evaluation: {holdout: 0.25}"), new HorizontalJobTest.Recorder());
            assertTrue(held.path("metrics").has("train_auc") && held.path("metrics").path("auc").asDouble() > 0.7, held.path("metrics").toString());
            assertEquals(70, held.path("diagnostics").path("rows").asInt(), "a quarter of the 280 aligned rows is held out");
        }
    }
}

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
 * Boosted trees with a party made of two regional nodes: the telco's customers live in a northern
 * and a southern product, each member sums the guest's encrypted gradients over its own rows, and
 * the party's histograms and partitions are the members' together.
 */
class BoostGroupTest {

    @TempDir
    Path dir;

    private List<DataContract> write(int customers, long seed) throws Exception {
        VerticalGroupTest data = new VerticalGroupTest();
        data.dir = dir;
        return data.write(customers, "binary", seed, false);
    }

    private static String job(String products, String groups, int trees, String extra) {
        return """
                name: boost-group
                products: [%s]
                %s
                label: target
                model: {type: gbdt}
                boost: {trees: %d, depth: 3, bins: 16, lr: 0.3, keyBits: 1024}
                seed: 5
                %s
                """.formatted(products, groups, trees, extra);
    }

    private static final String GROUPED = VerticalGroupTest.GROUPED;
    private static final String GROUPS = VerticalGroupTest.GROUPS;
    private static final String JOINED = VerticalGroupTest.JOINED;

    private static ObjectNode run(TestMesh mesh, String yaml, HorizontalJobTest.Recorder rec) {
        return VerticalGroupTest.run(mesh, yaml, rec);
    }

    @Test
    void twoRegionalNodesGrowTheSameTreesAsTheJoinedProduct() throws Exception {
        try (TestMesh mesh = new TestMesh(write(300, 1), 200)) {
            HorizontalJobTest.Recorder rec = new HorizontalJobTest.Recorder();
            ObjectNode grouped = run(mesh, job(GROUPED, GROUPS, 4, ""), rec);
            assertTrue(rec.plan.contains("group=telco"), rec.plan);
            assertTrue(rec.logs.stream().anyMatch(l -> l.contains("group telco: 2 members")), String.join("\n", rec.logs));
            ObjectNode joined = run(mesh, job(JOINED, "", 4, ""), new HorizontalJobTest.Recorder());
            assertEquals(210.0, grouped.path("metrics").path("psi_intersection").asDouble(), "the group aligns as the union of its members");
            for (String m : List.of("auc", "log_loss", "splits")) {
                double g = grouped.path("metrics").path(m).asDouble(), j = joined.path("metrics").path(m).asDouble();
                System.out.printf(Locale.ROOT, "boost %s: group %.12f, joined %.12f%n", m, g, j);
                assertTrue(grouped.path("metrics").has(m), m + " in " + grouped.path("metrics"));
                assertEquals(j, g, 1e-12, m + ": the members' bins are the joined product's and their sums add up exactly");
            }
            assertTrue(joined.path("metrics").path("auc").asDouble() > 0.75, joined.path("metrics").toString());
            // the importance speaks of the party, not of which member holds what
            var importance = grouped.path("diagnostics").path("importance");
            assertTrue(importance.has("telco") && !importance.has("telco-north"), importance.toString());
            assertEquals(joined.path("diagnostics").path("importance").path("telco").path("splits").asInt(),
                    importance.path("telco").path("splits").asInt());

            // the group's trees score rows spread over the three parties, each regional node answering for its own entities
            ObjectNode pred = mesh.coordinator.predict(grouped.path("model_id").asText(), List.of(GROUPED.split(", ")), null,
                    new HorizontalJobTest.Recorder());
            assertEquals("bank", pred.path("requester").asText());
            assertEquals(210, pred.path("rows").asInt());
            assertEquals(grouped.path("metrics").path("auc").asDouble(), pred.path("metrics").path("auc").asDouble(), 1e-6,
                    "scoring the training rows reproduces the training AUC");

            // held-out rows: every party derives the same seeded split of the group's common order
            ObjectNode held = run(mesh, job(GROUPED, GROUPS, 4, "evaluation: {holdout: 0.25}\nselection: {metric: auc, patience: 10}"),
                    new HorizontalJobTest.Recorder());
            assertTrue(held.path("metrics").has("train_auc") && held.path("metrics").path("auc").asDouble() > 0.7, held.path("metrics").toString());
            assertEquals(53, held.path("diagnostics").path("rows").asInt(), "a quarter of the 210 aligned rows is held out, rounded");
        }
    }
}

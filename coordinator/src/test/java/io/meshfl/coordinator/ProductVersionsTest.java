package io.meshfl.coordinator;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.meshfl.core.ErrorCode;
import io.meshfl.core.MeshflException;
import io.meshfl.core.contract.DataContract;
import io.meshfl.core.plan.JobLoader;
import io.meshfl.core.plan.Plan;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** A job plans against the contract version each node serves, or the version it pins, never silently the catalog's newest. */
class ProductVersionsTest {

    @TempDir
    Path dir;

    private static Plan.Participant of(Plan plan, String id) {
        return plan.participants().stream().filter(p -> p.productId().equals(id)).findFirst().orElseThrow();
    }

    @Test
    void aNewerVersionInTheCatalogDoesNotReplaceTheOneTheNodeServesAndAPinIsHeldToIt() throws Exception {
        List<DataContract> contracts = TestMesh.writeProducts(dir, 2, 300, 3, 2);
        try (TestMesh mesh = new TestMesh(contracts, 200)) {
            // someone publishes version 2.0.0 of d0.loans; the node of d0 still serves 1.0.0
            String v2 = Files.readString(dir.resolve("d0.loans.yaml")).replace("version: 1.0.0", "version: 2.0.0");
            mesh.catalog.registerProduct("d0.loans", "d0", "2.0.0", v2, 300);
            assertEquals("2.0.0", mesh.catalog.product("d0.loans").orElseThrow().version());

            String yaml = TestMesh.job(2, 3, 2, "");
            Plan served = mesh.coordinator.runner().plan(JobLoader.parse(yaml, "job.yaml"));
            assertEquals("1.0.0", of(served, "d0.loans").version());
            assertTrue(served.explain().contains("product versions: d0.loans v1.0.0 (served by its node; the catalog's newest is v2.0.0)"),
                    served.explain());

            String pinnedNew = yaml.replace("products: [d0.loans, d1.loans]", "products: [d0.loans@2.0.0, d1.loans]");
            MeshflException e = assertThrows(MeshflException.class,
                    () -> mesh.coordinator.runner().plan(JobLoader.parse(pinnedNew, "job.yaml")));
            assertEquals(ErrorCode.PLAN_REFUSED, e.code());
            assertTrue(e.getMessage().contains("d0.loans@2.0.0 is pinned, but the live node of domain 'd0' serves version 1.0.0"), e.getMessage());

            String pinnedOld = yaml.replace("products: [d0.loans, d1.loans]", "products: [d0.loans@1.0.0, d1.loans@1.0.0]");
            Plan pinned = mesh.coordinator.runner().plan(JobLoader.parse(pinnedOld, "job.yaml"));
            assertTrue(pinned.explain().contains("d0.loans v1.0.0 (pinned; the catalog's newest is v2.0.0), d1.loans v1.0.0 (pinned)"),
                    pinned.explain());

            // and the run goes through: the nodes are asked for the version they serve
            ObjectNode report = mesh.coordinator.runJob(JobLoader.parse(yaml, "job.yaml"), yaml, new HorizontalJobTest.Recorder());
            assertTrue(report.path("metrics").path("auc").asDouble() > 0.5, report.toString());
        }
    }
}

package io.meshfl.coordinator;

import io.meshfl.core.ErrorCode;
import io.meshfl.core.MeshflException;
import io.meshfl.core.catalog.ModelCards;
import io.meshfl.core.catalog.ModelRegistry;
import io.meshfl.core.catalog.OutputPorts;
import io.meshfl.core.contract.ContractLoader;
import io.meshfl.core.contract.DataContract;
import io.meshfl.core.plan.JobLoader;
import io.meshfl.core.protocol.scoring.Missing;
import io.meshfl.core.trust.JobTicket;
import io.meshfl.core.trust.SignedTicket;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A promoted model's output port decides who consumes its predictions: an analyst every input
 * product grants scoring may score with a candidate, but once the owner publishes the port (which
 * names the owner and the input domains), the analyst's batch request and serving session are
 * refused naming the port, while the port's consumers go on scoring.
 */
class OutputPortTest {

    @TempDir
    Path dir;

    @Test
    void onceAModelsOutputPortIsPublishedOnlyItsConsumersScoreWithIt() throws Exception {
        EveryRowScoringTest data = new EveryRowScoringTest();
        data.dir = dir;
        data.write(31, null);
        List<DataContract> contracts = new ArrayList<>();
        for (String d : List.of("bank", "shop", "telco")) {
            Path f = dir.resolve(d + ".yaml");
            // the products grant an analyst scoring, besides the operator who trains
            Files.writeString(f, Files.readString(f).replace("consumers: [{identity: 'client:operator'}]",
                    "consumers: [{identity: 'client:operator'}, {identity: 'client:analyst', may: [predict]}]"));
            contracts.add(ContractLoader.load(f));
        }
        try (TestMesh mesh = TestMesh.byDomain(contracts, 200)) {
            HorizontalJobTest.Recorder rec = new HorizontalJobTest.Recorder();
            String model = mesh.coordinator.runJob(JobLoader.parse(EveryRowScoringTest.JOB, "job.yaml"), EveryRowScoringTest.JOB, rec)
                    .path("model_id").asText();
            List<String> products = EveryRowScoringTest.PRODUCTS;
            assertEquals(500, asAnalyst(mesh, model, products).path("rows").asInt(), "a candidate has no output port: the products' grants decide");

            ModelRegistry registry = new ModelRegistry(mesh.catalog);
            for (ModelRegistry.Input i : registry.inputs(model)) registry.approve(model, i, "domain:" + i.domain(), "ab".repeat(32), "c2ln");
            registry.promote(model, "client:operator", () -> ModelCards.outputContract(mesh.catalog, model));
            String port = registry.require(model).outputContract();
            assertTrue(port.contains("port: \"model.every-row\""), port);
            assertTrue(port.contains("meshfl serve"), "the service level names online serving: " + port);
            assertEquals(Set.of("client:operator", "domain:bank", "domain:shop", "domain:telco"), OutputPorts.consumers(port));
            List<OutputPorts.Port> listed = OutputPorts.inProduction(mesh.catalog);
            assertEquals(1, listed.size());
            assertEquals("model.every-row", listed.get(0).id());
            assertEquals(model, listed.get(0).modelId());
            assertEquals("1.0.0", listed.get(0).version());

            MeshflException batch = assertThrows(MeshflException.class, () -> asAnalyst(mesh, model, products));
            assertEquals(ErrorCode.POLICY_VIOLATION, batch.code());
            assertTrue(batch.getMessage().contains("output port model.every-row") && batch.getMessage().contains("client:analyst is not among them"),
                    batch.getMessage());

            var versions = products.stream().map(p -> new JobTicket.ProductVersion(p, mesh.catalog.requireProduct(p).version())).toList();
            SignedTicket serveTicket = SignedTicket.unsigned(Tickets.draft("client:analyst", JobTicket.PREDICT, "serve-" + model, "vertical",
                    ServingClient.spec(model, products), versions, model));
            MeshflException online = assertThrows(MeshflException.class, () -> ServingClient.open(c -> mesh.coordinator.serve(c, null), model,
                    products, serveTicket, Missing.IMPUTE_MEAN, ServingClient.Keys.NONE));
            assertEquals(ErrorCode.POLICY_VIOLATION, online.code());
            assertTrue(online.getMessage().contains("output port model.every-row"), online.getMessage());

            // the port's consumers go on scoring, in batch and online
            assertEquals(500, mesh.coordinator.predict(model, products, null, new PredictOptions("impute-mean", null, null), rec).path("rows").asInt());
            try (ServingClient client = ServingClient.open(c -> mesh.coordinator.serve(c, null), model, products,
                    mesh.coordinator.servingTicket(model, products), Missing.IMPUTE_MEAN, ServingClient.Keys.NONE)) {
                assertEquals(1, client.score(new String[]{"C1"}).predictions().length);
            }
        }
    }

    /** A batch prediction under a ticket of client:analyst. */
    private static com.fasterxml.jackson.databind.node.ObjectNode asAnalyst(TestMesh mesh, String model, List<String> products) {
        PredictOptions options = new PredictOptions("impute-mean", null, null);
        return mesh.coordinator.runner().predict(model, products, null, options, (strategy, versions) -> SignedTicket.unsigned(Tickets.draft(
                "client:analyst", JobTicket.PREDICT, "predict-" + model, strategy, Tickets.predictSpec(model, products, null, options), versions, model)),
                null, new HorizontalJobTest.Recorder());
    }
}

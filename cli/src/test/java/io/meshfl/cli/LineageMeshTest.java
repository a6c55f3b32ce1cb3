package io.meshfl.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpServer;
import io.meshfl.coordinator.lineage.LineageSink;
import io.meshfl.core.catalog.Catalog;
import io.meshfl.core.catalog.ModelRegistry;
import io.meshfl.core.contract.ContractLoader;
import io.meshfl.core.lineage.OpenLineageSchema;
import io.meshfl.core.plan.JobLoader;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.PrintStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * OpenLineage from a mesh over mutual TLS: a training run and the promotion of its model written to
 * a file, a run of {@code meshfl run --lineage} posted to an HTTP endpoint (and going on when the
 * endpoint refuses its events), and unusable targets refused naming the option.
 */
class LineageMeshTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final OpenLineageSchema SCHEMA = new OpenLineageSchema();

    @TempDir
    Path tmp;

    @Test
    void aRunAndThePromotionOfItsModelWriteTheirEventsToAFile() throws Exception {
        Path certs = tmp.resolve("certs");
        List<String> domains = java.util.Arrays.stream(DemoData.UNITS).map(DemoData.Unit::domain).toList();
        assertEquals(0, Main.execute("certs", "init", "--dir", certs.toString(), "--domains", String.join(",", domains), "--days", "1"));
        Path data = tmp.resolve("data");
        DemoData.write(data, 7);
        String yaml = Files.readString(data.resolve("job.yaml")).replace("rounds: 15", "rounds: 2");
        Path events = tmp.resolve("lineage.jsonl");
        try (Catalog cat = Catalog.inMemory("lineage-" + System.nanoTime());
             EmbeddedMesh mesh = new EmbeddedMesh(cat, ContractLoader.loadDirectory(data), s -> { }, null, certs)) {
            mesh.coordinator().lineage(LineageSink.parse("--lineage", "file:" + events));
            PrintStream quiet = new PrintStream(java.io.OutputStream.nullOutputStream());
            JsonNode report = mesh.coordinator().runJob(JobLoader.parse(yaml, "job.yaml"), yaml, new Progress(quiet, false));
            String model = report.path("model_id").asText();
            String coordinator = "127.0.0.1:" + mesh.coordinator().port();
            for (String d : domains) {
                assertEquals(0, Cli.run("models", "approve", model, "--coordinator", coordinator, "--tls-dir", certs.toString(), "--tls-identity",
                        "domain:" + d).code());
            }
            Cli.Result promoted = Cli.run("models", "promote", model, "--coordinator", coordinator, "--tls-dir", certs.toString());
            assertEquals(0, promoted.code(), promoted.output());

            List<JsonNode> lines = valid(Files.readAllLines(events));
            assertEquals(List.of("START", "COMPLETE", "COMPLETE"), lines.stream().map(l -> l.path("eventType").asText()).toList());
            List<String> products = new ModelRegistry(cat).inputs(model).stream().map(ModelRegistry.Input::productId).toList();
            JsonNode trained = lines.get(1);
            assertEquals("TRAINING", trained.path("job").path("facets").path("jobType").path("jobType").asText());
            assertEquals(products, names(trained.path("inputs")));
            assertEquals(model, trained.path("outputs").get(0).path("facets").path("version").path("modelId").asText());

            JsonNode promotion = lines.get(2);
            assertEquals("PROMOTION", promotion.path("job").path("facets").path("jobType").path("jobType").asText());
            assertEquals("promote-" + new ModelRegistry(cat).require(model).name(), promotion.path("job").path("name").asText());
            assertEquals(products, names(promotion.path("inputs")));
            for (JsonNode in : promotion.path("inputs")) {
                String owner = "domain:" + in.path("namespace").asText().substring("meshfl://".length());
                assertTrue(in.path("facets").path("tags").toString().contains("\"meshfl.approved_by\",\"value\":\"" + owner + "\""), in.toString());
            }
            JsonNode out = promotion.path("outputs").get(0);
            assertEquals(trained.path("outputs").get(0).path("name"), out.path("name"), "the model trained is the model promoted");
            assertTrue(out.path("facets").path("tags").toString().contains("\"meshfl.stage\",\"value\":\"production\""), out.toString());

            // promoting the version in production again changes nothing, and says nothing
            assertEquals(0, Cli.run("models", "promote", model, "--coordinator", coordinator, "--tls-dir", certs.toString()).code());
            assertEquals(3, Files.readAllLines(events).size());
        }
    }

    @Test
    void theRunCommandPostsItsEventsToAnHttpEndpointAndGoesOnWhenItRefusesThem() throws Exception {
        Path data = tmp.resolve("data");
        DemoData.write(data, 7);
        Path job = data.resolve("job.yaml");
        Files.writeString(job, Files.readString(job).replace("rounds: 15", "rounds: 2"));
        List<String> received = new CopyOnWriteArrayList<>();
        List<String> paths = new CopyOnWriteArrayList<>();
        AtomicInteger status = new AtomicInteger(200);
        HttpServer server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        server.createContext("/", exchange -> {
            paths.add(exchange.getRequestMethod() + " " + exchange.getRequestURI().getPath() + " " + exchange.getRequestHeaders().getFirst("Content-Type"));
            received.add(new String(exchange.getRequestBody().readAllBytes(), StandardCharsets.UTF_8));
            exchange.sendResponseHeaders(status.get(), -1);
            exchange.close();
        });
        server.start();
        try {
            String endpoint = "http://127.0.0.1:" + server.getAddress().getPort();
            Cli.Result ok = Cli.run("run", "--job", job.toString(), "--catalog", tmp.resolve("catalog").toString(), "--report",
                    tmp.resolve("first.json").toString(), "--lineage", endpoint);
            assertEquals(0, ok.code(), ok.output());
            assertEquals(2, received.size(), paths.toString());
            for (String p : paths) assertTrue(p.startsWith("POST /api/v1/lineage application/json"), p);
            List<JsonNode> events = valid(received);
            assertEquals(List.of("START", "COMPLETE"), events.stream().map(e -> e.path("eventType").asText()).toList());
            assertEquals(3, events.get(1).path("inputs").size());
            assertEquals("meshfl://models", events.get(1).path("outputs").get(0).path("namespace").asText());
            JsonNode report = JSON.readTree(tmp.resolve("first.json").toFile());
            report.path("lineage").forEach(d -> assertTrue(d.path("delivered").asBoolean(), d.toString()));

            // an endpoint that refuses every event: the run still succeeds, and its report says which events did not get there and why
            status.set(500);
            Cli.Result refused = Cli.run("run", "--job", job.toString(), "--catalog", tmp.resolve("catalog").toString(), "--report",
                    tmp.resolve("second.json").toString(), "--lineage", endpoint);
            assertEquals(0, refused.code(), refused.output());
            assertEquals(4, received.size());
            JsonNode second = JSON.readTree(tmp.resolve("second.json").toFile());
            assertEquals(2, second.path("lineage").size(), second.path("lineage").toString());
            for (JsonNode d : second.path("lineage")) {
                assertFalse(d.path("delivered").asBoolean(), d.toString());
                assertEquals("the lineage endpoint answered HTTP 500", d.path("reason").asText());
            }
            assertTrue(refused.output().contains("LINEAGE EVENT NOT DELIVERED"), "said loudly: " + refused.output());
        } finally {
            server.stop(0);
        }
    }

    @Test
    void anUnusableLineageTargetIsRefusedNamingTheOptionBeforeAnythingStarts() throws Exception {
        Cli.Result coordinator = Cli.run("coordinator", "--insecure", "--port", "0", "--catalog", tmp.resolve("catalog").toString(),
                "--lineage", "kafka://broker:9092");
        assertNotEquals(0, coordinator.code());
        assertTrue(coordinator.output().contains("--lineage 'kafka://broker:9092' is not a lineage target"), coordinator.output());
        Path data = tmp.resolve("data");
        DemoData.write(data, 7);
        Cli.Result run = Cli.run("run", "--job", data.resolve("job.yaml").toString(), "--catalog", tmp.resolve("catalog").toString(),
                "--lineage", "file:" + tmp.resolve("no-such-folder").resolve("events.jsonl"));
        assertNotEquals(0, run.code());
        assertTrue(run.output().contains("--lineage") && run.output().contains("does not exist"), run.output());
        assertFalse(Files.exists(tmp.resolve("catalog.mv.db")), "no catalog was opened");
    }

    private static List<JsonNode> valid(List<String> lines) throws Exception {
        List<JsonNode> out = new ArrayList<>();
        for (String line : lines) {
            assertEquals(List.of(), SCHEMA.problems(line), line);
            out.add(JSON.readTree(line));
        }
        return out;
    }

    private static List<String> names(JsonNode datasets) {
        List<String> out = new ArrayList<>();
        datasets.forEach(d -> out.add(d.path("name").asText()));
        return out;
    }
}

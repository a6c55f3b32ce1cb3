package io.meshfl.cli;

import com.fasterxml.jackson.databind.JsonNode;
import io.meshfl.core.report.RunReport;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/** The coordinator and three domain nodes as separate JVM processes on loopback, over mutual TLS with certificates from 'meshfl certs', running default-credit-homo. */
@Tag("realdata")
class MultiProcessMeshTest {

    @TempDir
    Path tmp;

    @Test
    void coordinatorAndThreeNodesInSeparateProcessesTrainDefaultCredit() throws Exception {
        assumeTrue(SharedData.present(), "../shared/datasets is absent");
        Path examples = SharedData.repoRoot().resolve("examples/default-credit-homo");
        Path certs = tmp.resolve("certs");
        List<String> domains = List.of("cards-east", "cards-west", "cards-south");
        assertEquals(0, Main.execute("certs", "init", "--dir", certs.toString(), "--domains", String.join(",", domains), "--days", "1"));
        try (ProcessMesh mesh = new ProcessMesh(tmp.resolve("logs"))) {
            // the coordinator also serves its REST API over HTTPS with the mesh's certificates
            String coordinator = mesh.coordinator(certs, java.util.Map.of(), "--catalog", tmp.resolve("catalog").toString(), "--http", "0");
            int http = Integer.parseInt(mesh.await("coordinator", java.util.regex.Pattern.compile("REST API on https://127\\.0\\.0\\.1:(\\d+)/api"),
                    30_000));
            for (String d : domains) mesh.node(d, examples, coordinator, certs, tmp.resolve("nodes").resolve(d));
            mesh.awaitNodes(domains.toArray(new String[0]));
            Path report = tmp.resolve("report.json");
            int code = Main.execute("run", "--job", examples.resolve("job.yaml").toString(), "--coordinator", coordinator,
                    "--report", report.toString(), "--tls-dir", certs.toString());
            assertEquals(0, code);
            JsonNode r = RunReport.JSON.readTree(report.toFile());
            assertEquals("horizontal", r.path("plan").path("strategy").asText());
            assertTrue(r.path("metrics").path("auc").asDouble() >= 0.72, r.path("metrics").toString());
            assertTrue(Files.exists(tmp.resolve("report.html")));
            assertTrue(r.path("provenance").path("submitter").asText().equals("client:operator"), r.path("provenance").toString());
            for (String name : List.of("coordinator", "cards-east", "cards-west", "cards-south")) assertTrue(mesh.alive(name), name + " died");

            // the run and the nodes as the API shows them: the operator sees every node, a domain its own
            JsonNode runs = api(certs, io.meshfl.core.trust.MeshIdentity.Role.CLIENT, "operator", http, "/api/runs");
            assertEquals(1, runs.path("total").asInt(), runs.toString());
            assertEquals("SUCCEEDED", runs.path("items").get(0).path("status").asText());
            assertEquals(3, api(certs, io.meshfl.core.trust.MeshIdentity.Role.CLIENT, "operator", http, "/api/nodes").path("total").asInt());
            JsonNode own = api(certs, io.meshfl.core.trust.MeshIdentity.Role.DOMAIN, "cards-east", http, "/api/nodes");
            assertEquals(1, own.path("total").asInt(), own.toString());
            assertEquals("cards-east", own.path("items").get(0).path("domain").asText());
            // the run's audit as the API pages it, and the coordinator's signed seals verified
            assertTrue(api(certs, io.meshfl.core.trust.MeshIdentity.Role.CLIENT, "operator", http, "/api/audit").path("total").asInt() > 0);
            JsonNode verified = api(certs, io.meshfl.core.trust.MeshIdentity.Role.CLIENT, "operator", http, "/api/audit/verify");
            assertTrue(verified.path("ok").asBoolean() && verified.path("signed_seals").asInt() >= 1, verified.toString());

            // what the coordinator measured while it ran the job, and every series the Grafana dashboard draws
            String metrics = text(certs, http, "/api/metrics");
            assertTrue(metrics.contains("meshfl_protocol_step_seconds_count{protocol=\"horizontal\""), metrics);
            assertTrue(metrics.contains("meshfl_round_seconds_count{strategy=\"horizontal\"}"), metrics);
            assertTrue(metrics.contains("meshfl_nodes{state=\"ACTIVE\"} 3.0"), metrics);
            String dashboard = Files.readString(SharedData.repoRoot().resolve("deploy/grafana/meshfl-dashboard.json"));
            var used = java.util.regex.Pattern.compile("meshfl_[a-z_]+").matcher(dashboard).results().map(m -> m.group())
                    .map(n -> n.replaceAll("_(sum|count|max|total)$", "")).distinct().toList();
            for (String series : used) {
                // refusals appear with the first refusal: none happened in this run
                if (series.contains("refusals")) continue;
                assertTrue(metrics.contains(series), "the dashboard draws " + series + ", which the coordinator does not serve");
            }
        }
    }

    /** The operator's GET of a text route of the coordinator's REST API. */
    private static String text(Path certs, int port, String path) throws Exception {
        var tls = io.meshfl.wire.tls.MeshTls.load(certs, io.meshfl.core.trust.MeshIdentity.Role.CLIENT, "operator");
        var client = java.net.http.HttpClient.newBuilder().sslContext(tls.httpsContext()).build();
        var r = client.send(java.net.http.HttpRequest.newBuilder(java.net.URI.create("https://127.0.0.1:" + port + path)).build(),
                java.net.http.HttpResponse.BodyHandlers.ofString());
        assertEquals(200, r.statusCode(), r.body());
        return r.body();
    }

    /** GET {@code path} of the coordinator's REST API with the certificate of {@code name}. */
    private static JsonNode api(Path certs, io.meshfl.core.trust.MeshIdentity.Role role, String name, int port, String path) throws Exception {
        var tls = io.meshfl.wire.tls.MeshTls.load(certs, role, name);
        var client = java.net.http.HttpClient.newBuilder().sslContext(tls.httpsContext()).build();
        var r = client.send(java.net.http.HttpRequest.newBuilder(java.net.URI.create("https://127.0.0.1:" + port + path)).build(),
                java.net.http.HttpResponse.BodyHandlers.ofString());
        assertEquals(200, r.statusCode(), r.body());
        return RunReport.JSON.readTree(r.body());
    }
}

package io.meshfl.cli;

import com.fasterxml.jackson.databind.JsonNode;
import io.meshfl.core.report.RunReport;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/** The coordinator and three domain nodes as separate JVM processes on loopback, over mutual TLS with certificates from 'meshfl certs', running default-credit-homo. */
@Tag("realdata")
class MultiProcessMeshTest {

    private final List<Process> processes = new ArrayList<>();

    @TempDir
    Path tmp;

    @AfterEach
    void stop() {
        for (Process p : processes) p.destroyForcibly();
    }

    private Process start(String name, String... args) throws Exception {
        String cp = System.getProperty("surefire.test.class.path", System.getProperty("java.class.path"));
        List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Xmx512m", "-cp", cp, "io.meshfl.cli.Main"));
        cmd.addAll(List.of(args));
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(tmp.resolve(name + ".log").toFile()).start();
        processes.add(p);
        return p;
    }

    private String awaitLine(String name, Pattern pattern, long millis) throws Exception {
        long deadline = System.currentTimeMillis() + millis;
        Path log = tmp.resolve(name + ".log");
        while (System.currentTimeMillis() < deadline) {
            if (Files.exists(log)) {
                for (String line : Files.readAllLines(log, StandardCharsets.UTF_8)) {
                    Matcher m = pattern.matcher(line);
                    if (m.find()) return m.group(1);
                }
            }
            Thread.sleep(100);
        }
        throw new AssertionError(name + " did not print " + pattern + " in time; log:\n" + (Files.exists(log) ? Files.readString(log) : ""));
    }

    @Test
    void coordinatorAndThreeNodesInSeparateProcessesTrainDefaultCredit() throws Exception {
        assumeTrue(SharedData.present(), "../shared/datasets is absent");
        Path examples = SharedData.repoRoot().resolve("examples/default-credit-homo");
        String certs = tmp.resolve("certs").toString();
        assertEquals(0, Main.execute("certs", "init", "--dir", certs, "--domains", "cards-east,cards-west,cards-south", "--days", "1"));
        start("coordinator", "coordinator", "--port", "0", "--catalog", tmp.resolve("catalog").toString(), "--heartbeat-ms", "500",
                "--tls-dir", certs);
        String port = awaitLine("coordinator", Pattern.compile("coordinator listening on 127\\.0\\.0\\.1:(\\d+)"), 60_000);
        for (String d : List.of("cards-east", "cards-west", "cards-south")) {
            start(d, "node", "--domain", d, "--contracts", examples.toString(), "--coordinator", "127.0.0.1:" + port, "--tls-dir", certs);
        }
        for (String d : List.of("cards-east", "cards-west", "cards-south")) {
            awaitLine(d, Pattern.compile("node (\\S+) of " + d + " serving.*\\(mutual TLS\\)"), 60_000);
        }
        Path report = tmp.resolve("report.json");
        int code = Main.execute("run", "--job", examples.resolve("job.yaml").toString(), "--coordinator", "127.0.0.1:" + port,
                "--report", report.toString(), "--tls-dir", certs);
        assertEquals(0, code);
        JsonNode r = RunReport.JSON.readTree(report.toFile());
        assertEquals("horizontal", r.path("plan").path("strategy").asText());
        assertTrue(r.path("metrics").path("auc").asDouble() >= 0.72, r.path("metrics").toString());
        assertTrue(Files.exists(tmp.resolve("report.html")));
        for (Process p : processes) assertTrue(p.isAlive(), "a mesh process died");
    }
}

package io.meshfl.engine.spark;

import com.fasterxml.jackson.databind.JsonNode;
import io.meshfl.cli.Main;
import io.meshfl.core.report.RunReport;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A mesh of separate processes over mutual TLS on loopback in which the bank's node is started as
 * the Spark launcher starts it ({@code node --engine spark}, Spark's JVM options, a 1 GB heap):
 * the coordinator and the other nodes cannot tell, and the job trains the model it trains when
 * every node runs on its own engine.
 */
class SparkNodeProcessTest {

    @TempDir
    Path dir;

    private final Map<String, Process> processes = new LinkedHashMap<>();

    private Process start(String name, List<String> jvm, String... args) throws Exception {
        List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString()));
        cmd.addAll(jvm);
        cmd.addAll(List.of("-cp", System.getProperty("surefire.test.class.path", System.getProperty("java.class.path")), "io.meshfl.cli.Main"));
        cmd.addAll(List.of(args));
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(dir.resolve(name + ".log").toFile()).start();
        processes.put(name, p);
        return p;
    }

    private String await(String name, Pattern pattern) throws Exception {
        long deadline = System.currentTimeMillis() + 90_000;
        while (System.currentTimeMillis() < deadline) {
            String log = Files.readString(dir.resolve(name + ".log"));
            Matcher m = pattern.matcher(log);
            if (m.find()) return m.groupCount() > 0 ? m.group(1) : m.group();
            if (!processes.get(name).isAlive()) throw new AssertionError(name + " exited before printing " + pattern + ":\n" + log);
            Thread.sleep(200);
        }
        throw new AssertionError(name + " did not print " + pattern + ":\n" + Files.readString(dir.resolve(name + ".log")));
    }

    @Test
    void aNodeStartedOnSparkTakesPartInAMeshOfProcessesUnnoticed() throws Exception {
        Path data = Files.createDirectories(dir.resolve("data"));
        VerticalProducts.write(data, 3_000);
        Path certs = dir.resolve("certs");
        assertEquals(0, Main.execute("certs", "init", "--dir", certs.toString(), "--domains", "bank,shop,telco", "--days", "1"));
        List<String> small = List.of("-Xmx512m", "-XX:TieredStopAtLevel=1");
        List<String> spark = new ArrayList<>(List.of("-Xmx1g"));
        for (String line : Files.readAllLines(Path.of("jvm-options"))) if (!line.isBlank()) spark.add(line.strip());
        try {
            start("coordinator", small, "coordinator", "--port", "0", "--heartbeat-ms", "500", "--tls-dir", certs.toString(),
                    "--catalog", dir.resolve("catalog").toString());
            String coordinator = "127.0.0.1:" + await("coordinator", Pattern.compile("coordinator listening on 127\\.0\\.0\\.1:(\\d+)"));
            for (String d : List.of("bank", "shop", "telco")) {
                List<String> args = new ArrayList<>(List.of("node", "--domain", d, "--contracts", data.toString(), "--coordinator", coordinator,
                        "--tls-dir", certs.toString(), "--state", dir.resolve("state-" + d).toString()));
                if (d.equals("bank")) args.addAll(List.of("--engine", "spark", "--engine-conf", SparkEngine.PARTITION_ROWS + "=256"));
                start(d, d.equals("bank") ? spark : small, args.toArray(String[]::new));
            }
            for (String d : List.of("bank", "shop", "telco")) await(d, Pattern.compile("node (\\S+) of " + d + " serving.*\\(mutual TLS\\)"));
            assertTrue(Files.readString(dir.resolve("bank.log")).contains("engine spark: Spark 4"), "the bank's node says where its work runs");

            Path report = dir.resolve("report.json");
            assertEquals(0, Main.execute("run", "--job", data.resolve("job.yaml").toString(), "--coordinator", coordinator,
                    "--report", report.toString(), "--tls-dir", certs.toString()));
            JsonNode mesh = RunReport.JSON.readTree(report.toFile());
            await("bank", Pattern.compile("\\(bank\\.customers\\): 2700 keys checked and shuffled on Spark, 11 partitions"));

            // the same job on an embedded mesh whose nodes all run on their own engine
            Path own = dir.resolve("own.json");
            assertEquals(0, Main.execute("run", "--job", data.resolve("job.yaml").toString(), "--catalog", dir.resolve("catalog-own").toString(),
                    "--state", dir.resolve("state-own").toString(), "--report", own.toString()));
            JsonNode expected = RunReport.JSON.readTree(own.toFile());
            assertEquals(2_100.0, mesh.path("metrics").path("psi_intersection").asDouble());
            assertEquals(expected.path("metrics").path("auc").asDouble(), mesh.path("metrics").path("auc").asDouble(), 1e-12);
            assertEquals(expected.path("metrics").path("loss").asDouble(), mesh.path("metrics").path("loss").asDouble(), 1e-12);
            for (var e : processes.entrySet()) assertTrue(e.getValue().isAlive(), e.getKey() + " died");
        } finally {
            for (Process p : processes.values()) p.destroyForcibly();
            for (Process p : processes.values()) p.waitFor(10, TimeUnit.SECONDS);
        }
    }
}

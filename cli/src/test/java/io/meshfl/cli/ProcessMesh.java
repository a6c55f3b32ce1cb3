package io.meshfl.cli;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * MeshFL processes for tests that need separate JVMs: a coordinator, domain nodes and clients
 * started with the {@code meshfl} command line of this build, each writing its own log file.
 */
final class ProcessMesh implements AutoCloseable {

    private final Path logs;
    private final Map<String, Process> processes = new LinkedHashMap<>();

    /** A port free on loopback now, for a process to listen on. */
    static int freePort() throws IOException {
        try (java.net.ServerSocket s = new java.net.ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        }
    }

    /** GET {@code url}: the status code and the body, as {@code "200 ok"}. */
    static String get(String url) throws IOException, InterruptedException {
        var r = java.net.http.HttpClient.newHttpClient().send(java.net.http.HttpRequest.newBuilder(java.net.URI.create(url)).build(),
                java.net.http.HttpResponse.BodyHandlers.ofString());
        return r.statusCode() + " " + r.body().strip();
    }

    ProcessMesh(Path logs) throws IOException {
        this.logs = Files.createDirectories(logs);
    }

    /** Starts {@code meshfl args...} as process {@code name}, its output in {@code <name>.log}. */
    Process start(String name, String... args) throws IOException {
        return start(name, Map.of(), args);
    }

    /** As {@link #start(String, String...)} with extra environment variables. */
    Process start(String name, Map<String, String> env, String... args) throws IOException {
        return start(List.of(), name, env, args);
    }

    /** As {@link #start(String, Map, String...)}, the command run behind {@code prefix} (e.g. {@code ip netns exec NS}). */
    Process start(List<String> prefix, String name, Map<String, String> env, String... args) throws IOException {
        String cp = System.getProperty("surefire.test.class.path", System.getProperty("java.class.path"));
        List<String> cmd = new ArrayList<>(prefix);
        // each process extracts DuckDB's native library (about 70 MB) into its temporary folder and removes it only on a
        // clean exit; a folder of its own beside the logs goes with the test's folder, whatever kill the process met
        Path tmp = Files.createDirectories(logs.resolve("tmp").resolve(name));
        cmd.addAll(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Xmx512m", "-XX:TieredStopAtLevel=1", "-Djava.io.tmpdir=" + tmp, "-cp", cp, "io.meshfl.cli.Main"));
        cmd.addAll(List.of(args));
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(log(name).toFile());
        pb.environment().putAll(env);
        Process p = pb.start();
        processes.put(name, p);
        return p;
    }

    /** Runs {@code meshfl args...} to its end (at most 5 minutes) and returns its exit code. */
    int run(String name, String... args) throws Exception {
        Process p = start(name, args);
        if (!p.waitFor(5, TimeUnit.MINUTES)) {
            p.destroyForcibly();
            throw new AssertionError(name + " did not finish in 5 minutes; log:\n" + text(name));
        }
        return p.exitValue();
    }

    Path log(String name) {
        return logs.resolve(name + ".log");
    }

    String text(String name) throws IOException {
        Path f = log(name);
        return Files.exists(f) ? Files.readString(f, StandardCharsets.UTF_8) : "";
    }

    /** Waits for a line of {@code name}'s log matching {@code pattern}; returns group 1 (or the whole match). */
    String await(String name, Pattern pattern, long millis) throws Exception {
        long deadline = System.currentTimeMillis() + millis;
        while (System.currentTimeMillis() < deadline) {
            Matcher m = pattern.matcher(text(name));
            if (m.find()) return m.groupCount() > 0 ? m.group(1) : m.group();
            Process p = processes.get(name);
            if (p != null && !p.isAlive() && !pattern.matcher(text(name)).find()) {
                throw new AssertionError(name + " exited (" + p.exitValue() + ") before printing " + pattern + "; log:\n" + text(name));
            }
            Thread.sleep(100);
        }
        throw new AssertionError(name + " did not print " + pattern + " in time; log:\n" + text(name));
    }

    /** Starts a coordinator over mutual TLS on a free loopback port; returns its host:port. */
    String coordinator(Path certs, Path catalog) throws Exception {
        return coordinator(certs, Map.of(), "--catalog", catalog.toString());
    }

    /** A coordinator with the given catalog options (and environment); returns its host:port. */
    String coordinator(Path certs, Map<String, String> env, String... catalogOptions) throws Exception {
        List<String> args = new ArrayList<>(List.of("coordinator", "--port", "0", "--heartbeat-ms", "500", "--tls-dir", certs.toString()));
        args.addAll(List.of(catalogOptions));
        start("coordinator", env, args.toArray(new String[0]));
        return "127.0.0.1:" + await("coordinator", Pattern.compile("coordinator listening on 127\\.0\\.0\\.1:(\\d+)"), 60_000);
    }

    /** Starts the node of {@code domain} with its state in {@code state}; returns once it has registered. */
    void node(String domain, Path contracts, String coordinator, Path certs, Path state) throws Exception {
        start(domain, "node", "--domain", domain, "--contracts", contracts.toString(), "--coordinator", coordinator,
                "--tls-dir", certs.toString(), "--state", state.toString());
    }

    void awaitNodes(String... domains) throws Exception {
        for (String d : domains) await(d, Pattern.compile("node (\\S+) of " + Pattern.quote(d) + " serving.*\\(mutual TLS\\)"), 60_000);
    }

    long pid(String name) {
        return processes.get(name).pid();
    }

    boolean alive(String name) {
        Process p = processes.get(name);
        return p != null && p.isAlive();
    }

    /** Stops a process as a signal would (SIGTERM), waiting for it to end. */
    void stop(String name) throws InterruptedException {
        Process p = processes.get(name);
        if (p == null) return;
        p.destroy();
        if (!p.waitFor(20, TimeUnit.SECONDS)) p.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
    }

    @Override
    public void close() {
        for (Process p : processes.values()) p.destroyForcibly();
        for (Process p : processes.values()) {
            try {
                p.waitFor(10, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }
}

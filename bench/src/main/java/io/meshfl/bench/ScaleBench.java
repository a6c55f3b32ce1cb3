package io.meshfl.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.meshfl.core.protocol.Message;
import io.meshfl.wire.EnvelopeCodec;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.TimeUnit;

/**
 * Many virtual nodes in one JVM ({@code Simulator}, in-process transport): 100 and 1,000 nodes of
 * 200 rows x 20 features, 3 rounds of a logistic model. Each simulation runs in a child JVM with a
 * bounded heap: first -Xmx1g for the timings, then smaller limits until one fails, to find a limit
 * the simulation runs within.
 */
public final class ScaleBench {

    static final int ROWS = 200;
    static final int FEATURES = 20;
    static final int ROUNDS = 3;
    static final long SEED = 11;
    static final int[] LADDER_MB = {1024, 768, 512, 384, 320, 256, 224, 192, 160, 128, 112, 96, 80, 64, 56, 48, 40, 32};

    private ScaleBench() {
    }

    /** One child JVM's outcome: its JSON line, or why it did not finish. */
    record Probe(int nodes, int heapMb, JsonNode result, String failure, double seconds) {
        boolean ok() {
            return result != null;
        }
    }

    public static void main(String[] args) throws Exception {
        StringBuilder md = new StringBuilder();
        md.append(String.format(Locale.ROOT, "`Simulator.Config(nodes, rowsPerNode=%d, features=%d, rounds=%d, fraction=1.0, \"logistic\", seed=%d)`: "
                + "every node fits and evaluates every round over gRPC's in-process transport. Each simulation runs in its own JVM "
                + "(default collector, %s) with the heap limit shown.%n%n", ROWS, FEATURES, ROUNDS, SEED, "-XX:+ExitOnOutOfMemoryError"));
        md.append("| nodes | -Xmx | outcome | setup s | seconds per round (median; all) | live heap after setup | live heap at round ends (max) "
                + "| peak heap after any GC | GCs (count, ms) |\n");
        md.append("|---:|---:|---|---:|---|---:|---:|---:|---:|\n");
        List<String> summary = new ArrayList<>();
        for (int nodes : new int[]{100, 1000}) {
            int timeout = nodes >= 1000 ? 150 : 60;
            Probe first = probe(nodes, 1024, timeout);
            List<Probe> runs = new ArrayList<>(List.of(first));
            if (first.ok()) {
                double liveMb = first.result().path("live_round_end_max_bytes").asLong() / 1048576.0;
                int i = 1;
                while (i < LADDER_MB.length - 1 && LADDER_MB[i + 1] >= 1.5 * liveMb) i++;
                Probe p = probe(nodes, LADDER_MB[i], timeout);
                runs.add(p);
                if (p.ok()) {
                    while (p.ok() && i + 1 < LADDER_MB.length) {
                        p = probe(nodes, LADDER_MB[++i], timeout);
                        runs.add(p);
                    }
                } else {
                    while (!p.ok() && i > 1) {
                        p = probe(nodes, LADDER_MB[--i], timeout);
                        runs.add(p);
                    }
                }
            }
            runs.sort((a, b) -> Integer.compare(b.heapMb(), a.heapMb()));
            Probe smallestOk = null;
            Probe largestFail = null;
            for (Probe p : runs) {
                if (p.ok() && (smallestOk == null || p.heapMb() < smallestOk.heapMb())) smallestOk = p;
                if (!p.ok() && (largestFail == null || p.heapMb() > largestFail.heapMb())) largestFail = p;
            }
            // the table keeps the runs that finished and the failure just below them; the summary names every limit tried
            for (Probe p : runs) {
                if (p.ok() || p == largestFail) md.append(row(p));
            }
            StringBuilder tried = new StringBuilder();
            for (Probe p : runs) {
                tried.append(tried.length() == 0 ? "" : ", ").append(p.heapMb()).append("m ").append(p.ok() ? "ok" : "failed");
            }
            summary.add(String.format(Locale.ROOT, "%,d nodes: ran within -Xmx%s%s (tried %s).", nodes,
                    smallestOk == null ? "(none)" : smallestOk.heapMb() + "m",
                    largestFail == null ? "" : "; failed at -Xmx" + largestFail.heapMb() + "m (" + largestFail.failure() + ")", tried));
        }
        md.append('\n');
        for (String s : summary) md.append("- ").append(s).append('\n');
        double[] enc = encodeCost(FEATURES + 1);
        md.append(String.format(Locale.ROOT, "%nFor what limits the heap and the round time: one `EnvelopeCodec.encode` of a fit request with this "
                + "model's %d parameters allocates %,.0f bytes and takes %.1f us in this JVM (median of 5 batches of 2,000 after warm-up). A round "
                + "encodes 4 messages per node (fit and evaluate, request and reply).%n", FEATURES + 1, enc[0], enc[1]));
        md.append("\nLive heap = heap used right after a forced full GC (`System.gc()`) at the end of setup and at the end of every round, "
                + "outside the timed parts (the round's seconds are taken before it). Peak heap after any GC = "
                + "the largest heap in use after any collection in the run (from GC notifications), which also counts garbage a young "
                + "collection leaves in the old generation. MB = 2^20 bytes.\n");
        md.append('\n').append(Docs.stamp()).append('\n');
        System.out.println(md);
        Docs.replaceBlock(Docs.docPath(args), "scale", md.toString());
    }

    /** Bytes allocated and microseconds per encode of a small fit request, measured on this thread. */
    static double[] encodeCost(int params) {
        var threads = (com.sun.management.ThreadMXBean) java.lang.management.ManagementFactory.getThreadMXBean();
        long tid = Thread.currentThread().getId();
        Message m = Message.request("job", "run", "horizontal", "fit", 1, "sim0")
                .withConfig(java.util.Map.of("epochs", "1", "batch_size", "32", "lr", "0.1", "seed", "12345"))
                .withTensors(java.util.Map.of("params", new double[params]));
        long[] sink = new long[1];
        int batch = 2_000;
        for (int i = 0; i < 5 * batch; i++) sink[0] += EnvelopeCodec.encode(m, c -> { });
        List<Double> bytes = new ArrayList<>();
        List<Double> micros = new ArrayList<>();
        for (int b = 0; b < 5; b++) {
            long a0 = threads.getThreadAllocatedBytes(tid);
            long t0 = System.nanoTime();
            for (int i = 0; i < batch; i++) sink[0] += EnvelopeCodec.encode(m, c -> { });
            micros.add((System.nanoTime() - t0) / 1e3 / batch);
            bytes.add((double) (threads.getThreadAllocatedBytes(tid) - a0) / batch);
        }
        if (sink[0] == 42) System.out.println();
        return new double[]{Stats.median(bytes), Stats.median(micros)};
    }

    private static String row(Probe p) {
        if (!p.ok()) {
            return String.format(Locale.ROOT, "| %,d | %dm | failed: %s after %.0f s | | | | | | |%n", p.nodes(), p.heapMb(), p.failure(), p.seconds());
        }
        JsonNode r = p.result();
        List<Double> rounds = new ArrayList<>();
        for (JsonNode s : r.path("round_seconds")) rounds.add(s.asDouble());
        StringBuilder all = new StringBuilder();
        for (double s : rounds) all.append(all.length() == 0 ? "" : ", ").append(String.format(Locale.ROOT, "%.2f", s));
        return String.format(Locale.ROOT, "| %,d | %dm | ok | %.2f | %.2f; %s | %.0f MB | %.0f MB | %.0f MB | %d, %d |%n", p.nodes(), p.heapMb(),
                r.path("setup_seconds").asDouble(), Stats.median(rounds), all, mb(r, "live_after_setup_bytes"), mb(r, "live_round_end_max_bytes"),
                mb(r, "peak_after_gc_bytes"), r.path("gc_count").asLong(), r.path("gc_millis").asLong());
    }

    private static double mb(JsonNode r, String field) {
        return r.path(field).asLong() / 1048576.0;
    }

    static Probe probe(int nodes, int heapMb, int timeoutSeconds) throws Exception {
        String java = ProcessHandle.current().info().command().orElse("java");
        List<String> cmd = List.of(java, "-Xmx" + heapMb + "m", "-XX:+ExitOnOutOfMemoryError", "-cp", System.getProperty("java.class.path"),
                ScaleProbe.class.getName(), Integer.toString(nodes), Integer.toString(ROWS), Integer.toString(FEATURES),
                Integer.toString(ROUNDS), Long.toString(SEED));
        System.out.printf(Locale.ROOT, "simulating %d nodes with -Xmx%dm ...%n", nodes, heapMb);
        long t0 = System.nanoTime();
        Process proc = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        List<String> lines = new ArrayList<>();
        Thread reader = new Thread(() -> {
            try (BufferedReader in = new BufferedReader(new InputStreamReader(proc.getInputStream(), StandardCharsets.UTF_8))) {
                String line;
                while ((line = in.readLine()) != null) {
                    synchronized (lines) {
                        lines.add(line);
                    }
                }
            } catch (java.io.IOException e) {
                // the child is gone
            }
        });
        reader.setDaemon(true);
        reader.start();
        boolean finished = proc.waitFor(timeoutSeconds, TimeUnit.SECONDS);
        if (!finished) {
            proc.destroyForcibly().waitFor();
        }
        reader.join(2000);
        double secs = (System.nanoTime() - t0) / 1e9;
        String result = null;
        String oom = null;
        synchronized (lines) {
            for (String l : lines) {
                if (l.startsWith("SCALE ")) result = l.substring(6);
                if (l.contains("OutOfMemoryError")) oom = l.strip();
            }
        }
        if (!finished) return new Probe(nodes, heapMb, null, "timed out after " + timeoutSeconds + " s", secs);
        if (proc.exitValue() != 0 || result == null) {
            String why = oom != null ? "OutOfMemoryError" : "exit " + proc.exitValue();
            if (oom == null) {
                synchronized (lines) {
                    lines.stream().skip(Math.max(0, lines.size() - 20)).forEach(l -> System.out.println("  | " + l));
                }
            }
            return new Probe(nodes, heapMb, null, why, secs);
        }
        Probe p = new Probe(nodes, heapMb, new ObjectMapper().readTree(result), null, secs);
        System.out.println("  " + result);
        return p;
    }
}

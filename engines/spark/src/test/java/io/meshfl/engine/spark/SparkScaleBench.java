package io.meshfl.engine.spark;

import com.fasterxml.jackson.databind.JsonNode;
import io.meshfl.cli.Main;
import io.meshfl.core.report.RunReport;
import io.meshfl.core.testing.CustomerContracts;

import java.io.BufferedWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The Spark engine at a size one node's JVM does not hold: a bank product of {@code n} rows x 20
 * columns (CSV) aligned against a shop product of {@code m} rows (half of them the bank's), in a mesh
 * of separate processes over mutual TLS: the coordinator, the shop's node on its own engine, and
 * the bank's node on Spark local[2] in a JVM of {@code heap} (1g by default), its garbage collector
 * logging every collection. The job counts the common entities ({@code vertical.cardinalityOnly}):
 * keys read, checked, shuffled, hashed and blinded on the executors, the shop's points blinded again.
 * Prints the time, the count, and the bank node's heap as its collections saw it. With {@code epoch} the job aligns and
 * trains one vertical logistic epoch; with {@code tree} one SecureBoost tree, the shop (20 columns) on the engine too; with
 * {@code both} it runs twice, the bank's node on its own engine and then on Spark,
 * and prints the ratios. Usage: {@code SparkScaleBench [n] [m] [heap] [count|epoch|tree] [spark|both]}; {@code bench/run.sh spark-scale}.
 */
public final class SparkScaleBench {

    private SparkScaleBench() {
    }

    public static void main(String[] args) throws Exception {
        long n = args.length > 0 ? Long.parseLong(args[0]) : 20_000_000L;
        long m = args.length > 1 ? Long.parseLong(args[1]) : 2_000_000L;
        String heap = args.length > 2 ? args[2] : "1g";
        // count: the common entities only; epoch: aligned, then one epoch of vertical logistic regression over them; tree: aligned,
        // then one SecureBoost tree (the shop, the feature holder, with 20 columns too)
        String job = args.length > 3 ? args[3] : "count";
        if (!List.of("count", "epoch", "tree").contains(job)) throw new IllegalArgumentException("job: count, epoch or tree, not " + job);
        boolean epoch = !job.equals("count");
        boolean tree = job.equals("tree");
        Path dir = Files.createTempDirectory("meshfl-spark-scale");
        Path data = Files.createDirectories(dir.resolve("data"));
        long t0 = System.nanoTime();
        write(data, "bank", 0, n, 20, true);
        write(data, "shop", n - m / 2, n - m / 2 + m, tree ? 20 : 2, false);
        Files.writeString(data.resolve("job.yaml"), """
                name: spark-scale
                products: [bank.customers, shop.customers]
                label: target
                %s
                roundTimeoutSeconds: 3600
                seed: 1
                """.formatted(tree ? "model: {type: gbdt}\nboost: {trees: 1, depth: 3, bins: 32, keyBits: 1024}"
                : "model: {type: logistic}\nvertical: " + (epoch ? "{epochs: 1, batchSize: 8192, keyBits: 1024}" : "{cardinalityOnly: true, keyBits: 1024}")));
        System.out.printf(Locale.ROOT, "generated %,d + %,d rows in %.0f s (%s)%n", n, m, (System.nanoTime() - t0) / 1e9, data);
        Path certs = dir.resolve("certs");
        check(Main.execute("certs", "init", "--dir", certs.toString(), "--domains", "bank,shop", "--days", "1"));
        // spark: the bank's node on Spark only; both: the same job with the bank's node on its own engine, then on Spark, one after the other
        List<String> engines = args.length > 4 && args[4].equals("both") ? List.of("jvm", "spark") : List.of("spark");
        List<String> rows = new ArrayList<>();
        List<double[]> times = new ArrayList<>();
        for (String engine : engines) {
            // owner-only, as the coordinator's catalog and the nodes' state folders must be
            Path run = Files.createDirectory(dir.resolve(engine), java.nio.file.attribute.PosixFilePermissions.asFileAttribute(
                    java.nio.file.attribute.PosixFilePermissions.fromString("rwx------")));
            JsonNode r = runOnce(run, data, certs, engine, heap, tree);
            double[] gc = gcPeaks(Files.readAllLines(run.resolve("bank-gc.log")));
            double seconds = r.path("bench_seconds").asDouble();
            double epochSeconds = epoch ? r.path("history").path(0).path("seconds").asDouble() : Double.NaN;
            times.add(new double[]{seconds, epochSeconds});
            rows.add(String.format(Locale.ROOT, "| %s | %s | %,d x 20 | %,d | %,.0f | %.0f | %s | %s | %s | %s | %.0f MB | %.0f MB | %d |",
                    tree ? "PSI + 1 SecureBoost tree" : epoch ? "PSI + 1 vertical logistic epoch" : "count (cardinalityOnly)", engine, n, m, r.path("metrics").path("psi_intersection").asDouble(),
                    seconds, epoch ? String.format(Locale.ROOT, "%.1f", epochSeconds) : "-",
                    epoch ? String.format(Locale.ROOT, "%.4f", r.path("metrics").path("auc").asDouble()) : "-",
                    r.has("executor_seconds") ? String.format(Locale.ROOT, "%d tasks, %.1f s run, %.1f s CPU", r.path("executor_tasks").asLong(),
                            r.path("executor_seconds").asDouble(), r.path("executor_cpu_seconds").asDouble()) : "-",
                    heap, gc[0], gc[1], (long) gc[2]));
        }
        System.out.printf(Locale.ROOT, "| job | engine | bank rows x columns | shop rows | common | seconds | of which the epoch or tree | AUC | bank's executors over its alignment | bank node heap (-Xmx) | heap before a collection, at most | heap after a collection, at most | full collections |%n");
        System.out.printf(Locale.ROOT, "|---|---|---:|---:|---:|---:|---:|---:|---|---:|---:|---:|---:|%n");
        rows.forEach(System.out::println);
        if (times.size() == 2) {
            System.out.printf(Locale.ROOT, "Spark / own engine: the whole run %.2fx, the %s %.2fx%n", times.get(1)[0] / times.get(0)[0],
                    tree ? "tree" : "epoch", times.get(1)[1] / times.get(0)[1]);
        }
        System.out.println("logs: " + dir);
    }

    /** The job once in a fresh mesh of processes, the bank's node on {@code engine}; the report, with the run's seconds as bench_seconds. */
    private static JsonNode runOnce(Path dir, Path data, Path certs, String engine, String heap, boolean bothNodes) throws Exception {
        List<Process> processes = new ArrayList<>();
        try {
            processes.add(start(dir, "coordinator", List.of("-Xmx3g"), "coordinator", "--port", "0", "--tls-dir", certs.toString(),
                    "--catalog", dir.resolve("catalog").toString()));
            String coordinator = "127.0.0.1:" + await(dir, "coordinator", Pattern.compile("coordinator listening on 127\\.0\\.0\\.1:(\\d+)"));
            List<String> bankJvm = new ArrayList<>(List.of("-Xmx" + heap, "-Xlog:gc:file=" + dir.resolve("bank-gc.log")));
            for (String line : Files.readAllLines(Path.of("engines/spark/jvm-options"))) if (!line.isBlank()) bankJvm.add(line.strip());
            processes.add(start(dir, "bank", bankJvm, "node", "--domain", "bank", "--contracts", data.toString(), "--coordinator", coordinator,
                    "--tls-dir", certs.toString(), "--state", dir.resolve("state-bank").toString(), "--engine", engine));
            // a tree's histograms are the feature holder's: with a tree the shop's node runs on the engine too
            List<String> shopJvm = new ArrayList<>(List.of("-Xmx3g"));
            if (bothNodes) for (String line : Files.readAllLines(Path.of("engines/spark/jvm-options"))) if (!line.isBlank()) shopJvm.add(line.strip());
            processes.add(start(dir, "shop", shopJvm, "node", "--domain", "shop", "--contracts", data.toString(), "--coordinator",
                    coordinator, "--tls-dir", certs.toString(), "--state", dir.resolve("state-shop").toString(), "--engine", bothNodes ? engine : "jvm"));
            for (String d : List.of("bank", "shop")) await(dir, d, Pattern.compile("node (\\S+) of " + d + " serving"));
            long t1 = System.nanoTime();
            Path report = dir.resolve("report.json");
            check(Main.execute("run", "--job", data.resolve("job.yaml").toString(), "--coordinator", coordinator, "--report", report.toString(),
                    "--tls-dir", certs.toString()));
            double seconds = (System.nanoTime() - t1) / 1e9;
            for (Process p : processes) if (!p.isAlive()) throw new IllegalStateException("a process of the mesh died; logs in " + dir);
            com.fasterxml.jackson.databind.node.ObjectNode r = (com.fasterxml.jackson.databind.node.ObjectNode) RunReport.JSON.readTree(report.toFile());
            r.put("bench_seconds", seconds);
            // the bank's executors over its alignment, as its node logs them (at align, or when a count's job ends)
            long deadline = System.currentTimeMillis() + 30_000;
            Pattern work = Pattern.compile("psi .*since its keys were read, the executors: (\\d+) tasks, ([\\d.]+) s run, ([\\d.]+) s CPU");
            while (System.currentTimeMillis() < deadline) {
                Matcher x = work.matcher(Files.readString(dir.resolve("bank.log")));
                if (x.find()) {
                    r.put("executor_tasks", Long.parseLong(x.group(1))).put("executor_seconds", Double.parseDouble(x.group(2)))
                            .put("executor_cpu_seconds", Double.parseDouble(x.group(3)));
                    break;
                }
                Thread.sleep(500);
            }
            return r;
        } finally {
            for (Process p : processes) p.destroyForcibly();
            for (Process p : processes) p.waitFor(10, TimeUnit.SECONDS);
        }
    }

    /** The largest heap occupancy before and after a collection, in MB, and the number of full collections, from {@code -Xlog:gc} lines. */
    static double[] gcPeaks(List<String> lines) {
        Pattern p = Pattern.compile("(\\d+)M->(\\d+)M\\((\\d+)M\\)");
        double before = 0, after = 0, full = 0;
        for (String l : lines) {
            Matcher x = p.matcher(l);
            if (x.find()) {
                before = Math.max(before, Double.parseDouble(x.group(1)));
                after = Math.max(after, Double.parseDouble(x.group(2)));
            }
            if (l.contains("Pause Full")) full++;
        }
        return new double[]{before, after, full};
    }

    private static void write(Path data, String domain, long from, long to, int columns, boolean label) throws Exception {
        Random r = new Random(domain.hashCode());
        try (BufferedWriter w = new BufferedWriter(Files.newBufferedWriter(data.resolve(domain + ".csv")), 1 << 20)) {
            StringBuilder head = new StringBuilder("cid");
            if (label) head.append(",target");
            // the columns are named per domain so that the two products' features do not collide
            for (int j = 0; j < columns; j++) head.append(',').append(domain.charAt(0)).append('f').append(j);
            w.write(head.append('\n').toString());
            StringBuilder row = new StringBuilder();
            for (long i = from; i < to; i++) {
                row.setLength(0);
                row.append('C').append(i);
                if (label) row.append(',').append(r.nextInt(2));
                for (int j = 0; j < columns; j++) row.append(',').append(r.nextInt(10_000) / 100.0);
                w.write(row.append('\n').toString());
            }
        }
        StringBuilder props = new StringBuilder(CustomerContracts.PII_KEY);
        if (label) props.append("      - {name: target, logicalType: integer}\n");
        for (int j = 0; j < columns; j++) props.append("      - {name: ").append(domain, 0, 1).append("f").append(j).append(", logicalType: number}\n");
        Files.writeString(data.resolve(domain + ".yaml"), CustomerContracts.yaml(domain, props.toString(),
                "  consumers: [{identity: 'client:operator'}]\n" + (label ? "  label: target\n" : "")));
    }

    private static Process start(Path dir, String name, List<String> jvm, String... args) throws Exception {
        List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString()));
        cmd.addAll(jvm);
        cmd.addAll(List.of("-cp", System.getProperty("java.class.path"), "io.meshfl.cli.Main"));
        cmd.addAll(List.of(args));
        return new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(dir.resolve(name + ".log").toFile()).start();
    }

    private static String await(Path dir, String name, Pattern pattern) throws Exception {
        long deadline = System.currentTimeMillis() + 300_000;
        while (System.currentTimeMillis() < deadline) {
            Path log = dir.resolve(name + ".log");
            Matcher x = pattern.matcher(Files.exists(log) ? Files.readString(log) : "");
            if (x.find()) return x.groupCount() > 0 ? x.group(1) : x.group();
            Thread.sleep(500);
        }
        throw new IllegalStateException(name + " did not print " + pattern + "; logs in " + dir);
    }

    private static void check(int code) {
        if (code != 0) throw new IllegalStateException("a command failed (exit " + code + ")");
    }
}

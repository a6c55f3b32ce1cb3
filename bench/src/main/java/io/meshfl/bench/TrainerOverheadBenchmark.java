package io.meshfl.bench;

import io.meshfl.core.data.Dataset;
import io.meshfl.core.model.ExternalModel;
import io.meshfl.core.model.LocalConfig;
import io.meshfl.core.model.LocalResult;
import io.meshfl.core.model.ModelSpec;
import io.meshfl.core.model.OptimizerSpec;
import io.meshfl.core.model.TensorSpec;
import io.meshfl.core.protocol.NodeContext;
import io.meshfl.core.protocol.external.ExternalTrainer;
import io.meshfl.core.protocol.external.ExternalTraining;
import io.meshfl.core.protocol.horizontal.FitMod;
import io.meshfl.core.protocol.horizontal.privacy.NodeProtections;
import io.meshfl.node.trainer.Trainers;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import java.util.function.UnaryOperator;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The cost of training through an external trainer ("bring your own model") against MeshFL's own
 * trainer, with the training arithmetic removed from both: the node side of one horizontal round of
 * a model declared with 1,000,000 parameters ({@code w [1000, 999]}, {@code b [1000]}).
 *
 * <ul>
 *   <li>in-JVM: what {@code HorizontalNode} does for MeshFL's own model, {@code FitMod.chain} over the
 *       round's protections around a local step that returns a new vector, each value plus 1e-9 (where
 *       {@code LocalTrainer.train} would train);</li>
 *   <li>sidecar: the same chain around {@code ExternalTraining.fit}, the call the node makes for an
 *       external model: the vector split into the declared tensors, {@code Fit} through the node's gRPC
 *       trainer client over the launch's Unix socket to a real trainer process (started by the node's
 *       {@link Trainers} as a node starts it), which answers the parameters it got each plus 1e-9; the
 *       answer checked (names, shapes, sizes, every value finite) and flattened. Three times: a Java
 *       trainer ({@link EchoTrainer}) with the parameters inside the gRPC messages (the previous
 *       version), the same with the parameters in files beside the call, and MeshFL's Python SDK with
 *       a trivial {@code Trainer} subclass ({@code bench/src/main/python/echo_trainer.py}), beside the call.</li>
 * </ul>
 * The paths alternate round by round in one JVM; each round's input is the path's previous output,
 * so no answer can be cached. The rows (24,000 x 23, the size of default-credit) are loaded once,
 * during warm-up, as a job does; their Load bytes and each round's Fit bytes are the serialized
 * messages the Java trainer received and sent.
 */
public final class TrainerOverheadBenchmark {

    static final int WARMUP = 10;
    static final int ROUNDS = 25;
    static final int ROWS = 24_000;
    static final int FEATURES = 23;
    static final double BAR = 1.15;
    /** The transport floor's path: the same bytes over a plain Unix socket, no gRPC ({@link RawSocketEcho}). */
    static final String FLOOR = "floor: the same 8 MB each way over a plain Unix socket (no gRPC, no protobuf)";
    static final List<TensorSpec> PARAMETERS = List.of(new TensorSpec("w", List.of(1000, 999)), new TensorSpec("b", List.of(1000)));
    static final Path PYTHON = Path.of("/usr/bin/python3");
    /** Each echo trainer's row. */
    static final Map<String, String> LABELS = Map.of(
            "echo-java-inline", "Java trainer, parameters inside the gRPC messages (previous version)",
            "echo-java", "Java trainer, parameters in files beside the call",
            "echo-python", "Python trainer, parameters in files beside the call");

    private TrainerOverheadBenchmark() {
    }

    /** A node host as far as external training needs one: an id and the node's trainers. */
    private static final class Host implements NodeContext {
        final Trainers trainers;

        Host(Trainers trainers) {
            this.trainers = trainers;
        }

        public String nodeId() {
            return "bench-node";
        }

        public String domain() {
            return "bench";
        }

        public Dataset load(String productId, List<String> features, String label) {
            throw new UnsupportedOperationException("the benchmark hands its rows over directly");
        }

        public Map<String, Object> jobState(String jobId) {
            return new HashMap<>();
        }

        public void endJob(String jobId) {
            trainers.endJob(jobId);
        }

        public void saveModelPart(String modelId, byte[] part) {
        }

        public byte[] modelPart(String modelId) {
            return null;
        }

        @Override
        public ExternalTrainer trainer(String name, String jobId, Duration timeout) {
            return trainers.trainer(name, jobId, timeout);
        }
    }

    public static void main(String[] args) throws Exception {
        Path doc = Docs.docPath(args);
        Path repo = Path.of("").toAbsolutePath();
        int n = TensorSpec.total(PARAMETERS);
        Random rng = new Random(7);
        double[] x = new double[ROWS * FEATURES];
        double[] y = new double[ROWS];
        for (int i = 0; i < x.length; i++) x[i] = rng.nextGaussian();
        for (int i = 0; i < ROWS; i++) y[i] = rng.nextInt(4) == 0 ? 1 : 0;
        List<String> columns = new ArrayList<>();
        for (int c = 0; c < FEATURES; c++) columns.add("x" + c);
        Dataset train = new Dataset(columns, x, y, null, ROWS);
        double[] start = new double[n];
        for (int i = 0; i < n; i++) start[i] = rng.nextGaussian() * 0.05;
        LocalConfig cfg = new LocalConfig(1, 64, new OptimizerSpec("sgd", 0.05, 0), 0, 0, 42);
        Map<String, String> config = Map.of("epochs", "1", "batch_size", "64", "optimizer", "sgd", "lr", "0.05", "seed", "42");
        // a plain job's protections: none (DP would add the same clipping and noise to every path)
        List<FitMod> mods = NodeProtections.forRound(null, config, new java.security.SecureRandom());

        String python = pythonMissing(repo);
        Map<String, List<String>> commands = new LinkedHashMap<>();
        String javaCmd = ProcessHandle.current().info().command().orElse("java");
        commands.put("echo-java-inline", List.of(javaCmd, "-Xmx1g", "-cp", System.getProperty("java.class.path"), EchoTrainer.class.getName(),
                "inline"));
        commands.put("echo-java", List.of(javaCmd, "-Xmx1g", "-cp", System.getProperty("java.class.path"), EchoTrainer.class.getName()));
        commands.put("mlp-java", List.of(javaCmd, "-Xmx1g", "-cp", System.getProperty("java.class.path"), EchoTrainer.class.getName(), "mlp",
                MLP_HIDDEN.stream().map(String::valueOf).collect(java.util.stream.Collectors.joining(",")), Integer.toString(FEATURES)));
        commands.put("mlp-java-inline", List.of(javaCmd, "-Xmx1g", "-cp", System.getProperty("java.class.path"), EchoTrainer.class.getName(),
                "mlp", MLP_HIDDEN.stream().map(String::valueOf).collect(java.util.stream.Collectors.joining(",")), Integer.toString(FEATURES),
                "inline"));
        if (python == null) {
            commands.put("echo-python", List.of("/usr/bin/env", "PYTHONPATH=" + repo.resolve("clients/python"), PYTHON.toString(),
                    "-m", "meshfl_trainer", "--path", repo.resolve("bench/src/main/python").toString(), "echo_trainer:make"));
        }
        Path state = Files.createTempDirectory("meshfl-bench-trainer");
        List<String> log = java.util.Collections.synchronizedList(new ArrayList<>());
        Map<String, List<Double>> times = new LinkedHashMap<>();
        Map<String, UnaryOperator<double[]>> paths = new LinkedHashMap<>();
        paths.put("in-JVM", global -> FitMod.chain(mods, global, config, () -> {
            double[] p = new double[global.length];
            for (int i = 0; i < p.length; i++) p[i] = global[i] + 1e-9;
            return new FitMod.LocalUpdate(p, Map.of("loss", 0.0));
        }).params());
        int[] round = {0};
        try (Trainers trainers = new Trainers("bench-node", "bench", commands, () -> state, log::add);
             RawSocketEcho raw = new RawSocketEcho(state, n)) {
            paths.put(FLOOR, raw::round);
            Host host = new Host(trainers);
            for (String name : commands.keySet()) {
                if (name.startsWith("mlp-java")) continue;
                ExternalModel model = new ExternalModel(ModelSpec.external(name, PARAMETERS, ModelSpec.Task.BINARY, 2), FEATURES);
                ExternalTraining t = ExternalTraining.open(host, model, "bench-job", "y", Duration.ofSeconds(300));
                paths.put(LABELS.get(name), global -> FitMod.chain(mods, global, config, () -> {
                    LocalResult r = t.fit(global, train, cfg, round[0]);
                    return new FitMod.LocalUpdate(r.params(), Double.isNaN(r.meanLoss()) ? Map.of() : Map.of("loss", r.meanLoss()));
                }).params());
            }
            Map<String, double[]> current = new LinkedHashMap<>();
            for (String p : paths.keySet()) {
                current.put(p, start.clone());
                times.put(p, new ArrayList<>());
            }
            List<String> order = new ArrayList<>(paths.keySet());
            for (int r = 0; r < WARMUP + ROUNDS; r++) {
                round[0] = r + 1;
                java.util.Collections.rotate(order, 1);
                for (String p : order) {
                    double[] in = current.get(p);
                    long t0 = System.nanoTime();
                    double[] out = paths.get(p).apply(in);
                    double ms = (System.nanoTime() - t0) / 1e6;
                    if (out.length != n || Math.abs(out[0] - in[0] - 1e-9) > 1e-12 || Math.abs(out[n - 1] - in[n - 1] - 1e-9) > 1e-12) {
                        throw new IllegalStateException(p + " did not answer the parameters it got plus 1e-9");
                    }
                    current.put(p, out);
                    if (r >= WARMUP) times.get(p).add(ms);
                }
            }
            System.out.println("trainer log lines: " + log);
            long[] fitInline = sizes(log, "echo-java-inline", "fit");
            long[] fit = sizes(log, "echo-java", "fit");
            long[] files = sizes(log, "echo-java", "fit-files");
            long[] load = sizes(log, "echo-java", "load");
            String md = report(times, fitInline, fit, files, load, python, n) + realistic(trainers, host, javaCmd, mods, config, rng)
                    + "Machine: " + machine() + " Load average at the end: " + loadAverage() + ".\n\n" + Docs.stamp() + "\n";
            System.out.println(md);
            Docs.replaceBlock(doc, "trainer", md);
            trainers.endJob("bench-job");
        }
    }

    /** The realistic round: MeshFL's own MLP of about 1,000,000 parameters trained for real, in the JVM and in a trainer process. */
    static final List<Integer> MLP_HIDDEN = List.of(1000, 976);
    static final int MLP_ROWS = 2_000;
    static final int MLP_WARMUP = 2;
    static final int MLP_ROUNDS = 5;

    /**
     * A second comparison with the arithmetic left in: one round of local training (1 epoch, batches
     * of 64, SGD) of MeshFL's own MLP {@code 23 -> 1000 -> 976 -> 1} (1,001,953 parameters) over a
     * node's 2,000 rows, by {@code LocalTrainer.train} in the node's JVM, and by the same
     * {@code LocalTrainer.train} in a Java trainer process behind the sidecar ({@link EchoTrainer}
     * with {@code mlp}): the same arithmetic on both sides, so the ratio is what the sidecar adds to a
     * round that trains. The two alternate round by round, each from its own previous output.
     */
    private static String realistic(Trainers trainers, NodeContext host, String javaCmd, List<FitMod> mods, Map<String, String> config, Random rng)
            throws Exception {
        List<String> columns = new ArrayList<>();
        for (int c = 0; c < FEATURES; c++) columns.add("x" + c);
        double[] x = new double[MLP_ROWS * FEATURES];
        double[] y = new double[MLP_ROWS];
        for (int i = 0; i < x.length; i++) x[i] = rng.nextGaussian();
        for (int i = 0; i < MLP_ROWS; i++) y[i] = x[i * FEATURES] + 0.5 * x[i * FEATURES + 1] + rng.nextGaussian() > 0 ? 1 : 0;
        Dataset rows = new Dataset(columns, x, y, null, MLP_ROWS);
        io.meshfl.core.model.Mlp mlp = EchoTrainer.mlp(MLP_HIDDEN, FEATURES);
        List<TensorSpec> declared = new ArrayList<>();
        long[][] shapes = EchoTrainer.shapes(MLP_HIDDEN, FEATURES);
        for (int i = 0; i < shapes.length; i++) {
            declared.add(new TensorSpec("l" + i / 2 + (i % 2 == 0 ? ".weight" : ".bias"), java.util.Arrays.stream(shapes[i]).mapToInt(v -> (int) v).boxed().toList()));
        }
        LocalConfig cfg = new LocalConfig(1, 64, new OptimizerSpec("sgd", 0.05, 0), 0, 0, 42);
        double[] start = new double[mlp.numParams()];
        mlp.initialize(start, new Random(3));
        Map<String, UnaryOperator<double[]>> paths = new LinkedHashMap<>();
        paths.put("in-JVM: LocalTrainer.train", global -> FitMod.chain(mods, global, config, () -> {
            LocalResult r = io.meshfl.core.model.LocalTrainer.train(mlp, global, rows, cfg);
            return new FitMod.LocalUpdate(r.params(), Map.of("loss", r.meanLoss()));
        }).params());
        int[] round = {0};
        for (String trainer : List.of("mlp-java-inline", "mlp-java")) {
            ExternalModel model = new ExternalModel(ModelSpec.external(trainer, declared, ModelSpec.Task.BINARY, 2), FEATURES);
            ExternalTraining t = ExternalTraining.open(host, model, "bench-" + trainer + "-job", "y", Duration.ofSeconds(600));
            paths.put(trainer.endsWith("inline") ? "Java trainer: the same LocalTrainer.train behind the sidecar, parameters inside the messages "
                    + "(previous version)" : "Java trainer: the same LocalTrainer.train behind the sidecar, parameters in files beside the call",
                    global -> FitMod.chain(mods, global, config, () -> {
                        LocalResult r = t.fit(global, rows, cfg, round[0]);
                        return new FitMod.LocalUpdate(r.params(), Map.of("loss", r.meanLoss()));
                    }).params());
        }
        Map<String, List<Double>> times = new LinkedHashMap<>();
        Map<String, double[]> current = new LinkedHashMap<>();
        for (String p : paths.keySet()) {
            times.put(p, new ArrayList<>());
            current.put(p, start.clone());
        }
        List<String> order = new ArrayList<>(paths.keySet());
        for (int r = 0; r < MLP_WARMUP + MLP_ROUNDS; r++) {
            round[0] = r + 1;
            java.util.Collections.rotate(order, 1);
            for (String p : order) {
                long t0 = System.nanoTime();
                current.put(p, paths.get(p).apply(current.get(p)));
                if (r >= MLP_WARMUP) times.get(p).add((System.nanoTime() - t0) / 1e6);
            }
        }
        // the same arithmetic from the same start: both paths must hold the same model after the same rounds
        double diff = 0;
        double[] a = current.get("in-JVM: LocalTrainer.train");
        for (double[] b : current.values()) for (int i = 0; i < a.length; i++) diff = Math.max(diff, Math.abs(a[i] - b[i]));
        if (diff > 1e-9) throw new IllegalStateException("the paths trained different models: max difference " + diff);
        trainers.endJob("bench-mlp-java-job");
        trainers.endJob("bench-mlp-java-inline-job");
        double base = Stats.median(times.get("in-JVM: LocalTrainer.train"));
        StringBuilder md = new StringBuilder(String.format(Locale.ROOT, "A round that trains: MeshFL's own MLP 23 -> 1000 -> 976 -> 1 "
                + "(%,d parameters) trained for one local epoch (batches of 64, SGD) over a node's %,d rows, by `LocalTrainer.train` in the "
                + "node's JVM and by the same `LocalTrainer.train` in a Java trainer process behind the sidecar (the parameters inside the "
                + "gRPC messages as before, or in files beside the call), so the arithmetic is the same on every path (after the %d rounds "
                + "all paths hold the same parameters, largest difference %.1e). %d warm-up rounds, then "
                + "%d measured rounds of each, alternating. Load average: %s.%n%n| path | median round ms | min ms | max ms | ratio (medians) "
                + "| bar 1.15x |%n|---|---:|---:|---:|---:|---|%n", mlp.numParams(), MLP_ROWS, MLP_WARMUP + MLP_ROUNDS, diff, MLP_WARMUP,
                MLP_ROUNDS, loadAverage()));
        for (var e : times.entrySet()) {
            double med = Stats.median(e.getValue());
            boolean own = e.getKey().startsWith("in-JVM");
            md.append(String.format(Locale.ROOT, "| %s | %.0f | %.0f | %.0f | %.3f | %s |%n", e.getKey(), med, Stats.min(e.getValue()),
                    Stats.max(e.getValue()), med / base, own ? "-" : med / base <= BAR ? "met" : "not met"));
        }
        return md.append('\n').toString();
    }

    /** The last "sizes KIND REQUEST REPLY" line the Java trainer {@code trainer} printed to its log. */
    private static long[] sizes(List<String> log, String trainer, String kind) throws Exception {
        Path folder = null;
        for (String l : log) {
            Matcher m = Pattern.compile("the trainer " + Pattern.quote(trainer) + " .* its folder (\\S+)").matcher(l);
            if (m.find()) folder = Path.of(m.group(1));
        }
        if (folder == null) throw new IllegalStateException("the trainer " + trainer + "'s folder was not logged: " + log);
        long[] last = null;
        for (String l : Files.readAllLines(folder.resolve("trainer.log"))) {
            String[] f = l.trim().split(" ");
            if (f.length == 4 && f[0].equals("sizes") && f[1].equals(kind)) last = new long[]{Long.parseLong(f[2]), Long.parseLong(f[3])};
        }
        if (last == null) throw new IllegalStateException("the trainer " + trainer + " logged no " + kind + " sizes");
        return last;
    }

    /** Why the Python row cannot run, or null when /usr/bin/python3 has what the SDK needs. */
    private static String pythonMissing(Path repo) throws Exception {
        if (!Files.isExecutable(PYTHON)) return PYTHON + " is absent";
        if (!Files.isDirectory(repo.resolve("clients/python/meshfl_trainer"))) return "clients/python is not under " + repo;
        Process p = new ProcessBuilder(PYTHON.toString(), "-c", "import grpc, numpy, google.protobuf").redirectErrorStream(true).start();
        if (!p.waitFor(60, TimeUnit.SECONDS) || p.exitValue() != 0) return "python3-grpcio, python3-numpy or python3-protobuf is missing";
        return null;
    }

    private static String report(Map<String, List<Double>> times, long[] fitInline, long[] fit, long[] files, long[] load, String python, int n) {
        StringBuilder md = new StringBuilder();
        double base = Stats.median(times.get("in-JVM"));
        md.append(String.format(Locale.ROOT, "The node side of one horizontal round of a model declared with %,d parameters (`w [1000, 999]`, `b [1000]`, "
                + "float64), the training arithmetic removed: every path returns the vector it got, each value plus 1e-9. %d warm-up rounds, "
                + "then %d measured rounds of each path, the paths alternating round by round in one JVM (`bench/.../TrainerOverheadBenchmark`). "
                + "Load average at the start: %s.%n%n", n, WARMUP, ROUNDS, loadAverage()));
        md.append("| path | median round ms | p95 ms | min ms | max ms | ratio to in-JVM (medians) | bar 1.15x |\n|---|---:|---:|---:|---:|---:|---|\n");
        for (var e : times.entrySet()) {
            double med = Stats.median(e.getValue());
            double ratio = med / base;
            md.append(String.format(Locale.ROOT, "| %s | %.2f | %.2f | %.2f | %.2f | %.2f | %s |%n", e.getKey(), med, Stats.percentile(e.getValue(), 95),
                    Stats.min(e.getValue()), Stats.max(e.getValue()), ratio, e.getKey().equals("in-JVM") || e.getKey().equals(FLOOR) ? "-"
                            : ratio <= BAR ? "met" : "not met"));
        }
        if (python != null) md.append("| Python trainer | not run: ").append(python).append(" | | | | | |\n");
        md.append(String.format(Locale.ROOT, "%nBytes between node and trainer (serialized protobuf messages as the Java trainers received and sent "
                + "them, and the files beside the call; the Python trainer gets and answers the same; gRPC adds 5 bytes a message and HTTP/2 "
                + "frame headers):%n%n| exchange | node -> trainer | trainer -> node |%n|---|---:|---:|%n"
                + "| Fit, every round, parameters inside the messages (FitRequest / FitReply) | %,d | %,d |%n"
                + "| Fit, every round, parameters beside the call: the messages | %,d | %,d |%n"
                + "| Fit, every round, parameters beside the call: the files | %,d | %,d |%n"
                + "| Load, once per job and part (24,000 rows x 23 features and the label) | %,d | %,d |%n%n"
                + "Raw parameter bytes: %,d each way (%,d x 8).%n%n", fitInline[0], fitInline[1], fit[0], fit[1], files[0], files[1],
                load[0], load[1], n * 8L, n));
        md.append("What each path includes. in-JVM: `FitMod.chain` over the round's protections (none for a plain job) around a local step "
                + "that allocates the new vector and writes each value plus 1e-9, and the loss metric: what `HorizontalNode` runs with "
                + "`LocalTrainer.train` in the local step. Java and Python trainer: the same chain around `ExternalTraining.fit`: "
                + "split into the declared tensors, the FitRequest built and sent by the node's gRPC trainer client over the Unix socket, "
                + "with the values inside it (previous version) or written by the node into its file in the trainer's folder "
                + "(`BulkFiles`), read by the trainer, the same plus 1e-9 there, written back inline or into the output file the node "
                + "holds open, read, checked (names, shapes, sizes, every value finite) and flattened. Neither includes the "
                + "coordinator's link to the node, which is the same for both. The floor: the vector as little-endian bytes through a "
                + "plain Unix-domain socket to a thread of this JVM that adds 1e-9 and sends it back, what a trainer in another process "
                + "pays at least for moving the bytes.\n\n");
        return md.toString();
    }

    /** The CPU model, CPUs and memory, as the machine block gives them (lscpu, nproc, free). */
    private static String machine() {
        try {
            String model = Files.readAllLines(Path.of("/proc/cpuinfo")).stream().filter(l -> l.startsWith("model name"))
                    .map(l -> l.substring(l.indexOf(':') + 1).trim()).findFirst().orElse("CPU model unknown");
            long kb = Files.readAllLines(Path.of("/proc/meminfo")).stream().filter(l -> l.startsWith("MemTotal:"))
                    .mapToLong(l -> Long.parseLong(l.replaceAll("\\D", ""))).findFirst().orElse(0);
            return String.format(Locale.ROOT, "%s, %d CPUs (nproc), %d GiB memory, shared with other work while measuring.", model,
                    Runtime.getRuntime().availableProcessors(), Math.round(kb / 1048576.0));
        } catch (Exception e) {
            return Runtime.getRuntime().availableProcessors() + " CPUs, shared with other work while measuring.";
        }
    }

    private static String loadAverage() {
        try {
            return Files.readString(Path.of("/proc/loadavg")).trim().split(" ", 4)[0] + " (1 min), " + Runtime.getRuntime().availableProcessors()
                    + " CPUs";
        } catch (Exception e) {
            return "unknown";
        }
    }
}

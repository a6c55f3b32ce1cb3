package io.meshfl.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import io.meshfl.core.contract.ContractLoader;
import io.meshfl.core.contract.DataContract;
import io.meshfl.core.plan.JobLoader;
import io.meshfl.core.plan.JobSpec;
import io.meshfl.core.report.RunReport;
import io.meshfl.stream.blocks.Manifest;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalTime;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * Training that follows a stream join, window by window (prequential): for each window of joined
 * blocks, a run of the job trains on every earlier window and is scored on this one, which it has
 * not seen; each run is a run of its own in the catalog with its model. The label holder's product
 * is split into a training view (the blocks before the window) and an evaluation product (the
 * window's block, aligned apart by a second private set intersection); the other products are
 * their blocks up to the window. Views are hard links to the blocks, in folders beside them, each a
 * version of its product of its own ({@code 1.0.0+before.N}, {@code +through.N}); the window's block is a product of its own,
 * {@code <label holder's id>-window-N}. With {@code --continual} each run after the first starts from the model of the
 * run before ({@code warmStart}) and trains on the windows since that run only ({@code +from.M.before.N}), so a window is
 * learned once and the model follows the stream.
 */
@Command(name = "train", mixinStandardHelpOptions = true,
        description = "Train a job over joined-data products window by window: each window's run trains on the earlier windows and is "
                + "scored on that window (prequential), with its own run and model in the catalog.")
final class StreamTrain implements Runnable {

    static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());

    @Option(names = "--job", required = true, description = "The job over the joined-data products (as examples/ads-stream/joined/job.yaml).")
    Path job;

    @Option(names = "--contracts", description = "The folder of the joined-data products' contracts. Default: the job file's folder.")
    Path contracts;

    @Option(names = "--catalog", required = true, description = "The catalog that keeps each window's run and model.")
    Path catalog;

    @Option(names = "--out", required = true, description = "Folder for the windows' views, jobs and reports, and prequential.json.")
    Path out;

    @Option(names = "--first", defaultValue = "3", description = "Windows the first run trains on (default ${DEFAULT-VALUE}).")
    int first;

    @Option(names = "--every", defaultValue = "1", description = "Run every this many windows (default ${DEFAULT-VALUE}).")
    int every;

    @Option(names = "--follow", converter = StreamCommand.DurationConverter.class,
            description = "Keep going as the join writes new windows, running each as every side's block of it lands, and stop once "
                    + "no new window has landed for this long. Without it only the windows written now are run.")
    java.time.Duration follow;

    @Option(names = "--continual", description = "Each run after the first starts from the model of the run before (warmStart) and "
            + "trains on the windows since that run only, instead of on every earlier window from fresh weights.")
    boolean continual;

    @Override
    public void run() {
        if (first < 1) throw new IllegalArgumentException("--first: at least one window to train on, found " + first);
        if (every < 1) throw new IllegalArgumentException("--every: at least 1, found " + every);
        Path folder = contracts != null ? contracts : job.toAbsolutePath().getParent();
        JobSpec spec = JobLoader.load(job);
        Map<String, Path> contractFiles = new TreeMap<>();
        Map<String, DataContract> byId = new TreeMap<>();
        try (var files = Files.list(folder)) {
            for (Path f : files.filter(p -> p.toString().endsWith(".yaml") && !p.equals(job.toAbsolutePath()) && !p.equals(job)).toList()) {
                JsonNode doc = YAML.readTree(f.toFile());
                if (!"DataContract".equals(doc.path("kind").asText())) continue;
                DataContract c = ContractLoader.load(f, false);
                contractFiles.put(c.id(), f);
                byId.put(c.id(), c);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("the contracts in " + folder + " cannot be read: " + e.getMessage(), e);
        }
        String labelHolder = null;
        Map<String, Path> blockFolders = new TreeMap<>();
        for (String product : spec.products()) {
            DataContract c = byId.get(product);
            if (c == null) throw new IllegalArgumentException("--contracts: no contract of product " + product + " in " + folder);
            if (c.property(spec.label()).isPresent()) labelHolder = product;
            Path glob = c.server().path();
            Path dir = glob == null ? null : glob.getParent();
            // a followed join may not have written its first block yet
            if (dir == null || (follow == null && Manifest.read(dir) == null)) {
                throw new IllegalArgumentException("product " + product + " is not a joined-data product: no " + Manifest.FILE + " beside its blocks");
            }
            blockFolders.put(product, dir);
        }
        if (labelHolder == null) throw new IllegalArgumentException("job " + spec.name() + ": no product holds the label '" + spec.label() + "'");
        ObjectNode result = RunReport.JSON.createObjectNode();
        result.put("job", spec.name());
        result.put("label_holder", labelHolder);
        result.put("mode", continual ? "continual" : "retrain");
        ArrayNode emptyWindows = result.putArray("windows_without_examples");
        ArrayNode rows = result.putArray("windows");
        double sum = 0;
        int n = 0;
        int i = first;
        long quietSince = System.nanoTime();
        List<Long> said = new ArrayList<>();
        // continual: the windows before this index are in the last model, which the next run starts from
        int trainedTo = 0;
        String lastModel = null;
        while (true) {
            List<Long> empty = new ArrayList<>();
            List<Long> ordered = windows(blockFolders, labelHolder, empty);
            empty.removeAll(said);
            if (!empty.isEmpty()) say(empty.size() + " windows hold no joined example and are left out: " + empty);
            empty.forEach(emptyWindows::add);
            said.addAll(empty);
            if (follow == null && ordered.size() <= first) {
                throw new IllegalArgumentException("--first " + first + ": only " + ordered.size() + " windows with examples are written by every side; nothing is left to score");
            }
            boolean ran = false;
            for (; i < ordered.size(); i += every) {
                long w = ordered.get(i);
                Path dir = out.resolve("window-" + w).toAbsolutePath();
                List<Long> trainOn = continual ? ordered.subList(trainedTo, i) : ordered.subList(0, i);
                ObjectNode r = window(spec, contractFiles, byId, blockFolders, labelHolder, trainOn, w, dir, continual ? lastModel : null);
                r.put("windows_in_model", i);
                if (continual) {
                    trainedTo = i;
                    lastModel = r.path("model_id").asText();
                }
                rows.add(r);
                if (r.has("auc")) {
                    sum += r.path("auc").asDouble();
                    n++;
                }
                say(String.format(Locale.ROOT, "window %d: trained on %d windows (%d rows)%s, scored on %d rows of this one: AUC %.4f (run %s)",
                        w, trainOn.size(), r.path("train_rows").asLong(), r.has("warm_start") ? " from model " + r.path("warm_start").asText() : "", r.path("eval_rows").asLong(), r.path("auc").asDouble(Double.NaN), r.path("run_id").asText()));
                if (n > 0) result.put("mean_prequential_auc", sum / n);
                // written after every window: a followed stream's results are read while it goes on
                writeResult(result);
                ran = true;
            }
            if (ran) quietSince = System.nanoTime();
            if (follow == null || System.nanoTime() - quietSince > follow.toNanos()) break;
            try {
                Thread.sleep(1000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                break;
            }
        }
        if (n > 0) result.put("mean_prequential_auc", sum / n);
        writeResult(result);
        say(String.format(Locale.ROOT, "%d windows scored, mean prequential AUC %.4f; %s", n, n > 0 ? sum / n : Double.NaN,
                out.resolve("prequential.json")));
    }

    private void writeResult(ObjectNode result) {
        try {
            Files.createDirectories(out);
            // replaced whole, so a reader of a followed stream's results never sees half of them
            Path tmp = out.resolve(".prequential.json.tmp");
            Files.write(tmp, RunReport.JSON.writerWithDefaultPrettyPrinter().writeValueAsBytes(result));
            Files.move(tmp, out.resolve("prequential.json"), java.nio.file.StandardCopyOption.ATOMIC_MOVE, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        } catch (IOException e) {
            throw new UncheckedIOException("prequential.json cannot be written: " + e.getMessage(), e);
        }
    }

    /**
     * The windows with examples that every side has written, in order; the label holder's windows without examples go
     * to {@code empty}. Sides write their blocks in window order, so a later call only adds windows at the end.
     */
    private static List<Long> windows(Map<String, Path> blockFolders, String labelHolder, List<Long> empty) {
        TreeSet<Long> windows = null;
        for (Path dir : blockFolders.values()) {
            TreeSet<Long> these = new TreeSet<>();
            Manifest m = Manifest.read(dir);
            if (m != null) m.blocks().forEach(b -> these.add(b.index()));
            if (windows == null) windows = these;
            else windows.retainAll(these);
        }
        Manifest holder = Manifest.read(blockFolders.get(labelHolder));
        if (holder != null) {
            for (Manifest.Block b : holder.blocks()) {
                if (b.rows() == 0 && windows.remove(b.index())) empty.add(b.index());
            }
        }
        return new ArrayList<>(windows);
    }

    /** One window's run: the views, the contracts and the job written under {@code dir}, then run against the catalog. */
    private ObjectNode window(JobSpec spec, Map<String, Path> contractFiles, Map<String, DataContract> byId, Map<String, Path> blockFolders,
                              String labelHolder, List<Long> before, long w, Path dir, String warmFrom) {
        // the window's own product (named by it, so no pin is needed: evaluation products are taken at their newest version)
        String evalId = labelHolder + "-window-" + w;
        try {
            Path cdir = Files.createDirectories(dir.resolve("contracts"));
            // a continual run's views begin at the first window since the last run's model
            String since = warmFrom == null || before.isEmpty() ? "" : "from." + before.get(0) + ".";
            for (String product : spec.products()) {
                List<Long> blocks = new ArrayList<>(before);
                boolean holder = product.equals(labelHolder);
                if (!holder) blocks.add(w);
                String view = since + (holder ? "before." : "through.") + w;
                contract(contractFiles.get(product), cdir.resolve(product + ".yaml"), link(blockFolders.get(product), blocks, view), null, view,
                        joinOf(blockFolders.get(product), blocks));
            }
            contract(contractFiles.get(labelHolder), cdir.resolve(evalId + ".yaml"), link(blockFolders.get(labelHolder), List.of(w), "window." + w),
                    evalId, null, joinOf(blockFolders.get(labelHolder), List.of(w)));
            ObjectNode j = (ObjectNode) YAML.readTree(job.toFile());
            j.put("name", spec.name() + "-w" + w);
            if (warmFrom != null) j.put("warmStart", warmFrom);
            // the join's counts go with the window's job, which the catalog keeps with its run
            ObjectNode counts = joinCounts(spec, blockFolders, before, w);
            j.put("description", describe(w, before, counts) + (warmFrom == null ? "" : " Starts from model " + warmFrom
                    + ", trained on the windows before those."));
            // each product pinned at its view's version: the catalog's newest version may be another window's
            var products = j.putArray("products");
            for (String product : spec.products()) {
                String view = since + (product.equals(labelHolder) ? "before." : "through.") + w;
                products.add(product + "@" + byId.get(product).version() + "+" + view);
            }
            ObjectNode eval = j.putObject("evaluation");
            eval.putArray("products").add(evalId);
            Path jobFile = dir.resolve("job.yaml");
            YAML.writeValue(jobFile.toFile(), j);
            Path report = dir.resolve("report.json");
            int code = Main.execute("run", "--job", jobFile.toString(), "--contracts", cdir.toString(), "--catalog", catalog.toString(),
                    "--report", report.toString());
            if (code != 0) throw new IllegalStateException("window " + w + ": the run failed (exit " + code + "); its job is " + jobFile);
            JsonNode rep = RunReport.JSON.readTree(report.toFile());
            ObjectNode r = RunReport.JSON.createObjectNode();
            r.put("window", w);
            r.put("trained_on_windows", before.size());
            if (warmFrom != null) r.put("warm_start", warmFrom);
            r.put("run_id", rep.path("run_id").asText());
            r.put("model_id", rep.path("model_id").asText());
            r.put("train_rows", rep.path("metrics").path("psi_intersection").asLong());
            // vertical linear runs say eval_rows, split networks holdout_rows; the diagnostics name the rows either way
            JsonNode scored = rep.path("metrics").has("eval_rows") ? rep.path("metrics").path("eval_rows") : rep.path("metrics").path("holdout_rows");
            r.put("eval_rows", scored.isMissingNode() ? rep.path("diagnostics").path("rows").asLong() : scored.asLong());
            if (rep.path("metrics").has("auc")) r.put("auc", rep.path("metrics").path("auc").asDouble());
            r.put("report", report.toString());
            r.set("join_of_window", counts.path("join_of_window"));
            r.set("join_of_trained_windows", counts.path("join_of_trained_windows"));
            return r;
        } catch (IOException e) {
            throw new UncheckedIOException("window " + w + ": " + e.getMessage(), e);
        }
    }

    /** What the join did, per product from its manifest: in the window scored, and summed over the windows trained on. */
    private static ObjectNode joinCounts(JobSpec spec, Map<String, Path> blockFolders, List<Long> before, long w) {
        ObjectNode out = RunReport.JSON.createObjectNode();
        ObjectNode scoredJoin = out.putObject("join_of_window");
        ObjectNode trainedJoin = out.putObject("join_of_trained_windows");
        for (String product : spec.products()) {
            ArrayNode own = (ArrayNode) joinOf(blockFolders.get(product), List.of(w)).get("blocks");
            if (!own.isEmpty()) {
                ObjectNode o = (ObjectNode) own.get(0);
                o.remove("window");
                scoredJoin.set(product, o);
            }
            trainedJoin.set(product, joinOf(blockFolders.get(product), before).get("total"));
        }
        return out;
    }

    /** The counts as one line of text, the window job's description. */
    private static String describe(long w, List<Long> trainedOn, ObjectNode counts) {
        return "Prequential run of window " + w + ": scored on its joined examples (" + sides(counts.path("join_of_window"))
                + "), trained on windows " + trainedOn + " (" + sides(counts.path("join_of_trained_windows")) + ").";
    }

    private static String sides(JsonNode bySide) {
        java.util.StringJoiner out = new java.util.StringJoiner("; ");
        bySide.fields().forEachRemaining(e -> {
            JsonNode c = e.getValue();
            out.add(e.getKey() + ": " + c.path("examples").asLong() + " examples, " + c.path("events_in").asLong() + " events in, "
                    + c.path("late").asLong() + " late, " + c.path("malformed").asLong() + " malformed"
                    + (c.has("written_after_window_s") ? ", block written " + c.path("written_after_window_s").asDouble() + " s after the window" : ""));
        });
        return out.toString();
    }

    /**
     * Hard links to the given blocks (those a side wrote, by its manifest) in the view's folder beside
     * the block folder ({@code <blocks>.views/<view>}), so a view, like its version, is the same for
     * every job that asks for it; the glob the view's contract reads.
     */
    private static Path link(Path from, List<Long> blocks, String view) throws IOException {
        Path to = from.resolveSibling(from.getFileName() + ".views").resolve(view);
        Files.createDirectories(to);
        for (Manifest.Block b : Manifest.read(from).blocks()) {
            if (!blocks.contains(b.index())) continue;
            Path dst = to.resolve(b.file());
            if (!Files.exists(dst)) Files.createLink(dst, from.resolve(b.file()));
        }
        return to.toAbsolutePath().normalize().resolve("block-*.csv");
    }

    /**
     * A copy of a contract that reads {@code glob}, under another id when {@code id} is given, and as
     * a version of its own when {@code view} is given (the product as of this window: the catalog
     * keeps one contract per version).
     */
    /**
     * What the join did for the blocks a view holds, from its product's manifest: per block and in total, the examples, the
     * events taken in, dropped as late and as malformed, and how long after its window each block was written.
     */
    private static ObjectNode joinOf(Path blockFolder, List<Long> blocks) {
        Manifest m = Manifest.read(blockFolder);
        ObjectNode out = RunReport.JSON.createObjectNode();
        out.put("job", m.job());
        out.put("side", m.side());
        ArrayNode list = out.putArray("blocks");
        long[] sums = new long[4];
        for (Manifest.Block b : m.blocks()) {
            if (!blocks.contains(b.index())) continue;
            ObjectNode o = list.addObject();
            o.put("window", b.index());
            o.put("examples", b.rows());
            o.put("events_in", b.in());
            o.put("late", b.late());
            o.put("malformed", b.malformed());
            if (b.writtenAt() > 0) o.put("written_after_window_s", (b.writtenAt() - b.end()) / 1000.0);
            sums[0] += b.rows();
            sums[1] += Math.max(0, b.in());
            sums[2] += Math.max(0, b.late());
            sums[3] += Math.max(0, b.malformed());
        }
        ObjectNode t = out.putObject("total");
        t.put("examples", sums[0]);
        t.put("events_in", sums[1]);
        t.put("late", sums[2]);
        t.put("malformed", sums[3]);
        return out;
    }

    /**
     * A view's contract: the product's, at the view's version, its path the view's blocks, and what the join did for them
     * as an ODCS custom property ({@code meshfl.streamJoin}), which the catalog keeps with the version every run of it reads.
     */
    private static void contract(Path from, Path to, Path glob, String id, String view, ObjectNode join) throws IOException {
        ObjectNode c = (ObjectNode) YAML.readTree(from.toFile());
        ArrayNode custom = c.has("customProperties") && c.get("customProperties").isArray() ? (ArrayNode) c.get("customProperties") : c.putArray("customProperties");
        ObjectNode prop = custom.addObject();
        prop.put("property", "meshfl.streamJoin");
        prop.set("value", join);
        if (view != null) c.put("version", c.path("version").asText() + "+" + view);
        if (id != null) {
            c.put("id", id);
            c.put("dataProduct", id.substring(id.indexOf('.') + 1));
        }
        for (JsonNode s : c.path("servers")) ((ObjectNode) s).put("path", glob.toString());
        YAML.writeValue(to.toFile(), c);
    }

    private static void say(String line) {
        System.out.println(LocalTime.now().truncatedTo(ChronoUnit.SECONDS) + " " + line);
    }
}

package io.meshfl.bench;

import com.fasterxml.jackson.databind.JsonNode;
import io.meshfl.cli.Main;
import io.meshfl.core.report.RunReport;
import io.meshfl.stream.KafkaBroker;
import io.meshfl.stream.blocks.Manifest;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

/**
 * Training that follows the stream against training in batch, on the same joined examples, in one
 * run: the advertising streams ({@code n} impressions, 10 a second, so windows of 5 minutes hold
 * about 3,000) joined through a real Kafka broker, then for the vertical logistic regression and
 * the split network each: one batch run with a random fifth held out, and {@code meshfl stream
 * train} scoring every second window from the middle on with a model trained on all earlier
 * windows (prequential), and {@code --continual}, each run starting from the model before and
 * trained on the windows since it. All through the command line. Usage: {@code StreamTrainBench DOC [n]}.
 */
public final class StreamTrainBench {

    private StreamTrainBench() {
    }

    public static void main(String[] args) throws Exception {
        Path doc = Docs.docPath(args);
        long n = args.length > 1 ? Long.parseLong(args[1]) : 60_000;
        Path dir = Files.createTempDirectory("meshfl-stream-train-bench");
        Path examples = Path.of("examples", "ads-stream");
        try (KafkaBroker broker = KafkaBroker.start()) {
            Path contracts = Files.createDirectories(dir.resolve("contracts"));
            for (String f : List.of("platform.impressions.yaml", "advertiser.conversions.yaml")) {
                Files.writeString(contracts.resolve(f), Files.readString(examples.resolve(f)).replace("127.0.0.1:9092", broker.bootstrap()));
            }
            Path joined = Files.createDirectories(dir.resolve("joined"));
            for (String f : List.of("platform.ads-joined.yaml", "advertiser.ads-joined.yaml", "job.yaml", "job-splitnn.yaml")) {
                Files.copy(examples.resolve("joined").resolve(f), joined.resolve(f));
            }
            Path data = dir.resolve("data");
            check(Main.execute("stream", "generate", "--bootstrap", broker.bootstrap(), "--impressions", String.valueOf(n), "--rate", "10"));
            check(Main.execute("stream", "keys", "--out", dir.resolve("keys").toString(), "--name", "platform"));
            check(Main.execute("stream", "keys", "--out", dir.resolve("keys").toString(), "--name", "advertiser"));
            ExecutorService pool = Executors.newSingleThreadExecutor(r -> {
                Thread t = new Thread(r, "leader");
                t.setDaemon(true);
                return t;
            });
            Future<Integer> leader = pool.submit(() -> Main.execute("stream", "join", "--side", "leader",
                    "--contract", contracts.resolve("platform.impressions.yaml").toString(), "--job", "ads",
                    "--key", dir.resolve("keys/platform.key").toString(), "--peer-public", dir.resolve("keys/advertiser.pub").toString(),
                    "--state", dir.resolve("state/platform").toString(), "--until-end", "3s"));
            check(Main.execute("stream", "join", "--side", "follower",
                    "--contract", contracts.resolve("advertiser.conversions.yaml").toString(), "--job", "ads",
                    "--key", dir.resolve("keys/advertiser.key").toString(), "--peer-public", dir.resolve("keys/platform.pub").toString(),
                    "--state", dir.resolve("state/advertiser").toString(), "--blocks", data.resolve("advertiser").toString(), "--until-end", "3s"));
            check(leader.get(3, TimeUnit.MINUTES));
            check(Main.execute("stream", "leader-blocks", "--contract", contracts.resolve("platform.impressions.yaml").toString(),
                    "--job", "ads", "--positions", data.resolve("advertiser").toString(), "--out", data.resolve("platform").toString(),
                    "--state", dir.resolve("state/platform").toString()));
            Manifest m = Manifest.read(data.resolve("advertiser"));
            long windows = m.blocks().stream().filter(b -> b.rows() > 0).count();

            StringBuilder md = new StringBuilder(String.format(Locale.ROOT, "Generated advertising streams: %,d impressions at 10 a second, joined "
                    + "through one Kafka broker into %,d examples in %d windows of 5 minutes. Batch: one run over all the examples, a random fifth "
                    + "held out. Prequential: `meshfl stream train --first %d --every 2`, each run scored on its own window; retrained: each run "
                    + "trained afresh on every earlier window; continual (`--continual`): each run after the first starts from the model before "
                    + "(`warmStart`) and trains on the windows since it only. One run of each.%n%n", n, m.rows(), windows, windows / 2));
            md.append("| model | prequential runs | batch AUC (held-out fifth) | prequential AUC, mean over windows | windows scored | prequential - batch | seconds (batch / all prequential runs) |\n"
                    + "|---|---|---:|---:|---:|---:|---:|\n");
            Path cat = dir.resolve("catalog");
            for (String job : List.of("job.yaml", "job-splitnn.yaml")) {
                long t0 = System.nanoTime();
                Path report = dir.resolve(job + ".report.json");
                check(Main.execute("run", "--job", joined.resolve(job).toString(), "--contracts", joined.toString(), "--catalog", cat.toString(),
                        "--report", report.toString()));
                double batchSeconds = (System.nanoTime() - t0) / 1e9;
                double batch = RunReport.JSON.readTree(report.toFile()).path("metrics").path("auc").asDouble();
                for (boolean continual : new boolean[]{false, true}) {
                    Path out = dir.resolve("windows-" + job + (continual ? "-continual" : ""));
                    long t1 = System.nanoTime();
                    List<String> cmd = new java.util.ArrayList<>(List.of("stream", "train", "--job", joined.resolve(job).toString(), "--contracts",
                            joined.toString(), "--catalog", cat.toString(), "--out", out.toString(), "--first", String.valueOf(windows / 2), "--every", "2"));
                    if (continual) cmd.add("--continual");
                    check(Main.execute(cmd.toArray(String[]::new)));
                    double preqSeconds = (System.nanoTime() - t1) / 1e9;
                    JsonNode preq = RunReport.JSON.readTree(out.resolve("prequential.json").toFile());
                    double mean = preq.path("mean_prequential_auc").asDouble();
                    md.append(String.format(Locale.ROOT, "| %s (`%s`) | %s | %.4f | %.4f | %d | %+.4f | %.1f / %.1f |%n",
                            job.equals("job.yaml") ? "vertical logistic regression" : "split network", job, continual ? "continual" : "retrained",
                            batch, mean, preq.path("windows").size(), mean - batch, batchSeconds, preqSeconds));
                }
            }
            md.append("\nBar for the split network: prequential AUC within 0.01 of batch.\n\n").append(Docs.stamp()).append("\n");
            System.out.print(md);
            Docs.replaceBlock(doc, "stream-train", md.toString());
        }
    }

    private static void check(int code) {
        if (code != 0) throw new IllegalStateException("a command failed (exit " + code + ")");
    }
}

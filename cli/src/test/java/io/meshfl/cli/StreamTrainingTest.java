package io.meshfl.cli;

import io.meshfl.stream.KafkaBroker;
import io.meshfl.stream.blocks.Manifest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * From two Kafka streams to a model, through the command line: the advertising example played into a
 * real broker, both parties' keys, the private windowed join (leader and follower), the leader's half
 * of the blocks, then a vertical logistic regression over the two joined-data products.
 */
class StreamTrainingTest {

    @Test
    void theJoinedBlocksOfTwoStreamsTrainAVerticalModel(@TempDir Path dir) throws Exception {
        try (KafkaBroker broker = KafkaBroker.start()) {
            Path contracts = Files.createDirectories(dir.resolve("contracts"));
            Path examples = Path.of("..", "examples", "ads-stream");
            for (String f : List.of("platform.impressions.yaml", "advertiser.conversions.yaml")) {
                Files.writeString(contracts.resolve(f), Files.readString(examples.resolve(f)).replace("127.0.0.1:9092", broker.bootstrap()));
            }
            Path joined = Files.createDirectories(dir.resolve("joined"));
            for (String f : List.of("platform.ads-joined.yaml", "advertiser.ads-joined.yaml", "job.yaml")) {
                Files.copy(examples.resolve("joined").resolve(f), joined.resolve(f));
            }
            Path data = dir.resolve("data");
            assertEquals(0, Main.execute("stream", "generate", "--bootstrap", broker.bootstrap(), "--impressions", "30000", "--rate", "10"));
            assertEquals(0, Main.execute("stream", "keys", "--out", dir.resolve("keys").toString(), "--name", "platform"));
            assertEquals(0, Main.execute("stream", "keys", "--out", dir.resolve("keys").toString(), "--name", "advertiser"));
            ExecutorService pool = Executors.newSingleThreadExecutor();
            Future<Integer> leader = pool.submit(() -> Main.execute("stream", "join", "--side", "leader",
                    "--contract", contracts.resolve("platform.impressions.yaml").toString(), "--job", "ads",
                    "--key", dir.resolve("keys/platform.key").toString(), "--peer-public", dir.resolve("keys/advertiser.pub").toString(),
                    "--state", dir.resolve("state/platform").toString(), "--until-end", "3s"));
            assertEquals(0, Main.execute("stream", "join", "--side", "follower",
                    "--contract", contracts.resolve("advertiser.conversions.yaml").toString(), "--job", "ads",
                    "--key", dir.resolve("keys/advertiser.key").toString(), "--peer-public", dir.resolve("keys/platform.pub").toString(),
                    "--state", dir.resolve("state/advertiser").toString(), "--blocks", data.resolve("advertiser").toString(), "--until-end", "3s"));
            assertEquals(0, leader.get(3, TimeUnit.MINUTES));
            pool.shutdown();
            assertEquals(0, Main.execute("stream", "leader-blocks", "--contract", contracts.resolve("platform.impressions.yaml").toString(),
                    "--job", "ads", "--positions", data.resolve("advertiser").toString(), "--out", data.resolve("platform").toString(),
                    "--state", dir.resolve("state/platform").toString()));
            Manifest follower = Manifest.read(data.resolve("advertiser"));
            Manifest leaderHalf = Manifest.read(data.resolve("platform"));
            assertEquals(follower.rows(), leaderHalf.rows());
            assertTrue(follower.rows() > 10_000, follower.rows() + " joined examples");
            assertEquals(30_000, leaderHalf.blocks().stream().mapToLong(Manifest.Block::in).sum(), "every impression counted on the leader's side");

            // the join's report: per window both sides' counts and the joined examples, the totals adding up to the manifests
            assertEquals(0, Main.execute("stream", "report", "--blocks", data.resolve("advertiser").toString(),
                    "--leader-blocks", data.resolve("platform").toString(), "--out", dir.resolve("join.json").toString()));
            var join = io.meshfl.stream.report.JoinReport.JSON.readTree(dir.resolve("join.json").toFile());
            assertEquals(follower.rows(), join.path("totals").path("joined").asLong());
            assertEquals(30_000, join.path("totals").path("leader_in").asLong());
            assertEquals(follower.blocks().size(), join.path("windows").size());
            assertEquals(0, join.path("problems").size(), join.path("problems").toString());
            assertTrue(join.path("windows").get(0).has("written_after_window_s"));
            assertTrue(Files.readString(dir.resolve("join.html")).contains("<svg"), "the page draws the windows");

            Path cat = dir.resolve("catalog");
            assertEquals(0, Main.execute("run", "--job", joined.resolve("job.yaml").toString(), "--contracts", joined.toString(),
                    "--catalog", cat.toString(), "--report", dir.resolve("r.json").toString()));
            var report = io.meshfl.core.report.RunReport.JSON.readTree(dir.resolve("r.json").toFile());
            assertEquals("vertical", report.path("plan").path("strategy").asText());
            assertEquals((double) follower.rows(), report.path("metrics").path("psi_intersection").asDouble(), "the two halves hold the same examples");
            double auc = report.path("metrics").path("auc").asDouble();
            assertTrue(auc > 0.8, "AUC " + auc + " in " + report.path("metrics"));
            System.out.printf("stream to model: %d joined examples, vertical logistic AUC %.4f%n", follower.rows(), auc);

            // window by window: each run trains on the earlier windows and is scored on its own, which it has not seen
            assertEquals(0, Main.execute("stream", "train", "--job", joined.resolve("job.yaml").toString(), "--contracts", joined.toString(),
                    "--catalog", cat.toString(), "--out", dir.resolve("windows").toString(),
                    "--first", String.valueOf(follower.blocks().stream().filter(b -> b.rows() > 0).count() - 4),
                    "--every", "2"));
            var preq = io.meshfl.core.report.RunReport.JSON.readTree(dir.resolve("windows").resolve("prequential.json").toFile());
            assertEquals(2, preq.path("windows").size(), preq.toString());
            java.util.Set<String> runs = new java.util.HashSet<>();
            long trainedBefore = 0;
            for (var w : preq.path("windows")) {
                long block = w.path("window").asLong();
                long rowsThere = follower.blocks().stream().filter(b -> b.index() == block).findFirst().orElseThrow().rows();
                assertEquals(rowsThere, w.path("eval_rows").asLong(), "scored on exactly the window's examples: " + w);
                long earlier = follower.blocks().stream().filter(b -> b.index() < block).mapToLong(Manifest.Block::rows).sum();
                assertEquals(earlier, w.path("train_rows").asLong(), "trained on exactly the earlier windows' examples: " + w);
                // the join's counts beside each run: the window's own, and the windows it trained on
                var own = follower.blocks().stream().filter(b -> b.index() == block).findFirst().orElseThrow();
                var joinOfWindow = w.path("join_of_window");
                assertEquals(2, joinOfWindow.size(), "both products' counts: " + joinOfWindow);
                for (var side : joinOfWindow) assertEquals(rowsThere, side.path("examples").asLong(), "each side's examples of the window: " + side);
                assertTrue(java.util.stream.StreamSupport.stream(joinOfWindow.spliterator(), false)
                        .anyMatch(side -> side.path("events_in").asLong() == own.in() && side.path("late").asLong() == own.late()),
                        "the follower's events taken and late in the window: " + joinOfWindow);
                for (var side : w.path("join_of_trained_windows")) assertEquals(earlier, side.path("examples").asLong(), "trained windows' examples: " + side);
                assertTrue(w.path("train_rows").asLong() > trainedBefore, "each window trains on more");
                trainedBefore = w.path("train_rows").asLong();
                assertTrue(w.path("auc").asDouble() > 0.8, "prequential AUC " + w);
                assertTrue(runs.add(w.path("run_id").asText()) && !w.path("model_id").asText().isEmpty(), "a run and a model of its own: " + w);
            }
            // and with the window's job in the catalog, beside its run
            try (io.meshfl.core.catalog.Catalog c = io.meshfl.core.catalog.Catalog.open(cat)) {
                for (var w : preq.path("windows")) {
                    long block = w.path("window").asLong();
                    long rowsThere = follower.blocks().stream().filter(b -> b.index() == block).findFirst().orElseThrow().rows();
                    var jobs = c.jobs().stream().filter(j -> j.specYaml().contains("Prequential run of window " + block + ":")).toList();
                    assertEquals(1, jobs.size(), "the window's job is in the catalog with the join's counts");
                    assertTrue(jobs.get(0).specYaml().contains(rowsThere + " examples"), jobs.get(0).specYaml());
                    // the run's product versions carry what the join did for their blocks, as fields the catalog keeps with them
                    long earlier = follower.blocks().stream().filter(b -> b.index() < block).mapToLong(Manifest.Block::rows).sum();
                    var versions = new java.util.ArrayList<>(c.runProducts(w.path("run_id").asText()));
                    assertEquals(2, versions.size(), "both products' views, at the versions the window's job pins: " + versions);
                    // the window's own product, which the run is scored on, is kept at its newest version
                    versions.add(c.requireProduct(preq.path("label_holder").asText() + "-window-" + block));
                    for (var v : versions) {
                        var contract = StreamTrain.YAML.readTree(v.contractYaml());
                        var counts = java.util.stream.StreamSupport.stream(contract.path("customProperties").spliterator(), false)
                                .filter(p -> p.path("property").asText().equals("meshfl.streamJoin")).findFirst().orElseThrow().path("value");
                        long total = counts.path("total").path("examples").asLong();
                        if (v.id().endsWith("-window-" + block)) assertEquals(rowsThere, total, "the window's own product: " + counts);
                        else if (v.version().endsWith("+before." + block)) assertEquals(earlier, total, "the label holder's training view: " + counts);
                        else assertEquals("1.0.0+through." + block, v.version(), "the other side's view through the window");
                        if (v.version().endsWith("+through." + block)) assertEquals(earlier + rowsThere, total, "the other side's view: " + counts);
                        assertEquals(counts.path("blocks").size(), java.util.stream.StreamSupport.stream(counts.path("blocks").spliterator(), false)
                                .filter(b -> b.has("events_in") && b.has("late") && b.has("written_after_window_s")).count(), "each block's counts: " + counts);
                    }
                }
            }
            System.out.printf("prequential: %s%n", preq.path("windows"));

            // continual: the second run starts from the first one's model and trains on the windows since it only
            int first = (int) follower.blocks().stream().filter(b -> b.rows() > 0).count() - 4;
            assertEquals(0, Main.execute("stream", "train", "--job", joined.resolve("job.yaml").toString(), "--contracts", joined.toString(),
                    "--catalog", cat.toString(), "--out", dir.resolve("windows-continual").toString(), "--first", String.valueOf(first),
                    "--every", "2", "--continual"));
            var cont = io.meshfl.core.report.RunReport.JSON.readTree(dir.resolve("windows-continual").resolve("prequential.json").toFile());
            assertEquals("continual", cont.path("mode").asText());
            assertEquals(2, cont.path("windows").size(), cont.toString());
            var c0 = cont.path("windows").get(0);
            var c1 = cont.path("windows").get(1);
            List<Manifest.Block> withRows = follower.blocks().stream().filter(b -> b.rows() > 0).toList();
            assertTrue(!c0.has("warm_start"), "the first run starts afresh: " + c0);
            assertEquals(preq.path("windows").get(0).path("train_rows").asLong(), c0.path("train_rows").asLong());
            assertEquals(c0.path("model_id").asText(), c1.path("warm_start").asText(), "the second starts from the first's model: " + c1);
            assertEquals(withRows.get(first).rows() + withRows.get(first + 1).rows(), c1.path("train_rows").asLong(),
                    "trained on the two windows since the first run only: " + c1);
            assertEquals(first + 2, c1.path("windows_in_model").asInt());
            assertTrue(c1.path("auc").asDouble() > 0.8, "continual prequential AUC " + c1);
            try (io.meshfl.core.catalog.Catalog c = io.meshfl.core.catalog.Catalog.open(cat)) {
                var prov = StreamTrain.YAML.readTree(c.model(c1.path("model_id").asText()).orElseThrow().provenanceJson());
                assertEquals(c0.path("model_id").asText(), prov.path("warm_start").path("model_id").asText(), "the model's lineage: " + prov);
                var versions = c.runProducts(c1.path("run_id").asText());
                assertTrue(versions.stream().anyMatch(v -> v.version().endsWith("+from." + withRows.get(first).index() + ".before."
                        + withRows.get(first + 2).index())), "the label holder's view of the windows since: " + versions);
            }
            System.out.printf("continual: %s%n", cont.path("windows"));

            // the same, following the join as it writes: the follower's blocks land one a second, the leader's half is written as
            // each lands, and each window is trained and scored once every side has it; the results equal the run over finished blocks
            Path live = dir.resolve("live");
            Path liveJoined = Files.createDirectories(live.resolve("joined"));
            for (String f : List.of("platform.ads-joined.yaml", "advertiser.ads-joined.yaml", "job.yaml")) Files.copy(joined.resolve(f), liveJoined.resolve(f));
            Path liveFollower = Files.createDirectories(live.resolve("data").resolve("advertiser"));
            ExecutorService followers = Executors.newFixedThreadPool(2);
            Future<Integer> leaderFollows = followers.submit(() -> Main.execute("stream", "leader-blocks", "--contract",
                    contracts.resolve("platform.impressions.yaml").toString(), "--job", "ads", "--positions", liveFollower.toString(),
                    "--out", live.resolve("data").resolve("platform").toString(), "--state", dir.resolve("state/platform").toString(), "--follow", "15s"));
            Future<Integer> trainFollows = followers.submit(() -> Main.execute("stream", "train", "--job", liveJoined.resolve("job.yaml").toString(),
                    "--contracts", liveJoined.toString(), "--catalog", dir.resolve("catalog-live").toString(), "--out", dir.resolve("windows-live").toString(),
                    "--first", String.valueOf(follower.blocks().stream().filter(b -> b.rows() > 0).count() - 4), "--every", "2", "--follow", "20s"));
            for (int k = 1; k <= follower.blocks().size(); k++) {
                Manifest.Block b = follower.blocks().get(k - 1);
                for (String f : List.of("block-" + b.index() + ".csv", "block-" + b.index() + ".refs")) {
                    Files.copy(data.resolve("advertiser").resolve(f), liveFollower.resolve(f));
                }
                new Manifest(follower.job(), follower.side(), follower.columns(), follower.spanMillis(), follower.blocks().subList(0, k),
                        java.util.Map.of(), java.util.Map.of(), 0, 0).write(liveFollower);
                Thread.sleep(1000);
            }
            assertEquals(0, leaderFollows.get(3, TimeUnit.MINUTES));
            assertEquals(0, trainFollows.get(5, TimeUnit.MINUTES));
            followers.shutdown();
            assertEquals(leaderHalf.blocks().stream().map(Manifest.Block::sha256).toList(),
                    Manifest.read(live.resolve("data").resolve("platform")).blocks().stream().map(Manifest.Block::sha256).toList(),
                    "the leader's half written as the blocks land is the one written after the join");
            var followed = io.meshfl.core.report.RunReport.JSON.readTree(dir.resolve("windows-live").resolve("prequential.json").toFile());
            assertEquals(preq.path("windows").size(), followed.path("windows").size(), followed.toString());
            for (int k = 0; k < preq.path("windows").size(); k++) {
                var a = preq.path("windows").get(k);
                var b = followed.path("windows").get(k);
                for (String f : List.of("window", "train_rows", "eval_rows")) assertEquals(a.path(f).asLong(), b.path(f).asLong(), f + " of " + b);
                assertEquals(a.path("auc").asDouble(), b.path("auc").asDouble(), 1e-9, "the same window's AUC, followed or not: " + b);
            }
            System.out.printf("followed: %s%n", followed.path("windows"));
        }
    }

}

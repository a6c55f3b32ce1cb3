package io.meshfl.stream;

import io.meshfl.core.contract.ContractLoader;
import io.meshfl.core.contract.DataContract;
import io.meshfl.stream.blocks.Manifest;
import io.meshfl.stream.gen.AdsStream;
import io.meshfl.stream.join.JoinKey;
import io.meshfl.stream.join.JoinSpec;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.SecureRandom;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** A follower whose events arrive as files: its parts go into its topic while the join runs, and the join finds what it would over Kafka. */
class FileStreamJoinTest {

    @Test
    void conversionsArrivingAsCsvPartsJoinAsTheSameEventsOnATopicDo(@TempDir Path dir) throws Exception {
        try (KafkaBroker broker = KafkaBroker.start()) {
            broker.createTopics(Map.of("files.impressions", 2, "files.conversions", 2));
            Path staging = dir.resolve("staging");
            AdsStream.Truth truth = AdsStream.play(AdsStream.withRate(AdsStream.Settings.of(20_000, 5), 10), broker.bootstrap(),
                    "files.impressions", staging, 4, s -> { });
            assertTrue(truth.late() > 0, "the generator made some conversions too late");

            Path contracts = Files.createDirectories(dir.resolve("contracts"));
            Files.writeString(contracts.resolve("imps.yaml"), Files.readString(Path.of("..", "examples", "ads-stream", "platform.impressions.yaml"))
                    .replace("127.0.0.1:9092", broker.bootstrap()).replace("topic: ads.impressions", "topic: files.impressions"));
            Files.writeString(contracts.resolve("convs.yaml"), Files.readString(Path.of("..", "examples", "ads-stream", "advertiser.conversions.yaml"))
                    .replace("127.0.0.1:9092", broker.bootstrap()).replace("topic: ads.conversions", "topic: files.conversions")
                    .replace("watermarkDelay: 60s", "watermarkDelay: 60s\n    parts: incoming/part-*.csv"));
            DataContract imps = ContractLoader.load(contracts.resolve("imps.yaml"), false);
            DataContract convs = ContractLoader.load(contracts.resolve("convs.yaml"), false);
            Path incoming = Files.createDirectories(contracts.resolve("incoming"));

            // half the parts are there when the join starts
            for (String p : List.of("part-00001.csv", "part-00002.csv")) Files.move(staging.resolve(p), incoming.resolve(p), StandardCopyOption.ATOMIC_MOVE);
            SecureRandom rnd = new SecureRandom();
            JoinSpec spec = StreamJoinTest.spec("files-a");
            CompletableFuture<Manifest> run = CompletableFuture.supplyAsync(() -> {
                try {
                    return StreamJoinTest.runInJvm(spec, dir, JoinKey.newSecret(rnd), JoinKey.newSecret(rnd), imps, convs);
                } catch (Exception e) {
                    throw new IllegalStateException(e);
                }
            });
            // the rest arrive once the first two are in the topic, while the join runs
            long firstTwo = Files.readAllLines(incoming.resolve("part-00001.csv")).size() + Files.readAllLines(incoming.resolve("part-00002.csv")).size() - 2;
            long deadline = System.nanoTime() + java.util.concurrent.TimeUnit.MINUTES.toNanos(2);
            while (committed(broker, "files.conversions") < firstTwo) {
                assertTrue(System.nanoTime() < deadline && !run.isDone(), "the first two parts go into the topic");
                Thread.sleep(200);
            }
            for (String p : List.of("part-00003.csv", "part-00004.csv")) Files.move(staging.resolve(p), incoming.resolve(p), StandardCopyOption.ATOMIC_MOVE);
            Manifest m = run.get();

            Set<String> found = new HashSet<>();
            long rows = 0;
            for (Manifest.Block b : m.blocks()) {
                List<String> lines = Files.readAllLines(dir.resolve("follower-blocks").resolve(b.file()));
                for (String line : lines.subList(1, lines.size())) found.add(line.substring(0, line.indexOf(',')));
                rows += lines.size() - 1;
            }
            assertEquals(rows, found.size(), "no example is written twice");
            long truePositives = found.stream().filter(truth.matched()::contains).count();
            double recall = truePositives / (double) truth.matched().size();
            double precision = truePositives / (double) found.size();
            assertTrue(recall >= 0.999, "recall " + recall + " (" + found.size() + " written, " + truth.matched().size() + " expected)");
            assertTrue(precision >= 0.999, "precision " + precision);
            assertEquals(truth.late(), m.blocks().stream().mapToLong(Manifest.Block::late).sum(),
                    "the parts' rows fall on the partitions the generator's truth assumes, so the late ones are exactly those it made late");
            assertEquals(truth.conversions(), committed(broker, "files.conversions"), "every row of every part is in the topic once");
            System.out.printf("file stream join: %d conversions in 4 parts, %d expected matches, %d written, recall %.5f, precision %.5f, %d late%n",
                    truth.conversions(), truth.matched().size(), found.size(), recall, precision, truth.late());
        }
    }

    static long committed(KafkaBroker broker, String topic) {
        java.util.Properties p = new java.util.Properties();
        p.put(org.apache.kafka.clients.consumer.ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrap());
        p.put(org.apache.kafka.clients.consumer.ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        long n = 0;
        try (var c = new org.apache.kafka.clients.consumer.KafkaConsumer<>(p, new org.apache.kafka.common.serialization.ByteArrayDeserializer(),
                new org.apache.kafka.common.serialization.ByteArrayDeserializer())) {
            var tps = c.partitionsFor(topic).stream().map(i -> new org.apache.kafka.common.TopicPartition(topic, i.partition())).toList();
            c.assign(tps);
            c.seekToBeginning(tps);
            var end = c.endOffsets(tps);
            while (tps.stream().anyMatch(tp -> c.position(tp) < end.get(tp))) n += c.poll(java.time.Duration.ofMillis(300)).count();
        }
        return n;
    }
}

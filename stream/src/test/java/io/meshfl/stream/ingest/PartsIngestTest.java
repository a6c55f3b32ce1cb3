package io.meshfl.stream.ingest;

import io.meshfl.core.contract.ContractLoader;
import io.meshfl.core.contract.DataContract;
import io.meshfl.stream.KafkaBroker;
import io.meshfl.stream.event.EventCodec;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.BooleanSupplier;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** A file stream's parts going into a real broker's topic: every row once, whatever arrives, changes or is killed. */
class PartsIngestTest {

    static KafkaBroker broker;

    @BeforeAll
    static void startBroker() throws Exception {
        broker = KafkaBroker.start();
    }

    @AfterAll
    static void stopBroker() throws Exception {
        if (broker != null) broker.close();
    }

    /** The example's conversions contract with its events arriving as parts in {@code folder}, into {@code topic}. */
    static DataContract contract(Path dir, String topic, String format) throws Exception {
        String yaml = Files.readString(Path.of("..", "examples", "ads-stream", "advertiser.conversions.yaml"))
                .replace("127.0.0.1:9092", broker.bootstrap()).replace("topic: ads.conversions", "topic: " + topic)
                .replace("watermarkDelay: 60s", "watermarkDelay: 60s\n    format: " + format + "\n    parts: incoming/part-*");
        Path f = dir.resolve(topic + ".yaml");
        Files.writeString(f, yaml);
        Files.createDirectories(dir.resolve("incoming"));
        return ContractLoader.load(f, false);
    }

    /** Rows {@code from} to {@code to} (exclusive) of conversions, one with {@code bad} as its pages_viewed when given. */
    static String csv(int from, int to, int badRow) {
        StringBuilder b = new StringBuilder("impression_id,ts,basket_value,pages_viewed,returning,purchased,campaign\n");
        for (int i = from; i < to; i++) {
            b.append(String.format("id%07d,%d,%s,%s,%d,%d,c%d%n", i, 1_700_000_000_000L + i * 1000L, (i % 97) + 0.25,
                    i == badRow ? "many" : Integer.toString(i % 12), i % 2, i % 3 == 0 ? 1 : 0, i % 5));
        }
        return b.toString();
    }

    /** Writes a part as a writer of a file stream does: under a hidden name, then renamed into place. */
    static void arrive(Path folder, String name, String text) throws Exception {
        Path tmp = folder.resolve("." + name + ".tmp");
        Files.writeString(tmp, text);
        Files.move(tmp, folder.resolve(name), StandardCopyOption.ATOMIC_MOVE);
    }

    /** Every committed event of a topic, by id (an id seen twice is kept twice in the list). */
    static List<ConsumerRecord<byte[], byte[]>> committed(String topic, long expected) throws Exception {
        Properties p = new Properties();
        p.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrap());
        p.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        List<ConsumerRecord<byte[], byte[]>> out = new ArrayList<>();
        try (KafkaConsumer<byte[], byte[]> c = new KafkaConsumer<>(p, new ByteArrayDeserializer(), new ByteArrayDeserializer())) {
            List<TopicPartition> tps = c.partitionsFor(topic).stream().map(i -> new TopicPartition(topic, i.partition())).toList();
            c.assign(tps);
            c.seekToBeginning(tps);
            Map<TopicPartition, Long> end = c.endOffsets(tps);
            long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
            while (System.nanoTime() < deadline && tps.stream().anyMatch(tp -> c.position(tp) < end.get(tp))) {
                for (ConsumerRecord<byte[], byte[]> r : c.poll(Duration.ofMillis(300))) out.add(r);
            }
        }
        assertEquals(expected, out.size(), "committed events on " + topic);
        return out;
    }

    /** What stopped the ingester, once it has stopped (within 30 s). */
    static IllegalStateException stopped(PartsIngest ingest, String what) throws Exception {
        await(() -> {
            try {
                ingest.failIfFailed();
                return false;
            } catch (IllegalStateException e) {
                return true;
            }
        }, Duration.ofSeconds(30), what);
        return assertThrows(IllegalStateException.class, ingest::failIfFailed);
    }

    static void await(BooleanSupplier done, Duration within, String what) throws Exception {
        long end = System.nanoTime() + within.toNanos();
        while (!done.getAsBoolean()) {
            if (System.nanoTime() > end) throw new AssertionError("timed out waiting for " + what);
            Thread.sleep(100);
        }
    }

    @Test
    void everyRowOfEveryArrivedPartGoesInOnceAndRowsThatDoNotFitAreNamedNotSent(@TempDir Path dir) throws Exception {
        broker.createTopics(Map.of("files.a", 2));
        DataContract c = contract(dir, "files.a", "json");
        Path in = dir.resolve("incoming");
        arrive(in, "part-00001.csv", csv(0, 1000, 500));
        // a Parquet part with the same columns, written by DuckDB from a CSV outside the folder
        Files.writeString(dir.resolve("second.csv"), csv(1000, 1500, -1));
        try (Connection conn = DriverManager.getConnection("jdbc:duckdb:"); Statement s = conn.createStatement()) {
            s.execute("COPY (SELECT * FROM read_csv('" + dir.resolve("second.csv") + "', header=true)) TO '" + in.resolve("part-00002.parquet") + "' (FORMAT PARQUET)");
        }
        // what a writer has not finished, and a marker file: not parts
        Files.writeString(in.resolve(".part-00003.csv.tmp"), csv(1500, 1600, -1));
        Files.writeString(in.resolve("_SUCCESS"), "");
        List<String> log = new CopyOnWriteArrayList<>();
        try (PartsIngest ingest = PartsIngest.start(c, 300, log::add)) {
            await(ingest::idle, Duration.ofSeconds(60), "the first two parts to go in");
            ingest.failIfFailed();
            assertEquals(1499, ingest.sent(), String.join("\n", log));
            assertEquals(1, ingest.rejected());
            assertTrue(log.stream().anyMatch(l -> l.contains("part-00001.csv line 502: column 'pages_viewed' is not an integer; row not sent")),
                    "the row that does not fit is named by part, line and column: " + log);
            assertTrue(log.stream().noneMatch(l -> l.contains("many")), "no cell value is logged");
            assertTrue(log.stream().anyMatch(l -> l.contains("[campaign] are not in the contract: not read")), "a column left unread is said: " + log);

            // a part arriving later goes in too
            Files.move(in.resolve(".part-00003.csv.tmp"), in.resolve("part-00003.csv"), StandardCopyOption.ATOMIC_MOVE);
            await(() -> ingest.sent() == 1599, Duration.ofSeconds(60), "the third part to go in");
            assertTrue(ingest.progress().values().stream().allMatch(PartsIngest.Progress::complete));
        }

        // the join's reader reads each event as the part's row: same cells, every id once, keyed by its id
        EventCodec codec = new EventCodec(c);
        Map<String, String[]> byId = new HashMap<>();
        for (ConsumerRecord<byte[], byte[]> r : committed("files.a", 1599)) {
            EventCodec.Parsed e = codec.parse(r.value());
            assertTrue(e.ok(), e.problem());
            assertEquals(e.event().key(), new String(r.key(), StandardCharsets.UTF_8));
            assertTrue(byId.put(e.event().key(), e.event().cells()) == null, "id " + e.event().key() + " once");
        }
        assertFalse(byId.containsKey("id0000500"), "the row that does not fit is not an event");
        String[] csvRow = byId.get("id0000007");
        assertEquals(List.of("id0000007", "1700000007000", "7.25", "7", "1", "0"), List.of(csvRow));
        String[] parquetRow = byId.get("id0001003");
        assertEquals(List.of("id0001003", "1700001003000", "33.25", "7", "1", "0"), List.of(parquetRow));
    }

    @Test
    void aPartThatChangesAfterItWentInStopsTheIngesterNamingIt(@TempDir Path dir) throws Exception {
        DataContract c = contract(dir, "files.b", "avro");
        Path in = dir.resolve("incoming");
        arrive(in, "part-00001.csv", csv(0, 200, -1));
        List<String> log = new CopyOnWriteArrayList<>();
        try (PartsIngest ingest = PartsIngest.start(c, 1000, log::add)) {
            await(ingest::idle, Duration.ofSeconds(60), "the part to go in");
            assertEquals(200, ingest.sent());
            Files.writeString(in.resolve("part-00001.csv"), csv(200, 210, -1), java.nio.file.StandardOpenOption.APPEND);
            IllegalStateException e = stopped(ingest, "the ingester to notice the change");
            assertTrue(e.getMessage().contains("part part-00001.csv changed after its rows began to go into the topic"), e.getMessage());
        }
        committed("files.b", 200);
    }

    @Test
    void aPartNamedNeitherCsvNorParquetIsRefusedNotSkipped(@TempDir Path dir) throws Exception {
        DataContract c = contract(dir, "files.c", "json");
        arrive(dir.resolve("incoming"), "part-00001.json", "{}");
        try (PartsIngest ingest = PartsIngest.start(c, 1000, s -> { })) {
            IllegalStateException e = stopped(ingest, "the ingester to refuse the part");
            assertTrue(e.getMessage().contains("part part-00001.json is neither .csv nor .parquet"), e.getMessage());
        }
    }

    @Test
    void aFolderOrPartOthersMayWriteIsRefusedNamingIt(@TempDir Path dir) throws Exception {
        DataContract c = contract(dir, "files.e", "json");
        Path in = dir.resolve("incoming");
        arrive(in, "part-00001.csv", csv(0, 10, -1));
        java.util.function.Function<String, String> refusal = perms -> {
            try (PartsIngest ingest = PartsIngest.start(c, 1000, s -> { })) {
                return stopped(ingest, "the ingester to refuse " + perms).getMessage();
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        };
        Files.setPosixFilePermissions(in, java.nio.file.attribute.PosixFilePermissions.fromString("rwxrwxrwx"));
        String m = refusal.apply("the folder");
        assertTrue(m.contains("the parts' folder " + in + " may be written by other accounts of the host"), m);
        Files.setPosixFilePermissions(in, java.nio.file.attribute.PosixFilePermissions.fromString("rwxr-xr-x"));
        Files.setPosixFilePermissions(in.resolve("part-00001.csv"), java.nio.file.attribute.PosixFilePermissions.fromString("rw-rw-r--"));
        m = refusal.apply("the part");
        assertTrue(m.contains("part part-00001.csv may be written by other accounts of the host"), m);
        committed("files.e", 0);
    }

    @Test
    void anIngesterKilledMidPartAndRestartedPutsEveryRowInOnce(@TempDir Path dir) throws Exception {
        broker.createTopics(Map.of("files.d", 2));
        DataContract c = contract(dir, "files.d", "json");
        int rows = 300_000;
        arrive(dir.resolve("incoming"), "part-00001.csv", csv(0, rows, -1));
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        Process p = new ProcessBuilder(java, "-Xmx256m", "-cp", System.getProperty("java.class.path"), PartsIngest.class.getName(),
                dir.resolve("files.d.yaml").toString(), "1000").redirectErrorStream(true).redirectOutput(dir.resolve("ingest-1.log").toFile()).start();
        try {
            // killed once some chunks are committed, mid-part
            await(() -> committedProgress(dir, "files.d") >= 20_000 || !p.isAlive(), Duration.ofMinutes(2), "20 chunks to be committed");
        } finally {
            p.destroyForcibly().waitFor();
        }
        long atKill = committedProgress(dir, "files.d");
        assertTrue(atKill >= 20_000 && atKill < rows, "killed mid-part (" + atKill + " of " + rows + " rows committed): "
                + Files.readString(dir.resolve("ingest-1.log")));

        List<String> log = new CopyOnWriteArrayList<>();
        try (PartsIngest again = PartsIngest.start(c, 1000, log::add)) {
            await(again::idle, Duration.ofMinutes(2), "the restarted ingester to finish the part");
            again.failIfFailed();
            assertEquals(rows, again.sent());
        }
        assertTrue(log.stream().anyMatch(l -> l.contains("0 parts already in files.d, 1 in part")), "the restart goes on from the progress: " + log);
        Set<String> ids = new HashSet<>();
        for (ConsumerRecord<byte[], byte[]> r : committed("files.d", rows)) {
            assertTrue(ids.add(new String(r.key(), StandardCharsets.UTF_8)), "no row goes in twice");
        }
    }

    /** Rows of part-00001.csv that the progress topic says are committed, as a fresh reader sees it. */
    static long committedProgress(Path dir, String topic) {
        Properties p = new Properties();
        p.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrap());
        p.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        TopicPartition tp = new TopicPartition(PartsIngest.progressTopic(topic), 0);
        long rows = 0;
        try (org.apache.kafka.clients.admin.Admin admin = org.apache.kafka.clients.admin.Admin.create(Map.of(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrap()))) {
            if (!admin.listTopics().names().get().contains(tp.topic())) return 0;
        } catch (InterruptedException | java.util.concurrent.ExecutionException e) {
            throw new IllegalStateException(e);
        }
        try (KafkaConsumer<byte[], byte[]> c = new KafkaConsumer<>(p, new ByteArrayDeserializer(), new ByteArrayDeserializer())) {
            c.assign(List.of(tp));
            c.seekToBeginning(List.of(tp));
            long end = c.endOffsets(List.of(tp)).get(tp);
            com.fasterxml.jackson.databind.ObjectMapper json = new com.fasterxml.jackson.databind.ObjectMapper();
            while (c.position(tp) < end) {
                for (ConsumerRecord<byte[], byte[]> r : c.poll(Duration.ofMillis(200))) {
                    try {
                        rows = json.readValue(r.value(), PartsIngest.Progress.class).rows();
                    } catch (java.io.IOException e) {
                        throw new java.io.UncheckedIOException(e);
                    }
                }
            }
        }
        return rows;
    }
}

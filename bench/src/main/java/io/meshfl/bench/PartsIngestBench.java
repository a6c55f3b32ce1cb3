package io.meshfl.bench;

import io.meshfl.core.contract.ContractLoader;
import io.meshfl.core.contract.DataContract;
import io.meshfl.core.contract.Property;
import io.meshfl.stream.KafkaBroker;
import io.meshfl.stream.gen.AdsStream;
import io.meshfl.stream.ingest.PartsIngest;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;

/**
 * A file stream's parts into its topic, exactly once, beside two floors in one run: the generated
 * conversions ({@code n} impressions' worth) as 8 CSV parts; floor 1 reads every part's rows with
 * DuckDB as the ingester does; floor 2 reads them and sends each row as a JSON event keyed by its id
 * through one idempotent producer without transactions (what any mover must do); the ingester adds
 * the contract's type checks, a transaction per 20,000 rows with the part's progress, and its SHA-256
 * of each part before and after. Usage: {@code PartsIngestBench DOC [n [chunkRows]]}.
 */
public final class PartsIngestBench {

    private PartsIngestBench() {
    }

    public static void main(String[] args) throws Exception {
        Path doc = Docs.docPath(args);
        long n = args.length > 1 ? Long.parseLong(args[1]) : 1_000_000;
        Path dir = Files.createTempDirectory("meshfl-ingest-bench");
        try (KafkaBroker broker = KafkaBroker.start()) {
            broker.createTopics(Map.of("files.impressions", 2, "files.floor", 2, "files.conversions", 2));
            Path staging = dir.resolve("staging");
            AdsStream.Truth truth = AdsStream.play(AdsStream.withRate(AdsStream.Settings.of(n, 7), 200), broker.bootstrap(), "files.impressions",
                    staging, 8, s -> System.out.println("  " + s));
            long rows = truth.conversions();
            long bytes = 0;
            try (var files = Files.list(staging)) {
                for (Path p : files.toList()) bytes += Files.size(p);
            }
            double read = Double.MAX_VALUE;
            double readSend = Double.MAX_VALUE;
            double ingest = Double.MAX_VALUE;
            int chunk = args.length > 2 ? Integer.parseInt(args[2]) : PartsIngest.CHUNK_ROWS;
            for (int rep = 0; rep < 2; rep++) {
                // each ingest run into a topic of its own, so the second one finds no progress of the first
                String topic = "files.conversions-" + rep;
                broker.createTopics(Map.of(topic, 2));
                Path contract = dir.resolve("conversions-" + rep + ".yaml");
                Files.writeString(contract, Files.readString(Path.of("examples", "ads-stream", "advertiser.conversions.yaml"))
                        .replace("127.0.0.1:9092", broker.bootstrap()).replace("topic: ads.conversions", "topic: " + topic)
                        .replace("watermarkDelay: 60s", "watermarkDelay: 60s\n    parts: staging/part-*.csv"));
                DataContract c = ContractLoader.load(contract, false);
                List<String> columns = c.properties().stream().map(Property::name).toList();
                read = Math.min(read, floor(staging, columns, null, rows));
                readSend = Math.min(readSend, floor(staging, columns, broker.bootstrap(), rows));
                long t0 = System.nanoTime();
                try (PartsIngest in = PartsIngest.start(c, chunk, s -> { })) {
                    while (!in.idle() || in.sent() < rows) {
                        in.failIfFailed();
                        Thread.sleep(20);
                    }
                    if (in.sent() != rows || in.rejected() != 0) throw new IllegalStateException("ingested " + in.sent() + " of " + rows);
                }
                ingest = Math.min(ingest, (System.nanoTime() - t0) / 1e9);
                System.out.printf(Locale.ROOT, "run %d: read %.2f s, read and send %.2f s, ingest %.2f s%n", rep + 1, read, readSend, ingest);
            }

            StringBuilder md = new StringBuilder();
            md.append(String.format(Locale.ROOT, "The generated conversions of %,d impressions (`examples/ads-stream`): %,d rows in 8 CSV parts (%.1f MB), "
                    + "into a 2-partition topic of one Kafka %s broker (KRaft, its own JVM on the same machine), JSON events keyed by id. Every row: best of 2 runs.%n%n",
                    truth.impressions(), rows, bytes / 1e6, org.apache.kafka.common.utils.AppInfoParser.getVersion()));
            md.append("| | seconds | rows/s | vs read and send |\n|---|---:|---:|---:|\n");
            md.append(String.format(Locale.ROOT, "| floor: DuckDB reads every row of every part as text | %.2f | %,.0f | |%n", read, rows / read));
            md.append(String.format(Locale.ROOT, "| floor: the same, and each row sent as a JSON event by one idempotent producer, no transactions | %.2f | %,.0f | 1.00x |%n",
                    readSend, rows / readSend));
            md.append(String.format(Locale.ROOT, "| `PartsIngest`: type checks, a transaction per %,d rows with the part's progress, SHA-256 of each part twice, "
                    + "until every part is in | %.2f | %,.0f | %.2fx |%n%n", chunk, ingest, rows / ingest, ingest / readSend));
            md.append(Docs.stamp()).append("\n");
            System.out.print(md);
            Docs.replaceBlock(doc, "ingest", md.toString());
        }
    }

    /** Reads every part's rows (and, with a bootstrap, sends each as a JSON event keyed by its id); seconds. */
    static double floor(Path staging, List<String> columns, String bootstrap, long expected) throws Exception {
        long t0 = System.nanoTime();
        long seen = 0;
        Properties p = new Properties();
        p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap == null ? "127.0.0.1:1" : bootstrap);
        p.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, "true");
        p.put(ProducerConfig.ACKS_CONFIG, "all");
        p.put(ProducerConfig.LINGER_MS_CONFIG, "20");
        p.put(ProducerConfig.BATCH_SIZE_CONFIG, "262144");
        p.put(ProducerConfig.COMPRESSION_TYPE_CONFIG, "lz4");
        try (KafkaProducer<byte[], byte[]> producer = bootstrap == null ? null : new KafkaProducer<>(p, new ByteArraySerializer(), new ByteArraySerializer());
             Connection conn = DriverManager.getConnection("jdbc:duckdb:");
             var parts = Files.list(staging)) {
            StringBuilder select = new StringBuilder();
            for (String col : columns) select.append(select.length() == 0 ? "" : ", ").append("CAST(\"").append(col).append("\" AS VARCHAR)");
            for (Path part : parts.filter(f -> f.getFileName().toString().startsWith("part-")).sorted().toList()) {
                try (Statement s = conn.createStatement();
                     ResultSet rs = s.executeQuery("SELECT " + select + " FROM read_csv('" + part + "', header=true, all_varchar=true)")) {
                    while (rs.next()) {
                        String[] cells = new String[columns.size()];
                        for (int i = 0; i < cells.length; i++) cells[i] = rs.getString(i + 1);
                        seen++;
                        if (producer == null) continue;
                        StringBuilder json = new StringBuilder("{");
                        for (int i = 0; i < cells.length; i++) {
                            if (i > 0) json.append(',');
                            json.append('"').append(columns.get(i)).append("\":\"").append(cells[i]).append('"');
                        }
                        producer.send(new ProducerRecord<>("files.floor", cells[0].getBytes(StandardCharsets.UTF_8), json.append('}').toString().getBytes(StandardCharsets.UTF_8)));
                    }
                }
            }
            if (producer != null) producer.flush();
        }
        if (seen != expected) throw new IllegalStateException("the floor read " + seen + " rows, " + expected + " were written");
        return (System.nanoTime() - t0) / 1e9;
    }
}

package io.meshfl.stream.gen;

import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Properties;
import java.util.SplittableRandom;
import java.util.function.Consumer;

/**
 * A generated advertising pair of streams with a known answer: a platform's impressions (with the
 * platform's features) and an advertiser's conversions (with the advertiser's features and whether
 * the visit ended in a purchase), each conversion 0 to 30 minutes of event time after its
 * impression and arriving up to {@code jitter} out of order. A few conversions are deliberately too
 * late (they arrive minutes behind their partition's newest event) and a few fall outside the
 * window; the generator knows which, so a join can be checked exactly against it.
 */
public final class AdsStream {

    /** The generator's settings. */
    public record Settings(long impressions, long seed, long startMillis, int impressionsPerSecond, int partitions,
                           Duration within, Duration watermarkDelay, double lateShare, double outsideShare) {
        /**
         * Defaults: 50 impressions a second of event time from the start of yesterday (UTC), so the events fall inside the
         * topics' retention, which Kafka measures from record timestamps.
         */
        public static Settings of(long impressions, long seed) {
            long start = java.time.Instant.now().truncatedTo(java.time.temporal.ChronoUnit.DAYS).minus(Duration.ofDays(1)).toEpochMilli();
            return new Settings(impressions, seed, start, 50, 2, Duration.ofMinutes(30), Duration.ofSeconds(60), 0.001, 0.005);
        }
    }

    /** The same settings with another rate of impressions per second of event time. */
    public static Settings withRate(Settings s, int perSecond) {
        return new Settings(s.impressions(), s.seed(), s.startMillis(), perSecond, s.partitions(), s.within(), s.watermarkDelay(),
                s.lateShare(), s.outsideShare());
    }

    /** What the join should find: the impressions whose conversion is inside the window and on time, and what it should drop. */
    public record Truth(long impressions, long conversions, HashSet<String> matched, long late, long outside) {
    }

    /** One event, already serialized, with its partition and the moment it arrives (its place in its topic). */
    private record Arrival(long arrives, int partition, byte[] json, long time) {
    }

    private AdsStream() {
    }

    /**
     * Plays both streams into Kafka (impressions, then conversions, each in arrival order; topics
     * created with the settings' partitions where they do not exist) and returns the truth.
     */
    public static Truth play(Settings s, String bootstrap, String impressionsTopic, String conversionsTopic, Consumer<String> progress) {
        return play(s, bootstrap, impressionsTopic, conversionsTopic, v -> v, v -> v, progress);
    }

    /**
     * The same with each event's value written by {@code impressionValue} and {@code conversionValue} from its JSON (for
     * example {@link #avro}), the events and the truth unchanged.
     */
    public static Truth play(Settings s, String bootstrap, String impressionsTopic, String conversionsTopic,
                             java.util.function.UnaryOperator<byte[]> impressionValue, java.util.function.UnaryOperator<byte[]> conversionValue,
                             Consumer<String> progress) {
        createTopics(s, bootstrap, List.of(impressionsTopic, conversionsTopic));
        Generated g = generate(s);
        try (KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(producerProperties(bootstrap), new ByteArraySerializer(), new ByteArraySerializer())) {
            send(producer, impressionsTopic, g.impressions, impressionValue, progress, "impressions");
            send(producer, conversionsTopic, g.conversions, conversionValue, progress, "conversions");
            producer.flush();
        }
        return g.truth;
    }

    /** Creates the topics with the settings' partitions where they do not exist; an existing one with other partitions is refused. */
    private static void createTopics(Settings s, String bootstrap, List<String> topics) {
        io.meshfl.stream.KafkaLogs.quiet();
        try (org.apache.kafka.clients.admin.Admin admin = org.apache.kafka.clients.admin.Admin.create(
                io.meshfl.stream.KafkaConnection.client(bootstrap))) {
            java.util.Set<String> have = admin.listTopics().names().get();
            List<org.apache.kafka.clients.admin.NewTopic> missing = new ArrayList<>();
            for (String t : topics) {
                if (!have.contains(t)) missing.add(new org.apache.kafka.clients.admin.NewTopic(t, java.util.Optional.of(s.partitions()), java.util.Optional.empty()));
            }
            if (!missing.isEmpty()) admin.createTopics(missing).all().get();
            for (var d : admin.describeTopics(topics).allTopicNames().get().values()) {
                if (d.partitions().size() != s.partitions()) {
                    throw new IllegalArgumentException("topic " + d.name() + " has " + d.partitions().size() + " partitions, the generator writes "
                            + s.partitions() + "; use another topic or --partitions " + d.partitions().size());
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while creating the topics", e);
        } catch (java.util.concurrent.ExecutionException e) {
            throw new IllegalStateException("the topics cannot be created at " + bootstrap + ": " + e.getCause().getMessage(), e);
        }
    }

    private static Properties producerProperties(String bootstrap) {
        Properties p = io.meshfl.stream.KafkaConnection.client(bootstrap);
        p.put(ProducerConfig.ACKS_CONFIG, "all");
        p.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, "true");
        p.put(ProducerConfig.LINGER_MS_CONFIG, "20");
        p.put(ProducerConfig.BATCH_SIZE_CONFIG, "262144");
        p.put(ProducerConfig.COMPRESSION_TYPE_CONFIG, "lz4");
        return p;
    }

    /** Writes a generated event's JSON as an Avro record of {@code contract}'s schema ({@link io.meshfl.stream.event.AvroValues}). */
    public static java.util.function.UnaryOperator<byte[]> avro(io.meshfl.core.contract.DataContract contract) {
        io.meshfl.stream.event.AvroValues.Encoder enc = io.meshfl.stream.event.AvroValues.encoder(contract);
        com.fasterxml.jackson.databind.ObjectMapper json = new com.fasterxml.jackson.databind.ObjectMapper();
        return v -> {
            try {
                return enc.encode(json.readValue(v, new com.fasterxml.jackson.core.type.TypeReference<java.util.Map<String, Object>>() { }));
            } catch (java.io.IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
        };
    }

    private static void send(KafkaProducer<byte[], byte[]> producer, String topic, List<Arrival> events, java.util.function.UnaryOperator<byte[]> value,
                             Consumer<String> progress, String what) {
        long n = 0;
        for (Arrival a : events) {
            producer.send(new ProducerRecord<>(topic, a.partition, a.time, null, value.apply(a.json)));
            if (++n % 200_000 == 0) progress.accept(what + ": " + n + " of " + events.size() + " sent");
        }
        producer.flush();
        progress.accept(what + ": " + events.size() + " sent to " + topic);
    }

    /**
     * The partition Kafka's producer gives a record keyed by {@code id}: the generator places its events there, so
     * the same events keyed by their ids (as parts going into a topic are) fall on the same partitions in the same order.
     */
    static int partitionOf(String id, int partitions) {
        return org.apache.kafka.common.utils.Utils.toPositive(org.apache.kafka.common.utils.Utils.murmur2(id.getBytes(StandardCharsets.UTF_8))) % partitions;
    }

    /**
     * Plays the impressions into Kafka and writes the conversions, in arrival order, as {@code parts} CSV files
     * ({@code part-00001.csv}, ...) into {@code folder}, each written under a hidden name and renamed into place when
     * complete, as a writer of a file stream does; returns the truth.
     */
    public static Truth play(Settings s, String bootstrap, String impressionsTopic, Path folder, int parts, Consumer<String> progress) {
        createTopics(s, bootstrap, List.of(impressionsTopic));
        Generated g = generate(s);
        try (KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(producerProperties(bootstrap), new ByteArraySerializer(), new ByteArraySerializer())) {
            send(producer, impressionsTopic, g.impressions, v -> v, progress, "impressions");
        }
        writeParts(g.conversions, folder, parts);
        progress.accept("conversions: " + g.conversions.size() + " written as " + parts + " parts in " + folder);
        return g.truth;
    }

    private static void writeParts(List<Arrival> events, Path folder, int parts) {
        com.fasterxml.jackson.databind.ObjectMapper json = new com.fasterxml.jackson.databind.ObjectMapper();
        try {
            java.nio.file.Files.createDirectories(folder);
            int per = (events.size() + parts - 1) / parts;
            for (int k = 0; k < parts; k++) {
                String name = String.format(java.util.Locale.ROOT, "part-%05d.csv", k + 1);
                Path tmp = folder.resolve("." + name + ".tmp");
                try (java.io.BufferedWriter w = java.nio.file.Files.newBufferedWriter(tmp)) {
                    List<String> header = null;
                    for (Arrival a : events.subList(Math.min(events.size(), k * per), Math.min(events.size(), (k + 1) * per))) {
                        java.util.LinkedHashMap<String, Object> row = json.readValue(a.json, new com.fasterxml.jackson.core.type.TypeReference<>() { });
                        if (header == null) {
                            header = List.copyOf(row.keySet());
                            w.write(String.join(",", header));
                            w.newLine();
                        }
                        StringBuilder line = new StringBuilder();
                        for (String h : header) line.append(line.length() == 0 ? "" : ",").append(row.get(h));
                        w.write(line.toString());
                        w.newLine();
                    }
                }
                java.nio.file.Files.move(tmp, folder.resolve(name), java.nio.file.StandardCopyOption.ATOMIC_MOVE);
            }
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException("the conversions' parts cannot be written in " + folder, e);
        }
    }

    /** Both streams in arrival order, and the truth. */
    record Generated(List<Arrival> impressions, List<Arrival> conversions, Truth truth) {
    }

    static Generated generate(Settings s) {
        SplittableRandom r = new SplittableRandom(s.seed());
        List<Arrival> imps = new ArrayList<>((int) s.impressions());
        List<Arrival> convs = new ArrayList<>();
        HashSet<String> matched = new HashSet<>();
        long withinMs = s.within().toMillis();
        long spacing = 1000L / s.impressionsPerSecond();
        // conversion candidates: id, time, arrival, kind (0 on time, 1 deliberately late, 2 outside the window)
        List<long[]> convMeta = new ArrayList<>();
        List<String> convIds = new ArrayList<>();
        List<byte[]> convJson = new ArrayList<>();
        for (long i = 0; i < s.impressions(); i++) {
            long t = s.startMillis() + i * spacing + r.nextLong(Math.max(1, spacing));
            String id = Long.toHexString(r.nextLong() | Long.MIN_VALUE);
            int slot = r.nextInt(10);
            int hour = (int) ((t / 3_600_000L) % 24);
            int age = 18 + r.nextInt(63);
            double quality = r.nextDouble();
            double ctr = r.nextDouble() * 0.2;
            int partition = partitionOf(id, s.partitions());
            imps.add(new Arrival(t, partition, json("{\"impression_id\":\"" + id + "\",\"ts\":" + t + ",\"slot\":" + slot + ",\"hour\":" + hour
                    + ",\"user_age\":" + age + ",\"ad_quality\":" + round(quality) + ",\"hist_ctr\":" + round(ctr) + "}"), t));
            double convert = 0.15 + 0.25 * quality + ctr;
            if (r.nextDouble() >= convert) continue;
            double kindDraw = r.nextDouble();
            int kind = kindDraw < s.lateShare() ? 1 : kindDraw < s.lateShare() + s.outsideShare() ? 2 : 0;
            long delay = kind == 2 ? withinMs + 1 + r.nextLong(withinMs / 3) : r.nextLong(withinMs + 1);
            long ct = t + delay;
            long jitter = kind == 1 ? s.watermarkDelay().toMillis() * 5 + r.nextLong(s.watermarkDelay().toMillis() * 5)
                    : r.nextLong(Math.max(1, s.watermarkDelay().toMillis() / 2));
            double basket = Math.max(0, 40 + 30 * r.nextGaussian());
            int pages = 1 + r.nextInt(12);
            int returning = r.nextDouble() < 0.35 ? 1 : 0;
            double logit = -2.0 + 2.0 * quality + 0.03 * (age - 40) + 0.02 * (basket - 40) + 0.15 * pages + 0.9 * returning
                    - 0.1 * slot + 4 * ctr + r.nextGaussian() * 0.5;
            int purchased = logit > 0 ? 1 : 0;
            convMeta.add(new long[]{ct, ct + jitter, kind});
            convIds.add(id);
            convJson.add(json("{\"impression_id\":\"" + id + "\",\"ts\":" + ct + ",\"basket_value\":" + round(basket) + ",\"pages_viewed\":" + pages
                    + ",\"returning\":" + returning + ",\"purchased\":" + purchased + "}"));
        }
        Integer[] order = new Integer[convMeta.size()];
        for (int k = 0; k < order.length; k++) order[k] = k;
        Arrays.sort(order, (a, b) -> Long.compare(convMeta.get(a)[1], convMeta.get(b)[1]));
        // replay arrival order per partition to know exactly which conversions are behind their partition's watermark
        long[] newest = new long[s.partitions()];
        Arrays.fill(newest, Long.MIN_VALUE);
        long late = 0;
        long outside = 0;
        for (int k : order) {
            long[] m = convMeta.get(k);
            String id = convIds.get(k);
            int partition = partitionOf(id, s.partitions());
            convs.add(new Arrival(m[1], partition, convJson.get(k), m[0]));
            boolean isLate = newest[partition] != Long.MIN_VALUE && m[0] < newest[partition] - s.watermarkDelay().toMillis();
            if (!isLate) newest[partition] = Math.max(newest[partition], m[0]);
            if (isLate) late++;
            else if (m[2] == 2) outside++;
            else matched.add(id);
        }
        return new Generated(imps, convs, new Truth(imps.size(), convs.size(), matched, late, outside));
    }

    private static String round(double v) {
        return Double.toString(Math.round(v * 10000) / 10000.0);
    }

    private static byte[] json(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }
}

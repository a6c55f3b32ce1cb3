package io.meshfl.stream.join;

import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.ListOffsetsOptions;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.IsolationLevel;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.TopicExistsException;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.state.BuiltInDslStoreSuppliers;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.concurrent.ExecutionException;
import java.util.function.Consumer;

/**
 * What every Kafka Streams application of a join shares: its settings, the topics it creates or
 * waits for, whether it has caught up with its inputs, and the sealed marks written beside it.
 */
final class JoinApps {

    private JoinApps() {
    }

    /** The settings of every Kafka Streams application of a join: exactly once, state in memory, restored from changelogs. */
    static Properties properties(String applicationId, String bootstrap, Path stateDir) {
        // the connection settings apply to every client of the application (Kafka Streams passes them on)
        Properties p = io.meshfl.stream.KafkaConnection.client(bootstrap);
        p.put(StreamsConfig.APPLICATION_ID_CONFIG, applicationId);
        p.put(StreamsConfig.PROCESSING_GUARANTEE_CONFIG, StreamsConfig.EXACTLY_ONCE_V2);
        p.put(StreamsConfig.STATE_DIR_CONFIG, stateDir.toString());
        // the window's state is held in memory and restored from its changelog topic after a restart
        p.put(StreamsConfig.DSL_STORE_SUPPLIERS_CLASS_CONFIG, BuiltInDslStoreSuppliers.InMemoryDslStoreSuppliers.class);
        // the join keeps each side's state until the other side's watermark has passed it, so it may take records in any
        // order: a task never waits for its other input
        p.put(StreamsConfig.MAX_TASK_IDLE_MS_CONFIG, -1L);
        p.put(StreamsConfig.COMMIT_INTERVAL_MS_CONFIG, 1000L);
        p.put(StreamsConfig.STATESTORE_CACHE_MAX_BYTES_CONFIG, 32L * 1024 * 1024);
        p.put(StreamsConfig.consumerPrefix("max.poll.records"), 5000);
        // a party killed and restarted gets its partitions back after this, not after the default 45 s
        p.put(StreamsConfig.consumerPrefix("session.timeout.ms"), 10000);
        p.put(StreamsConfig.producerPrefix("linger.ms"), 20);
        p.put(StreamsConfig.producerPrefix("batch.size"), 262144);
        return p;
    }

    /** The partitions of a topic another party creates, waiting for it to appear. */
    static int awaitTopic(Admin admin, String topic, String what, Duration timeout, Consumer<String> log) throws InterruptedException, ExecutionException {
        long end = System.nanoTime() + timeout.toNanos();
        boolean said = false;
        while (true) {
            try {
                return admin.describeTopics(List.of(topic)).allTopicNames().get().get(topic).partitions().size();
            } catch (ExecutionException e) {
                if (!(e.getCause() instanceof org.apache.kafka.common.errors.UnknownTopicOrPartitionException) || System.nanoTime() > end) throw e;
                if (!said) log.accept("waiting for " + what + " (topic " + topic + ")");
                said = true;
                Thread.sleep(500);
            }
        }
    }

    static void create(Admin admin, String topic, int partitions) throws InterruptedException, ExecutionException {
        try {
            admin.createTopics(List.of(new NewTopic(topic, Optional.of(partitions), Optional.empty()))).all().get();
        } catch (ExecutionException e) {
            if (!(e.getCause() instanceof TopicExistsException)) throw e;
        }
    }

    /** Whether an application's committed positions have reached the last stable offset of every partition of {@code sources}. */
    static boolean caughtUp(Admin admin, String applicationId, List<String> sources) {
        try {
            Map<TopicPartition, OffsetAndMetadata> committed = admin.listConsumerGroupOffsets(applicationId)
                    .partitionsToOffsetAndMetadata().get();
            java.util.Set<TopicPartition> inputs = new java.util.HashSet<>(committed.keySet());
            admin.describeTopics(sources).allTopicNames().get().forEach((name, d) ->
                    d.partitions().forEach(pi -> inputs.add(new TopicPartition(name, pi.partition()))));
            Map<TopicPartition, OffsetSpec> latest = new java.util.HashMap<>();
            for (TopicPartition tp : inputs) latest.put(tp, OffsetSpec.latest());
            var ends = admin.listOffsets(latest, new ListOffsetsOptions(IsolationLevel.READ_COMMITTED)).all().get();
            for (TopicPartition tp : inputs) {
                OffsetAndMetadata c = committed.get(tp);
                if ((c == null ? 0 : c.offset()) < ends.get(tp).offset()) return false;
            }
            return true;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        } catch (ExecutionException e) {
            return false;
        }
    }

    /** One sealed mark on every partition of {@code topic}. */
    static void writeMarks(String bootstrap, String topic, java.util.function.IntFunction<byte[]> mark) {
        Properties p = io.meshfl.stream.KafkaConnection.client(bootstrap);
        p.put(ProducerConfig.ACKS_CONFIG, "all");
        try (KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(p, new ByteArraySerializer(), new ByteArraySerializer())) {
            int partitions = producer.partitionsFor(topic).size();
            for (int i = 0; i < partitions; i++) producer.send(new ProducerRecord<>(topic, i, new byte[0], mark.apply(i)));
            producer.flush();
        }
    }

    /** The partitions of {@code topic} whose every committed record the application has processed and committed. */
    static java.util.Set<Integer> caughtUpPartitions(Admin admin, String applicationId, String topic) {
        java.util.Set<Integer> out = new java.util.HashSet<>();
        try {
            Map<TopicPartition, OffsetAndMetadata> committed = admin.listConsumerGroupOffsets(applicationId).partitionsToOffsetAndMetadata().get();
            Map<TopicPartition, OffsetSpec> latest = new java.util.HashMap<>();
            admin.describeTopics(List.of(topic)).allTopicNames().get().get(topic).partitions()
                    .forEach(pi -> latest.put(new TopicPartition(topic, pi.partition()), OffsetSpec.latest()));
            var ends = admin.listOffsets(latest, new ListOffsetsOptions(IsolationLevel.READ_COMMITTED)).all().get();
            for (TopicPartition tp : latest.keySet()) {
                OffsetAndMetadata c = committed.get(tp);
                if ((c == null ? 0 : c.offset()) >= ends.get(tp).offset()) out.add(tp.partition());
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (ExecutionException e) {
            // none known to be caught up this time
        }
        return out;
    }

    /** Adds {@code n} to a count kept in a task's store. */
    static void count(org.apache.kafka.streams.state.KeyValueStore<String, Long> store, String key, long n) {
        Long c = store.get(key);
        store.put(key, (c == null ? 0 : c) + n);
    }

    /** A count summed over a store's instances, one per partition this application runs here; partitions not running here are skipped. */
    static long sum(org.apache.kafka.streams.KafkaStreams streams, String store, String key, int partitions) {
        long n = 0;
        for (int p = 0; p < partitions; p++) {
            try {
                Long d = streams.store(org.apache.kafka.streams.StoreQueryParameters.fromNameAndType(store,
                        org.apache.kafka.streams.state.QueryableStoreTypes.<String, Long>keyValueStore()).withPartition(p)).get(key);
                if (d != null) n += d;
            } catch (org.apache.kafka.streams.errors.InvalidStateStoreException e) {
                // this partition's task is not running here now
            }
        }
        return n;
    }
}

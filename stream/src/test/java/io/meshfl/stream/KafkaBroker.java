package io.meshfl.stream;

import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.common.Uuid;

import java.io.IOException;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * A real Kafka broker for tests: one KRaft node (broker and controller, no ZooKeeper) in its own
 * JVM, from the Kafka classes on the test class path, listening on loopback ports chosen free, its
 * log in a temporary folder; stopped and deleted on close.
 */
public final class KafkaBroker implements AutoCloseable {

    private final Path dir;
    private final Process process;
    private final String bootstrap;
    private String saslBootstrap;

    private KafkaBroker(Path dir, Process process, String bootstrap) {
        this.dir = dir;
        this.process = process;
        this.bootstrap = bootstrap;
    }

    public static KafkaBroker start() throws Exception {
        return start(null);
    }

    /**
     * A broker with a second listener that asks clients for SASL/PLAIN, knowing {@code users} (name to password);
     * {@link #saslBootstrap} is its address.
     */
    public static KafkaBroker startWithSasl(Map<String, String> users) throws Exception {
        return start(users);
    }

    private static KafkaBroker start(Map<String, String> saslUsers) throws Exception {
        Path dir = Files.createTempDirectory("meshfl-kafka");
        int port = freePort();
        int controller = freePort();
        int sasl = saslUsers == null ? -1 : freePort();
        StringBuilder jaas = new StringBuilder("org.apache.kafka.common.security.plain.PlainLoginModule required username=\"broker\" password=\"broker\" user_broker=\"broker\"");
        if (saslUsers != null) saslUsers.forEach((u, pw) -> jaas.append(" user_").append(u).append("=\"").append(pw).append('"'));
        Path props = dir.resolve("server.properties");
        Files.writeString(props, String.join("\n",
                "process.roles=broker,controller",
                "node.id=1",
                "controller.quorum.voters=1@127.0.0.1:" + controller,
                "listeners=PLAINTEXT://127.0.0.1:" + port + ",CONTROLLER://127.0.0.1:" + controller + (sasl < 0 ? "" : ",SASL_PLAINTEXT://127.0.0.1:" + sasl),
                "advertised.listeners=PLAINTEXT://127.0.0.1:" + port + (sasl < 0 ? "" : ",SASL_PLAINTEXT://127.0.0.1:" + sasl),
                "controller.listener.names=CONTROLLER",
                "inter.broker.listener.name=PLAINTEXT",
                "listener.security.protocol.map=PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT,SASL_PLAINTEXT:SASL_PLAINTEXT",
                sasl < 0 ? "" : "listener.name.sasl_plaintext.sasl.enabled.mechanisms=PLAIN",
                sasl < 0 ? "" : "listener.name.sasl_plaintext.plain.sasl.jaas.config=" + jaas + ";",
                "log.dirs=" + dir.resolve("log"),
                "num.partitions=1",
                "auto.create.topics.enable=false",
                "offsets.topic.replication.factor=1",
                "transaction.state.log.replication.factor=1",
                "transaction.state.log.min.isr=1",
                "group.initial.rebalance.delay.ms=0",
                "share.coordinator.state.topic.replication.factor=1",
                "share.coordinator.state.topic.min.isr=1",
                ""));
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        String cp = System.getProperty("java.class.path");
        Process format = new ProcessBuilder(java, "-cp", cp, "kafka.tools.StorageTool", "format", "-t", Uuid.randomUuid().toString(),
                "-c", props.toString()).redirectErrorStream(true).redirectOutput(dir.resolve("format.log").toFile()).start();
        if (!format.waitFor(120, TimeUnit.SECONDS) || format.exitValue() != 0) {
            throw new IllegalStateException("kafka storage format failed: " + Files.readString(dir.resolve("format.log")));
        }
        Process broker = new ProcessBuilder(java, "-Xmx768m", "-cp", cp, "kafka.Kafka", props.toString())
                .redirectErrorStream(true).redirectOutput(dir.resolve("broker.log").toFile()).start();
        String bootstrap = "127.0.0.1:" + port;
        KafkaBroker b = new KafkaBroker(dir, broker, bootstrap);
        if (sasl >= 0) b.saslBootstrap = "127.0.0.1:" + sasl;
        long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
        try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap,
                AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, 5000, AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, 2000))) {
            while (true) {
                if (!broker.isAlive()) {
                    throw new IllegalStateException("the kafka broker exited: " + Files.readString(dir.resolve("broker.log")));
                }
                try {
                    admin.describeCluster().nodes().get(5, TimeUnit.SECONDS);
                    break;
                } catch (Exception e) {
                    if (System.nanoTime() > end) {
                        b.close();
                        throw new IllegalStateException("the kafka broker did not start in 120 s", e);
                    }
                    Thread.sleep(250);
                }
            }
        }
        return b;
    }

    public String bootstrap() {
        return bootstrap;
    }

    /** The listener that asks for SASL/PLAIN, or null. */
    public String saslBootstrap() {
        return saslBootstrap;
    }

    /** Creates topics with the given partition counts. */
    public void createTopics(Map<String, Integer> topics) throws Exception {
        try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap))) {
            admin.createTopics(topics.entrySet().stream().map(e -> new NewTopic(e.getKey(), e.getValue(), (short) 1)).toList())
                    .all().get(60, TimeUnit.SECONDS);
        }
    }

    private static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        }
    }

    @Override
    public void close() throws Exception {
        process.destroy();
        if (!process.waitFor(30, TimeUnit.SECONDS)) process.destroyForcibly().waitFor();
        try (Stream<Path> s = Files.walk(dir)) {
            for (Path p : s.sorted(Comparator.reverseOrder()).toList()) Files.deleteIfExists(p);
        }
    }

}

package io.meshfl.stream;

import io.meshfl.core.contract.ContractLoader;
import io.meshfl.core.contract.DataContract;
import io.meshfl.stream.blocks.Manifest;
import io.meshfl.stream.gen.AdsStream;
import io.meshfl.stream.join.JoinKey;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.SecureRandom;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** A cluster that asks its clients to authenticate: the join's every client connects with the domain's own settings file. */
class KafkaConnectionTest {

    @AfterEach
    void plaintextAgain() {
        KafkaConnection.reset();
    }

    static Path settings(Path dir, String name, String user, String password, String perms) throws Exception {
        Path f = dir.resolve(name);
        Files.writeString(f, String.join("\n", "security.protocol=SASL_PLAINTEXT", "sasl.mechanism=PLAIN",
                "sasl.jaas.config=org.apache.kafka.common.security.plain.PlainLoginModule required username=\"" + user + "\" password=\"" + password + "\";", ""));
        Files.setPosixFilePermissions(f, PosixFilePermissions.fromString(perms));
        return f;
    }

    @Test
    void onlyConnectionSettingsAreTakenAndACredentialOthersMayReadIsRefused(@TempDir Path dir) throws Exception {
        Path f = dir.resolve("bad.properties");
        Files.writeString(f, "security.protocol=SSL\nisolation.level=read_uncommitted\n");
        String m = assertThrows(IllegalArgumentException.class, () -> KafkaConnection.use(f)).getMessage();
        assertTrue(m.contains("'isolation.level', which is not a connection setting"), m);
        Path open = settings(dir, "open.properties", "advertiser", "s3cret", "rw-r--r--");
        RuntimeException e = assertThrows(RuntimeException.class, () -> KafkaConnection.use(open));
        assertTrue(e.getMessage().contains(open.toString()), e.getMessage());
        assertEquals(Set.of("bootstrap.servers"), KafkaConnection.client("h:1").stringPropertyNames(), "nothing was taken");
    }

    @Test
    void bothPartiesJoinOverAClusterThatAsksForSaslAndAWrongPasswordIsRefused(@TempDir Path dir) throws Exception {
        try (KafkaBroker broker = KafkaBroker.startWithSasl(Map.of("advertiser", "s3cret"))) {
            broker.createTopics(Map.of("sasl.impressions", 2, "sasl.conversions", 2));
            Path contracts = Files.createDirectories(dir.resolve("contracts"));
            Files.writeString(contracts.resolve("imps.yaml"), Files.readString(Path.of("..", "examples", "ads-stream", "platform.impressions.yaml"))
                    .replace("127.0.0.1:9092", broker.saslBootstrap()).replace("topic: ads.impressions", "topic: sasl.impressions"));
            Files.writeString(contracts.resolve("convs.yaml"), Files.readString(Path.of("..", "examples", "ads-stream", "advertiser.conversions.yaml"))
                    .replace("127.0.0.1:9092", broker.saslBootstrap()).replace("topic: ads.conversions", "topic: sasl.conversions"));
            DataContract imps = ContractLoader.load(contracts.resolve("imps.yaml"), false);
            DataContract convs = ContractLoader.load(contracts.resolve("convs.yaml"), false);

            // a wrong password: the first client is told so by the broker
            KafkaConnection.use(settings(dir, "wrong.properties", "advertiser", "guess", "rw-------"));
            Exception wrong = assertThrows(Exception.class, () -> AdsStream.play(AdsStream.Settings.of(10, 1), broker.saslBootstrap(),
                    "sasl.impressions", "sasl.conversions", s -> { }));
            assertTrue(String.valueOf(wrong.getMessage()).contains("Authentication failed"), String.valueOf(wrong.getMessage()));

            KafkaConnection.use(settings(dir, "client.properties", "advertiser", "s3cret", "rw-------"));
            AdsStream.Truth truth = AdsStream.play(AdsStream.withRate(AdsStream.Settings.of(6_000, 3), 10), broker.saslBootstrap(),
                    "sasl.impressions", "sasl.conversions", s -> { });
            SecureRandom rnd = new SecureRandom();
            Manifest m = StreamJoinTest.runInJvm(StreamJoinTest.spec("sasl-a"), dir, JoinKey.newSecret(rnd), JoinKey.newSecret(rnd), imps, convs);
            Set<String> found = new HashSet<>();
            for (Manifest.Block b : m.blocks()) {
                List<String> lines = Files.readAllLines(dir.resolve("follower-blocks").resolve(b.file()));
                for (String line : lines.subList(1, lines.size())) found.add(line.substring(0, line.indexOf(',')));
            }
            assertEquals(truth.matched(), found, "the join over the authenticated listener finds exactly the generator's matches");
        }
    }
}

package io.meshfl.cli;

import io.meshfl.stream.KafkaConnection;
import picocli.CommandLine.Option;

import java.nio.file.Path;

/** The option of every stream command that talks to Kafka: the client settings of a cluster that asks for authentication. */
class KafkaOptions {

    @Option(names = "--kafka-config", paramLabel = "FILE", description = "Kafka client settings for a cluster that asks for them (security.protocol, "
            + "ssl.*, sasl.*, client.dns.lookup; a properties file as Kafka's own tools take, readable by its owner only when it holds a credential).")
    Path file;

    /** Makes this process's Kafka clients connect with the file's settings, if one was given. */
    void apply() {
        if (file != null) KafkaConnection.use(file);
        else KafkaConnection.reset();
    }
}

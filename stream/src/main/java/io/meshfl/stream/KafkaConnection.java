package io.meshfl.stream;

import io.meshfl.core.trust.PrivateFiles;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.Properties;

/**
 * How this process's Kafka clients reach and authenticate to the cluster: the bootstrap servers from
 * the contract, and, for a cluster that asks for them, the connection settings of a client properties
 * file the domain keeps (its own credentials never go into a contract, which the catalog shares). Only
 * connection settings are taken ({@code security.protocol}, {@code ssl.*}, {@code sasl.*},
 * {@code client.dns.lookup}): any other key is refused naming it, so a file cannot turn off what the
 * join relies on (exactly-once processing, reading committed records only). A file holding a password
 * or a JAAS login must be readable by its owner only.
 */
public final class KafkaConnection {

    private static final List<String> ALLOWED = List.of("security.protocol", "ssl.", "sasl.", "client.dns.lookup");
    private static volatile Properties settings = new Properties();

    private KafkaConnection() {
    }

    /** Takes this process's connection settings from {@code file} (a Java properties file, as Kafka's own tools read). */
    public static void use(Path file) {
        Properties p = new Properties();
        try (InputStream in = Files.newInputStream(file)) {
            p.load(in);
        } catch (IOException e) {
            throw new UncheckedIOException("the Kafka client settings " + file + " cannot be read: " + e.getMessage(), e);
        }
        boolean secret = false;
        for (String k : p.stringPropertyNames()) {
            if (ALLOWED.stream().noneMatch(a -> a.endsWith(".") ? k.startsWith(a) : k.equals(a))) {
                throw new IllegalArgumentException("the Kafka client settings " + file + " set '" + k + "', which is not a connection setting; only "
                        + "security.protocol, ssl.*, sasl.* and client.dns.lookup are taken (the join sets the rest itself)");
            }
            String lower = k.toLowerCase(Locale.ROOT);
            secret |= lower.contains("password") || lower.contains("jaas") || lower.contains("secret");
        }
        if (secret) PrivateFiles.requirePrivateFile(file, "the Kafka client settings, which hold a credential,");
        settings = p;
    }

    /** Back to no settings beyond the bootstrap servers (a plaintext cluster). */
    public static void reset() {
        settings = new Properties();
    }

    /** A client's properties: the bootstrap servers and this process's connection settings. */
    public static Properties client(String bootstrap) {
        Properties p = new Properties();
        p.putAll(settings);
        p.put("bootstrap.servers", bootstrap);
        return p;
    }
}

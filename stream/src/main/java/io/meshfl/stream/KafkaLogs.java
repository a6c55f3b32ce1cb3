package io.meshfl.stream;

import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * Keeps Kafka's clients and Streams to their errors: their INFO and WARNING lines (configuration
 * dumps, retried produce requests, topics being created) would bury a party's progress lines. A
 * failure still surfaces: Kafka Streams hands it to the party's exception handler, which stops the
 * party with it.
 */
public final class KafkaLogs {

    /** Held so the level set on it is not collected with the logger. */
    private static final Logger KAFKA = Logger.getLogger("org.apache.kafka");

    private KafkaLogs() {
    }

    /** Sets Kafka's loggers to errors only. */
    public static void quiet() {
        KAFKA.setLevel(Level.SEVERE);
    }
}

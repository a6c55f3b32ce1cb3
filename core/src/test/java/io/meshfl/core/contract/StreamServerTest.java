package io.meshfl.core.contract;

import io.meshfl.core.ErrorCode;
import io.meshfl.core.MeshflException;
import io.meshfl.core.data.ProductReader;
import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Streaming products: a contract whose server is a Kafka topic. */
class StreamServerTest {

    static final Path EXAMPLE = Path.of("..", "examples", "ads-stream", "platform.impressions.yaml");

    static String example() throws Exception {
        return Files.readString(EXAMPLE);
    }

    static MeshflException rejected(String yaml) {
        return assertThrows(MeshflException.class, () -> ContractLoader.parse(yaml, Path.of("impressions.yaml"), false));
    }

    @Test
    void aKafkaServerGivesTheTopicItsKeyEventTimeAndWatermarkDelay() throws Exception {
        DataContract c = ContractLoader.load(EXAMPLE, false);
        assertEquals(Server.Type.KAFKA, c.server().type());
        Server.Stream s = c.server().stream();
        assertEquals("127.0.0.1:9092", s.bootstrap());
        assertEquals("ads.impressions", s.topic());
        assertEquals(Server.Format.JSON, s.format());
        assertEquals("impression_id", s.keyField());
        assertEquals("ts", s.eventTimeField());
        assertEquals(Duration.ofSeconds(60), s.watermarkDelay());
        assertTrue(c.server().files().files().isEmpty(), "a stream has no files");
        assertEquals("topic ads.impressions at 127.0.0.1:9092", c.server().describe());
    }

    @Test
    void theKeyDefaultsToTheSchemasPrimaryKey() throws Exception {
        DataContract c = ContractLoader.parse(example().replace("    key: impression_id\n", ""), Path.of("impressions.yaml"), false);
        assertEquals("impression_id", c.server().stream().keyField());
    }

    @Test
    void aKeyOrEventTimeThatIsNotASchemaColumnIsRefusedNamingTheField() throws Exception {
        MeshflException e = rejected(example().replace("key: impression_id", "key: impresion_id"));
        assertTrue(e.getMessage().contains("servers[0].key") && e.getMessage().contains("impresion_id"), e.getMessage());
        e = rejected(example().replace("eventTime: ts", "eventTime: time"));
        assertTrue(e.getMessage().contains("servers[0].eventTime"), e.getMessage());
    }

    @Test
    void aMissingEventTimeABadDelayOrAnUnsupportedFormatIsRefused() throws Exception {
        assertTrue(rejected(example().replace("    eventTime: ts\n", "")).getMessage().contains("servers[0].eventTime"));
        MeshflException e = rejected(example().replace("watermarkDelay: 60s", "watermarkDelay: a minute"));
        assertTrue(e.getMessage().contains("servers[0].watermarkDelay") && e.getMessage().contains("a minute"), e.getMessage());
        e = rejected(example().replace("    topic: ads.impressions\n", "    topic: ads.impressions\n    format: protobuf\n"));
        assertTrue(e.getMessage().contains("servers[0].format") && e.getMessage().contains("protobuf")
                && e.getMessage().contains("json or avro"), e.getMessage());
    }

    @Test
    void avroIsAFormatOfItsOwn() throws Exception {
        DataContract c = ContractLoader.parse(example().replace("    topic: ads.impressions\n", "    topic: ads.impressions\n    format: Avro\n"),
                Path.of("impressions.yaml"), false);
        assertEquals(Server.Format.AVRO, c.server().stream().format());
    }

    @Test
    void partsAreAGlobBesideTheContractAndOnlyAStreamHasThem() throws Exception {
        DataContract c = ContractLoader.parse(example().replace("    eventTime: ts\n", "    eventTime: ts\n    parts: incoming/part-*.csv\n"),
                Path.of("/data/ads/impressions.yaml"), false);
        assertEquals(Path.of("/data/ads/incoming/part-*.csv"), c.server().stream().parts());
        assertTrue(c.server().describe().endsWith("fed by parts /data/ads/incoming/part-*.csv"), c.server().describe());
        assertNull(ContractLoader.load(EXAMPLE, false).server().stream().parts(), "a topic others write has no parts");

        MeshflException e = rejected(example().replace("    eventTime: ts\n", "    eventTime: ts\n    parts: incoming\n"));
        assertTrue(e.getMessage().contains("servers[0].parts") && e.getMessage().contains("glob"), e.getMessage());
        String csv = "apiVersion: v3.0.2\nkind: DataContract\nid: d.p\nversion: 1.0.0\ndomain: d\nstatus: active\n"
                + "servers:\n  - {type: csv, path: p.csv, parts: incoming/part-*.csv}\n"
                + "schema:\n  - name: p\n    properties:\n      - {name: id, logicalType: string, primaryKey: true}\n";
        e = rejected(csv);
        assertTrue(e.getMessage().contains("servers[0].parts") && e.getMessage().contains("only to type kafka"), e.getMessage());
    }

    @Test
    void aStreamingProductIsNotReadAsATable() throws Exception {
        DataContract c = ContractLoader.load(EXAMPLE, false);
        MeshflException e = assertThrows(MeshflException.class, () -> ProductReader.read(c));
        assertEquals(ErrorCode.DATA_STREAM, e.code());
        assertTrue(e.getMessage().contains("streaming product"), e.getMessage());
        assertNull(ProductReader.unreadable(c), "a stream is not a missing file");
    }

    @Test
    void durationsReadTheShortAndTheIsoForms() {
        assertEquals(Duration.ofMillis(250), Durations.parse("250ms"));
        assertEquals(Duration.ofSeconds(90), Durations.parse("90s"));
        assertEquals(Duration.ofMinutes(30), Durations.parse("30m"));
        assertEquals(Duration.ofHours(2), Durations.parse("2h"));
        assertEquals(Duration.ofDays(1), Durations.parse("1d"));
        assertEquals(Duration.ofMinutes(1), Durations.parse("PT1M"));
        assertNull(Durations.parse("soon"));
        assertNull(Durations.parse("-5m"));
    }
}

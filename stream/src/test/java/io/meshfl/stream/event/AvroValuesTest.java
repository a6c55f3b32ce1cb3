package io.meshfl.stream.event;

import io.meshfl.core.contract.ContractLoader;
import io.meshfl.core.contract.DataContract;
import io.meshfl.core.contract.Server;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class AvroValuesTest {

    static DataContract avroContract(Path dir, String yamlEdit) throws Exception {
        String yaml = Files.readString(Path.of("..", "examples", "ads-stream", "platform.impressions.yaml"))
                .replace("    topic: ads.impressions\n", "    topic: ads.impressions\n    format: avro\n");
        Path f = dir.resolve("platform.impressions.yaml");
        Files.writeString(f, yamlEdit == null ? yaml : yaml.replace(yamlEdit.split("=>")[0], yamlEdit.split("=>")[1]));
        return ContractLoader.load(f, false);
    }

    static Map<String, Object> event() {
        Map<String, Object> v = new HashMap<>();
        v.put("impression_id", "a1");
        v.put("ts", 1_700_000_000_000L);
        v.put("slot", 3);
        v.put("hour", 7);
        v.put("user_age", 33);
        v.put("ad_quality", 0.0001);
        v.put("hist_ctr", null);
        return v;
    }

    @Test
    void anAvroEventGivesItsKeyTimeAndCellsAsAJsonOneWould(@TempDir Path dir) throws Exception {
        DataContract c = avroContract(dir, null);
        assertEquals(Server.Format.AVRO, c.server().stream().format());
        EventCodec codec = new EventCodec(c);
        byte[] value = AvroValues.encoder(c).encode(event());
        EventCodec.Parsed p = codec.parse(value);
        assertTrue(p.ok(), p.problem());
        assertEquals("a1", p.event().key());
        assertEquals(1_700_000_000_000L, p.event().time());
        // numbers in plain notation, a null optional column empty, as the JSON reader gives them
        assertArrayEquals(new String[]{"a1", "1700000000000", "3", "7", "33", "0.0001", ""}, p.event().cells());
        assertEquals(1_700_000_000_000L, codec.timeOf(value));
    }

    @Test
    void aValueUnderAnotherSchemaOrNotAvroIsMalformedNamingWhyNeverTheValue(@TempDir Path dir) throws Exception {
        DataContract c = avroContract(dir, null);
        EventCodec codec = new EventCodec(c);
        // a producer whose schema has one more column: another fingerprint
        DataContract other = avroContract(Files.createDirectories(dir.resolve("other")),
                "      - {name: hist_ctr, logicalType: number}=>      - {name: hist_ctr, logicalType: number}\n      - {name: extra, logicalType: string}");
        Map<String, Object> v = event();
        v.put("extra", "secret-id-42");
        EventCodec.Parsed p = codec.parse(AvroValues.encoder(other).encode(v));
        assertFalse(p.ok());
        assertTrue(p.problem().contains("another Avro schema"), p.problem());
        assertFalse(p.problem().contains("secret-id-42"), p.problem());
        assertTrue(codec.parse("{\"impression_id\":\"a1\",\"ts\":1}".getBytes()).problem().contains("single-object"));
        byte[] whole = AvroValues.encoder(c).encode(event());
        byte[] cut = java.util.Arrays.copyOf(whole, 12);
        assertTrue(codec.parse(cut).problem().contains("not a complete Avro record"), codec.parse(cut).problem());
        assertEquals(-1, codec.timeOf(cut));
    }

    @Test
    void aStreamFormatOtherThanJsonOrAvroIsRefusedNamingTheField(@TempDir Path dir) throws Exception {
        RuntimeException e = assertThrows(RuntimeException.class, () -> avroContract(dir, "    format: avro\n=>    format: protobuf\n"));
        assertTrue(e.getMessage().contains(".format") && e.getMessage().contains("json or avro"), e.getMessage());
    }

    @Test
    void aColumnAvroCannotNameIsRefusedNamingIt(@TempDir Path dir) throws Exception {
        DataContract c = avroContract(dir, "      - {name: hist_ctr, logicalType: number}=>      - {name: hist_ctr, logicalType: number}\n      - {name: bad-name, logicalType: string}");
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> new EventCodec(c));
        assertTrue(e.getMessage().contains("'bad-name'"), e.getMessage());
    }
}

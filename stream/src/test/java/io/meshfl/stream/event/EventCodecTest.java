package io.meshfl.stream.event;

import io.meshfl.core.contract.ContractLoader;
import io.meshfl.core.contract.DataContract;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class EventCodecTest {

    static final DataContract IMPRESSIONS = ContractLoader.load(Path.of("..", "examples", "ads-stream", "platform.impressions.yaml"), false);
    final EventCodec codec = new EventCodec(IMPRESSIONS);

    static byte[] json(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    @Test
    void anEventGivesItsKeyTimeAndCellsInSchemaOrderIgnoringOtherFields() {
        EventCodec.Parsed p = codec.parse(json("{\"hist_ctr\":0.1,\"impression_id\":\"a1\",\"extra\":{\"x\":[1,2]},\"ts\":1700000000000,"
                + "\"slot\":3,\"hour\":7,\"user_age\":33,\"ad_quality\":0.5}"));
        assertTrue(p.ok(), p.problem());
        assertEquals("a1", p.event().key());
        assertEquals(1_700_000_000_000L, p.event().time());
        assertArrayEquals(new String[]{"a1", "1700000000000", "3", "7", "33", "0.5", "0.1"}, p.event().cells());
    }

    @Test
    void anIsoInstantIsAnEventTimeAndAMissingOptionalColumnIsEmpty() {
        EventCodec.Parsed p = codec.parse(json("{\"impression_id\":\"a1\",\"ts\":\"2026-01-01T00:00:01Z\"}"));
        assertTrue(p.ok(), p.problem());
        assertEquals(1_767_225_601_000L, p.event().time());
        assertEquals("", p.event().cells()[2]);
        assertEquals(1_767_225_601_000L, codec.timeOf(json("{\"slot\":1,\"ts\":\"2026-01-01T00:00:01Z\"}")));
    }

    @Test
    void anUnreadableEventNamesTheFieldAndNeverItsValue() {
        EventCodec.Parsed p = codec.parse(json("{\"impression_id\":\"secret-id-42\",\"ts\":\"yesterday\"}"));
        assertFalse(p.ok());
        assertTrue(p.problem().contains("'ts'"), p.problem());
        assertFalse(p.problem().contains("yesterday") || p.problem().contains("secret-id-42"), p.problem());
        assertTrue(codec.parse(json("{\"ts\":1}")).problem().contains("'impression_id'"));
        assertTrue(codec.parse(json("[1,2]")).problem().contains("not a JSON object"));
        assertTrue(codec.parse(json("{\"impression_id\":")).problem().contains("not valid JSON"));
        assertTrue(codec.parse(json("{\"impression_id\":{\"a\":1},\"ts\":1}")).problem().contains("'impression_id'"));
        assertEquals(-1, codec.timeOf(json("{\"ts\":\"later\"}")));
        assertEquals(-1, codec.timeOf(null));
    }
}

package io.meshfl.stream.ingest;

import io.meshfl.core.contract.ContractLoader;
import io.meshfl.core.contract.DataContract;
import io.meshfl.stream.event.EventCodec;
import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** A part's row as an event: numbers as their own text where JSON takes it, else written again from their value. */
class EventValuesTest {

    static DataContract contract(String format) throws Exception {
        String yaml = Files.readString(Path.of("..", "examples", "ads-stream", "advertiser.conversions.yaml"))
                .replace("watermarkDelay: 60s", "watermarkDelay: 60s\n    format: " + format + "\n    parts: in/part-*.csv");
        return ContractLoader.parse(yaml, Path.of("/data/conversions.yaml"), false);
    }

    @Test
    void numbersKeepTheirTextWhereJsonTakesItAndAreWrittenAgainWhereNot() throws Exception {
        for (String format : List.of("json", "avro")) {
            DataContract c = contract(format);
            EventValues.Written w = new EventValues(c).write(new String[]{"id-1", "1700000000000", "40.10", "+3", "05", "1"});
            assertTrue(w.ok(), w.problem());
            EventCodec.Parsed e = new EventCodec(c).parse(w.value());
            assertTrue(e.ok(), format + ": " + e.problem());
            List<String> cells = List.of(e.event().cells());
            assertEquals("id-1", cells.get(0));
            assertEquals(1_700_000_000_000L, e.event().time());
            assertEquals(Double.parseDouble("40.10"), Double.parseDouble(cells.get(2)), format);
            assertEquals(List.of("3", "5", "1"), cells.subList(3, 6), format);
            if (format.equals("json")) assertEquals("40.10", cells.get(2), "a number's own text");
        }
    }

    @Test
    void aCellThatIsNotOfItsTypeIsNamedByColumnNeverByValue() throws Exception {
        EventValues v = new EventValues(contract("json"));
        EventValues.Written w = v.write(new String[]{"id-1", "1700000000000", ".5e", "2", "0", "1"});
        assertFalse(w.ok());
        assertEquals("column 'basket_value' is not a finite number", w.problem());
        w = v.write(new String[]{"id-1", "yesterday", "1", "2", "0", "1"});
        assertTrue(w.problem().contains("'ts' is not an integer"), w.problem());
        w = v.write(new String[]{"", "1700000000000", "1", "2", "0", "1"});
        assertEquals("required column 'impression_id' is empty", w.problem());
    }
}

package io.meshfl.stream.event;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import io.meshfl.core.contract.DataContract;
import io.meshfl.core.contract.Property;
import io.meshfl.core.contract.Server;

import java.io.IOException;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Reads a streaming product's event values against its contract, JSON objects or Avro records
 * ({@link AvroValues}): the key field, the event-time field (epoch milliseconds, or an ISO-8601
 * instant) and every schema column. An event that cannot be read is not guessed at: {@link #parse}
 * says which field is wrong, never the value.
 */
public final class EventCodec {

    private static final JsonFactory JSON = new JsonFactory();

    private final List<String> columns;
    private final Map<String, Integer> index = new HashMap<>();
    private final boolean[] required;
    private final int keyColumn;
    private final int timeColumn;
    private final String keyField;
    private final String timeField;
    /** The Avro reader of a product whose events are Avro records; null for JSON. */
    private final AvroValues avro;

    public EventCodec(DataContract contract) {
        Server.Stream st = contract.server().stream();
        if (st == null) throw new IllegalArgumentException("product " + contract.id() + " is not a stream");
        this.columns = contract.properties().stream().map(Property::name).toList();
        this.required = new boolean[columns.size()];
        for (int i = 0; i < columns.size(); i++) {
            index.put(columns.get(i), i);
            Property p = contract.properties().get(i);
            required[i] = p.required() || p.primaryKey();
        }
        this.keyField = st.keyField();
        this.timeField = st.eventTimeField();
        this.keyColumn = index.get(keyField);
        this.timeColumn = index.get(timeField);
        this.avro = st.format() == Server.Format.AVRO ? new AvroValues(contract) : null;
    }

    /** The schema's column names, the order of {@link Event#cells()}. */
    public List<String> columns() {
        return columns;
    }

    /** The outcome of reading one value: the event, or the reason (a field name and what is wrong with it). */
    public record Parsed(Event event, String problem) {
        public boolean ok() {
            return event != null;
        }
    }

    /** Reads one event value. */
    public Parsed parse(byte[] value) {
        if (value == null) return new Parsed(null, "the record has no value");
        String[] cells = new String[columns.size()];
        if (avro != null) {
            AvroValues.Read r = avro.read(value);
            if (r.cells() == null) return new Parsed(null, r.problem());
            for (int i = 0; i < cells.length; i++) cells[i] = AvroValues.text(r.cells()[i]);
            return complete(cells);
        }
        try (JsonParser p = JSON.createParser(value)) {
            if (p.nextToken() != JsonToken.START_OBJECT) return new Parsed(null, "the value is not a JSON object");
            JsonToken t;
            while ((t = p.nextToken()) == JsonToken.FIELD_NAME) {
                String name = p.currentName();
                JsonToken v = p.nextToken();
                Integer i = index.get(name);
                if (i == null) {
                    p.skipChildren();
                    continue;
                }
                if (v == JsonToken.VALUE_NULL) continue;
                if (v.isStructStart()) return new Parsed(null, "field '" + name + "' holds an object or array, not a value");
                cells[i] = p.getText();
            }
            if (t != JsonToken.END_OBJECT) return new Parsed(null, "the value is not a JSON object");
        } catch (IOException e) {
            return new Parsed(null, "the value is not valid JSON");
        }
        return complete(cells);
    }

    /** The event from its cells (null where absent): required ones present, the key not empty, the time readable. */
    private Parsed complete(String[] cells) {
        for (int i = 0; i < cells.length; i++) {
            if (cells[i] == null) {
                if (required[i]) return new Parsed(null, "required field '" + columns.get(i) + "' is missing");
                cells[i] = "";
            }
        }
        if (cells[keyColumn].isEmpty()) return new Parsed(null, "key field '" + keyField + "' is empty");
        long time = time(cells[timeColumn]);
        if (time < 0) return new Parsed(null, "event-time field '" + timeField + "' is not epoch milliseconds or an ISO-8601 instant");
        return new Parsed(new Event(cells[keyColumn], time, cells), null);
    }

    /**
     * Only the event time, for Kafka Streams' timestamp extractor, which runs before the event is
     * parsed in full: -1 when the value has no readable event time.
     */
    public long timeOf(byte[] value) {
        if (value == null) return -1;
        if (avro != null) {
            AvroValues.Read r = avro.read(value);
            return r.cells() == null ? -1 : time(AvroValues.text(r.cells()[timeColumn]));
        }
        try (JsonParser p = JSON.createParser(value)) {
            if (p.nextToken() != JsonToken.START_OBJECT) return -1;
            while (p.nextToken() == JsonToken.FIELD_NAME) {
                String name = p.currentName();
                JsonToken v = p.nextToken();
                if (name.equals(timeField)) return v.isScalarValue() ? time(p.getText()) : -1;
                p.skipChildren();
            }
        } catch (IOException e) {
            return -1;
        }
        return -1;
    }

    /** An event time as epoch milliseconds (from epoch milliseconds or an ISO-8601 instant), or -1 when it is neither. */
    public static long time(String text) {
        if (text == null || text.isEmpty()) return -1;
        char c = text.charAt(0);
        if (c >= '0' && c <= '9') {
            try {
                return Long.parseLong(text);
            } catch (NumberFormatException e) {
                // not plain digits: try an instant below
            }
        }
        try {
            long ms = Instant.parse(text).toEpochMilli();
            return ms < 0 ? -1 : ms;
        } catch (DateTimeParseException | ArithmeticException e) {
            return -1;
        }
    }
}

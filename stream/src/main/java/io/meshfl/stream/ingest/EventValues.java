package io.meshfl.stream.ingest;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import io.meshfl.core.contract.DataContract;
import io.meshfl.core.contract.LogicalType;
import io.meshfl.core.contract.Property;
import io.meshfl.core.contract.Server;
import io.meshfl.stream.event.AvroValues;
import io.meshfl.stream.event.EventCodec;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.LocalDate;
import java.time.format.DateTimeParseException;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Writes a part's row as an event of the contract's stream, in its format (a JSON object or an
 * Avro record), after checking each cell against its column's logical type. A row that does not
 * fit is not written: {@link #write} says which column and what is wrong with it, never the value.
 */
final class EventValues {

    private static final JsonFactory JSON = new JsonFactory();
    /** What JSON takes as a number; Java also reads "+1", "05", ".5" and "1d", which are written again from their value. */
    private static final java.util.regex.Pattern JSON_NUMBER = java.util.regex.Pattern.compile("-?(0|[1-9][0-9]*)(\\.[0-9]+)?([eE][+-]?[0-9]+)?");

    /** A row as an event (its id, its time, its value), or why it is not one. */
    record Written(String id, long time, byte[] value, String problem) {
        boolean ok() {
            return value != null;
        }
    }

    private final List<Property> columns;
    private final int key;
    private final int time;
    private final AvroValues.Encoder avro;

    EventValues(DataContract contract) {
        Server.Stream st = contract.server().stream();
        this.columns = contract.properties();
        int k = -1;
        int t = -1;
        for (int i = 0; i < columns.size(); i++) {
            if (columns.get(i).name().equals(st.keyField())) k = i;
            if (columns.get(i).name().equals(st.eventTimeField())) t = i;
        }
        this.key = k;
        this.time = t;
        this.avro = st.format() == Server.Format.AVRO ? AvroValues.encoder(contract) : null;
    }

    Written write(String[] cells) {
        Object[] typed = new Object[cells.length];
        for (int i = 0; i < cells.length; i++) {
            Property p = columns.get(i);
            String c = cells[i];
            if (c == null || c.isEmpty()) {
                if (p.required() || p.primaryKey()) return problem("required column '" + p.name() + "' is empty");
                continue;
            }
            typed[i] = typed(c, p.logicalType());
            if (typed[i] == null) return problem("column '" + p.name() + "' is not " + article(p.logicalType()));
        }
        long t = EventCodec.time(cells[time]);
        if (t < 0) return problem("event-time column '" + columns.get(time).name() + "' is not epoch milliseconds or an ISO-8601 instant");
        return new Written(cells[key], t, avro != null ? avro(typed) : json(typed, cells), null);
    }

    private static Written problem(String why) {
        return new Written(null, -1, null, why);
    }

    /** The cell as the value Avro and JSON carry for its type, or null when it is not of the type. */
    private static Object typed(String c, LogicalType type) {
        String s = c.strip();
        try {
            return switch (type) {
                case STRING -> c;
                case INTEGER -> Long.parseLong(s);
                case NUMBER -> {
                    double d = Double.parseDouble(s);
                    // Java reads "1d", "0x1p3", "NaN" and "Infinity"; a file's number with those is not a value an event can carry
                    yield Double.isFinite(d) && s.chars().noneMatch(ch -> "dDfFxX".indexOf(ch) >= 0) ? d : null;
                }
                case BOOLEAN -> switch (s.toLowerCase(Locale.ROOT)) {
                    case "true", "1" -> Boolean.TRUE;
                    case "false", "0" -> Boolean.FALSE;
                    default -> null;
                };
                case DATE -> LocalDate.parse(s).toString();
                case TIMESTAMP -> {
                    long ms = EventCodec.time(s);
                    yield ms < 0 ? null : ms;
                }
            };
        } catch (NumberFormatException | DateTimeParseException e) {
            return null;
        }
    }

    private static String article(LogicalType t) {
        return switch (t) {
            case INTEGER -> "an integer";
            case NUMBER -> "a finite number";
            case BOOLEAN -> "a boolean (true/false or 1/0)";
            case DATE -> "a date (yyyy-mm-dd)";
            case TIMESTAMP -> "a timestamp (epoch milliseconds or an ISO-8601 instant)";
            case STRING -> "a string";
        };
    }

    private byte[] avro(Object[] typed) {
        Map<String, Object> values = new HashMap<>();
        for (int i = 0; i < typed.length; i++) values.put(columns.get(i).name(), typed[i]);
        return avro.encode(values);
    }

    /** A JSON object; a number is written as its cell's own text, which {@link #typed} checked is one (no second formatting). */
    private byte[] json(Object[] typed, String[] cells) {
        ByteArrayOutputStream out = new ByteArrayOutputStream(128);
        try (JsonGenerator g = JSON.createGenerator(out)) {
            g.writeStartObject();
            for (int i = 0; i < typed.length; i++) {
                Object v = typed[i];
                if (v == null) continue;
                String name = columns.get(i).name();
                if (v instanceof Long || v instanceof Double) {
                    g.writeFieldName(name);
                    // a timestamp's text may be an ISO instant: its milliseconds then, as Avro carries them
                    String text = cells[i].strip();
                    if (columns.get(i).logicalType() != LogicalType.TIMESTAMP && JSON_NUMBER.matcher(text).matches()) g.writeNumber(text);
                    else if (v instanceof Long l) g.writeNumber(l);
                    else g.writeNumber((Double) v);
                } else if (v instanceof Boolean b) {
                    g.writeBooleanField(name, b);
                } else {
                    g.writeStringField(name, (String) v);
                }
            }
            g.writeEndObject();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out.toByteArray();
    }
}

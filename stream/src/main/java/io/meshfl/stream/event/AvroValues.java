package io.meshfl.stream.event;

import io.meshfl.core.contract.DataContract;
import io.meshfl.core.contract.Property;
import org.apache.avro.AvroRuntimeException;
import org.apache.avro.LogicalTypes;
import org.apache.avro.Schema;
import org.apache.avro.SchemaBuilder;
import org.apache.avro.SchemaNormalization;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericRecord;
import org.apache.avro.message.BadHeaderException;
import org.apache.avro.message.BinaryMessageDecoder;
import org.apache.avro.message.BinaryMessageEncoder;
import org.apache.avro.message.MissingSchemaException;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.math.BigDecimal;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * A streaming product's events as Avro records in Avro's single-object encoding (two marker bytes,
 * the writer schema's 64-bit fingerprint, the binary record), under the schema its contract's
 * columns define: one field per column in schema order, string as string, integer as long, number
 * as double, boolean as boolean, timestamp as long (timestamp-millis), date as string; a column
 * that is not required may be null. A value written under another schema is refused, naming the
 * fingerprint it carries, not read by guesswork.
 */
public final class AvroValues {

    private static final Pattern NAME = Pattern.compile("[A-Za-z_][A-Za-z0-9_]*");

    private final Schema schema;
    private final List<String> columns;
    private final BinaryMessageDecoder<GenericRecord> decoder;

    public AvroValues(DataContract contract) {
        this.schema = schemaOf(contract);
        this.columns = contract.properties().stream().map(Property::name).toList();
        this.decoder = new BinaryMessageDecoder<>(GenericData.get(), schema);
    }

    /** The Avro schema of a contract's events; a column name Avro cannot carry is refused, naming it. */
    public static Schema schemaOf(DataContract contract) {
        String name = contract.id().replaceAll("[^A-Za-z0-9_]", "_");
        if (!NAME.matcher(name).matches()) name = "_" + name;
        SchemaBuilder.FieldAssembler<Schema> fields = SchemaBuilder.record(name).namespace("io.meshfl.events").fields();
        for (Property p : contract.properties()) {
            if (!NAME.matcher(p.name()).matches()) {
                throw new IllegalArgumentException("product " + contract.id() + ": column '" + p.name()
                        + "' is not a valid Avro field name (letters, digits and '_', not starting with a digit); its events cannot be Avro");
            }
            Schema t = switch (p.logicalType()) {
                case STRING, DATE -> Schema.create(Schema.Type.STRING);
                case INTEGER -> Schema.create(Schema.Type.LONG);
                case NUMBER -> Schema.create(Schema.Type.DOUBLE);
                case BOOLEAN -> Schema.create(Schema.Type.BOOLEAN);
                case TIMESTAMP -> LogicalTypes.timestampMillis().addToSchema(Schema.create(Schema.Type.LONG));
            };
            if (p.required() || p.primaryKey()) fields = fields.name(p.name()).type(t).noDefault();
            else fields = fields.name(p.name()).type(Schema.createUnion(Schema.create(Schema.Type.NULL), t)).withDefault(null);
        }
        return fields.endRecord();
    }

    /** The schema values are read under. */
    public Schema schema() {
        return schema;
    }

    /** The outcome of reading one value: its cells in schema order (null where the record holds null), or what is wrong. */
    record Read(Object[] cells, String problem) {
    }

    Read read(byte[] value) {
        GenericRecord r;
        try {
            r = decoder.decode(value);
        } catch (MissingSchemaException e) {
            long fp = value.length >= 10 ? java.nio.ByteBuffer.wrap(value, 2, 8).order(java.nio.ByteOrder.LITTLE_ENDIAN).getLong() : 0;
            return new Read(null, "the value was written under another Avro schema (fingerprint " + HexFormat.of().toHexDigits(fp)
                    + ") than the contract's (" + HexFormat.of().toHexDigits(SchemaNormalization.parsingFingerprint64(schema)) + ")");
        } catch (BadHeaderException e) {
            return new Read(null, "the value is not an Avro record in single-object encoding");
        } catch (IOException | AvroRuntimeException | IndexOutOfBoundsException e) {
            return new Read(null, "the value is not a complete Avro record of the contract's schema");
        }
        Object[] cells = new Object[columns.size()];
        for (int i = 0; i < cells.length; i++) cells[i] = r.get(i);
        return new Read(cells, null);
    }

    /** A cell's text as the blocks write it: numbers in plain notation, as a JSON value would be written. */
    static String text(Object v) {
        if (v == null) return null;
        if (v instanceof Double || v instanceof Float) {
            String t = v.toString();
            boolean finite = !t.contains("N") && !t.contains("I");
            return finite && t.contains("E") ? new BigDecimal(t).stripTrailingZeros().toPlainString() : t;
        }
        return v.toString();
    }

    /** Encodes events for a topic of this product (the generator, tests): values by column name, numbers as Java numbers. */
    public static Encoder encoder(DataContract contract) {
        return new Encoder(schemaOf(contract));
    }

    /** Writes events under a contract's schema. */
    public static final class Encoder {
        private final Schema schema;
        private final BinaryMessageEncoder<GenericRecord> encoder;

        private Encoder(Schema schema) {
            this.schema = schema;
            this.encoder = new BinaryMessageEncoder<>(GenericData.get(), schema);
        }

        public byte[] encode(Map<String, ?> values) {
            GenericData.Record r = new GenericData.Record(schema);
            for (Schema.Field f : schema.getFields()) {
                Object v = values.get(f.name());
                Schema t = f.schema().isUnion() ? f.schema().getTypes().get(1) : f.schema();
                if (v instanceof Number n) {
                    v = switch (t.getType()) {
                        case LONG -> n.longValue();
                        case DOUBLE -> n.doubleValue();
                        case STRING -> n.toString();
                        default -> v;
                    };
                } else if (v instanceof Boolean b && t.getType() == Schema.Type.LONG) {
                    v = b ? 1L : 0L;
                }
                r.put(f.name(), v);
            }
            try {
                java.nio.ByteBuffer b = encoder.encode(r);
                byte[] out = new byte[b.remaining()];
                b.get(out);
                return out;
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
    }
}

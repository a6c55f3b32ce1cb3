package io.meshfl.stream.join;

import org.apache.kafka.common.serialization.Deserializer;
import org.apache.kafka.common.serialization.Serde;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.common.serialization.Serializer;

import java.nio.ByteBuffer;

/**
 * What one side of a join saw in one block of event time: events taken into the join, events that
 * arrived behind their partition's watermark (dropped as late), and values that could not be read
 * against the contract (dropped as malformed).
 */
public record WindowCounts(long in, long late, long malformed) {

    public static final WindowCounts ZERO = new WindowCounts(0, 0, 0);
    /** Counts that were not at hand where a block was written (-1 each), rather than zeros that would read as none. */
    public static final WindowCounts UNKNOWN = new WindowCounts(-1, -1, -1);

    public WindowCounts plus(WindowCounts o) {
        return new WindowCounts(in + o.in, late + o.late, malformed + o.malformed);
    }

    /** The serde the join's count stores use. */
    public static Serde<WindowCounts> serde() {
        Serializer<WindowCounts> ser = (topic, c) -> c == null ? null
                : ByteBuffer.allocate(24).putLong(c.in).putLong(c.late).putLong(c.malformed).array();
        Deserializer<WindowCounts> de = (topic, b) -> {
            if (b == null) return null;
            ByteBuffer bb = ByteBuffer.wrap(b);
            return new WindowCounts(bb.getLong(), bb.getLong(), bb.getLong());
        };
        return Serdes.serdeFrom(ser, de);
    }
}

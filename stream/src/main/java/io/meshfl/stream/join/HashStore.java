package io.meshfl.stream.join;

import org.apache.kafka.common.utils.Bytes;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.processor.StateStore;
import org.apache.kafka.streams.processor.StateStoreContext;
import org.apache.kafka.streams.query.Position;
import org.apache.kafka.streams.state.KeyValueBytesStoreSupplier;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.KeyValueStore;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;

/**
 * An in-memory key-value store on a hash table, for the join's stores, which are only ever read by
 * key. Kafka Streams' own in-memory store is a sorted map: with a million random hashes held, each
 * lookup is some twenty cache misses, and lookups were the follower's largest cost. Kafka Streams
 * wraps this store as it wraps its own (changelog, metrics), so exactly-once restore is unchanged:
 * the changelog replays into {@link #put} and {@link #delete}. Ranges are refused: the keys have no
 * order here, and a caller that needs one must not get a silently wrong answer.
 */
final class HashStore implements KeyValueStore<Bytes, byte[]> {

    private final String name;
    private final Map<Bytes, byte[]> map = new HashMap<>();
    private volatile boolean open;
    private StateStoreContext context;
    /** How far into its input topics this store has seen (what Kafka Streams logs beside each change). */
    private final Position position = Position.emptyPosition();

    private HashStore(String name) {
        this.name = name;
    }

    /** The supplier Kafka Streams builds the store from. */
    static KeyValueBytesStoreSupplier supplier(String name) {
        return new KeyValueBytesStoreSupplier() {
            @Override
            public String name() {
                return name;
            }

            @Override
            public KeyValueStore<Bytes, byte[]> get() {
                return new HashStore(name);
            }

            @Override
            public String metricsScope() {
                return "in-memory-hash";
            }
        };
    }

    @Override
    public String name() {
        return name;
    }

    @Override
    public void init(StateStoreContext context, StateStore root) {
        this.context = context;
        if (root != null) context.register(root, (key, value) -> put(Bytes.wrap(key), value));
        open = true;
    }

    @Override
    public void flush() {
    }

    @Override
    public void close() {
        map.clear();
        open = false;
    }

    @Override
    public boolean persistent() {
        return false;
    }

    @Override
    public boolean isOpen() {
        return open;
    }

    @Override
    public Position getPosition() {
        return position;
    }

    @Override
    public byte[] get(Bytes key) {
        return map.get(key);
    }

    @Override
    public void put(Bytes key, byte[] value) {
        if (value == null) map.remove(key);
        else map.put(key, value);
        seen();
    }

    private void seen() {
        if (context != null) context.recordMetadata().ifPresent(m -> position.withComponent(m.topic(), m.partition(), m.offset()));
    }

    @Override
    public byte[] putIfAbsent(Bytes key, byte[] value) {
        byte[] old = map.get(key);
        if (old == null) put(key, value);
        return old;
    }

    @Override
    public void putAll(List<KeyValue<Bytes, byte[]>> entries) {
        for (KeyValue<Bytes, byte[]> e : entries) put(e.key, e.value);
    }

    @Override
    public byte[] delete(Bytes key) {
        byte[] old = map.remove(key);
        seen();
        return old;
    }

    @Override
    public KeyValueIterator<Bytes, byte[]> range(Bytes from, Bytes to) {
        throw new UnsupportedOperationException("the join store " + name + " is a hash table: it has no key order to take a range of");
    }

    /** Every entry, in no order (a copy: the join reads it once, when a task starts). */
    @Override
    public KeyValueIterator<Bytes, byte[]> all() {
        Iterator<KeyValue<Bytes, byte[]>> it = new ArrayList<>(map.entrySet()).stream().map(e -> KeyValue.pair(e.getKey(), e.getValue())).iterator();
        return new KeyValueIterator<>() {
            @Override
            public boolean hasNext() {
                return it.hasNext();
            }

            @Override
            public KeyValue<Bytes, byte[]> next() {
                return it.next();
            }

            @Override
            public void close() {
            }

            @Override
            public Bytes peekNextKey() {
                throw new UnsupportedOperationException("peekNextKey");
            }
        };
    }

    @Override
    public long approximateNumEntries() {
        return map.size();
    }
}

package io.meshfl.core.crypto.paillier;

import io.meshfl.core.crypto.paillier.ModNSquared.Residue;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.function.Supplier;

/**
 * A bounded queue of precomputed encryption randomness, refilled by a daemon thread, so that an
 * encryption with a warm pool costs one multiplication. A caller never waits for the refill
 * thread: when the queue is empty it computes the value itself.
 */
final class RandomnessPool implements AutoCloseable {
    private final Supplier<Residue> source;
    private final ArrayBlockingQueue<Residue> queue;
    private final Thread refiller;
    private volatile boolean closed;

    /** With capacity 0 there is no queue and no thread: every value is computed on demand. */
    RandomnessPool(Supplier<Residue> source, int capacity) {
        this.source = source;
        if (capacity <= 0) {
            this.queue = null;
            this.refiller = null;
            return;
        }
        this.queue = new ArrayBlockingQueue<>(capacity);
        this.refiller = new Thread(this::refill, "meshfl-paillier-randomness");
        refiller.setDaemon(true);
        refiller.start();
    }

    private void refill() {
        try {
            while (!closed) queue.put(source.get());
        } catch (InterruptedException e) {
            // closed: let the thread end
        }
    }

    Residue next() {
        Residue r = queue == null ? null : queue.poll();
        return r != null ? r : source.get();
    }

    /** Values ready in the queue now. */
    int available() {
        return queue == null ? 0 : queue.size();
    }

    boolean refilling() {
        return refiller != null && refiller.isAlive();
    }

    @Override
    public void close() {
        closed = true;
        if (refiller != null) refiller.interrupt();
        if (queue != null) queue.clear();
    }
}

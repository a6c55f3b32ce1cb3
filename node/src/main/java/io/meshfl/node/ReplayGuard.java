package io.meshfl.node;

import java.util.BitSet;

/**
 * Refuses replayed messages of a run: a sequence number seen before, or one older than a window
 * behind the newest. A window, not strict order, because the coordinator calls a node
 * concurrently (parallel PSI pipelines) and concurrent streams may arrive out of order.
 */
final class ReplayGuard {

    static final int WINDOW = 4096;

    private long newest;
    private final BitSet seen = new BitSet(WINDOW);

    /** Null if {@code seq} is fresh (and records it), else why it is refused. */
    synchronized String check(long seq) {
        if (seq <= newest - WINDOW) return "is older than the last " + WINDOW + " messages (newest " + newest + ")";
        if (seq > newest) {
            for (long s = Math.max(newest + 1, seq - WINDOW + 1); s <= seq; s++) seen.clear((int) (s % WINDOW));
            if (seq - newest >= WINDOW) seen.clear();
            newest = seq;
        } else if (seen.get((int) (seq % WINDOW))) {
            return "was already received";
        }
        seen.set((int) (seq % WINDOW));
        return null;
    }
}

package io.meshfl.coordinator;

import io.meshfl.core.catalog.AuditRecord;
import io.meshfl.core.catalog.Catalog;

import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import java.util.function.Consumer;
import java.util.logging.Logger;

/**
 * The threads that tell the parties of runs a coordinator ended INTERRUPTED on taking them up that
 * they ended, each writing the audit records of those messages to the catalog when it is done. The
 * coordinator stops them before its catalog is closed: none writes to a closed catalog, and a
 * telling whose records are not written is named in one warning, with how many and why.
 */
final class Tellings {

    private static final Logger LOG = Logger.getLogger(Tellings.class.getName());

    /** A run's telling: the audit records it noted so far. */
    private record Telling(String runId, ConcurrentLinkedQueue<AuditRecord> audit) {
    }

    private final Consumer<String> log;
    private final CountDownLatch stopping = new CountDownLatch(1);
    /** The tellings whose records are neither written nor named as lost yet, with their threads; guarded by this. */
    private final Map<Telling, Thread> pending = new LinkedHashMap<>();
    private boolean stopped;

    Tellings(Consumer<String> log) {
        this.log = log;
    }

    /**
     * Runs {@code tell} for run {@code runId} in a daemon thread of its own; what it notes into the
     * queue it is given is written to {@code catalog} when it returns.
     */
    synchronized void start(String runId, Catalog catalog, Consumer<ConcurrentLinkedQueue<AuditRecord>> tell) {
        if (stopped) {
            warn("run " + runId + " ended INTERRUPTED, but the coordinator is stopping: its parties were not told");
            return;
        }
        Telling telling = new Telling(runId, new ConcurrentLinkedQueue<>());
        Thread t = new Thread(() -> {
            try {
                tell.accept(telling.audit());
            } catch (RuntimeException e) {
                log.accept("the parties of run " + runId + " could not all be told it ended INTERRUPTED: " + e.getMessage());
            }
            write(telling, catalog);
        }, "meshfl-tell-" + runId);
        t.setDaemon(true);
        pending.put(telling, t);
        t.start();
    }

    /**
     * Waits until {@code ready} holds, at most {@code grace}: a telling waits so for its parties to
     * register again, and no longer once the coordinator stops (it tells those registered by then).
     * Returns false when it stopped waiting because the coordinator stops.
     */
    boolean await(Duration grace, BooleanSupplier ready) throws InterruptedException {
        long deadline = System.nanoTime() + grace.toNanos();
        while (System.nanoTime() < deadline && !ready.getAsBoolean()) {
            if (stopping.await(200, TimeUnit.MILLISECONDS)) return ready.getAsBoolean();
        }
        return true;
    }

    private synchronized void write(Telling t, Catalog catalog) {
        // one that stop() found still running was named there; its catalog may be closed by now
        if (pending.remove(t) == null || t.audit().isEmpty()) return;
        int n = t.audit().size();
        try {
            AuditingChannel.flush(catalog, t.audit());
        } catch (RuntimeException e) {
            warn("run " + t.runId() + " ended INTERRUPTED and its parties were told, but " + n + " audit record(s) of telling them "
                    + "were not written: " + e.getMessage());
        }
    }

    /**
     * Has the tellings still waiting for their parties tell those registered now, waits up to
     * {@code wait} for every telling to write its records, and names each that did not; after it
     * returns no telling writes to the catalog.
     */
    void stop(Duration wait) {
        stopping.countDown();
        Map<Telling, Thread> running;
        synchronized (this) {
            running = Map.copyOf(pending);
        }
        if (!running.isEmpty()) {
            List<String> runs = running.keySet().stream().map(Telling::runId).toList();
            log.accept("stopping: waiting up to " + wait.toSeconds() + " s for the parties of run(s) " + runs
                    + " to be told they ended INTERRUPTED");
        }
        long deadline = System.nanoTime() + wait.toNanos();
        try {
            for (Thread t : running.values()) TimeUnit.NANOSECONDS.timedJoin(t, Math.max(1, deadline - System.nanoTime()));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        synchronized (this) {
            stopped = true;
            for (Telling t : pending.keySet()) {
                warn("run " + t.runId() + " ended INTERRUPTED, but the coordinator stopped before its parties answered within "
                        + wait.toSeconds() + " s: " + t.audit().size() + " audit record(s) of telling them were not written");
            }
            pending.clear();
        }
    }

    private void warn(String line) {
        LOG.warning(line);
        log.accept(line);
    }
}

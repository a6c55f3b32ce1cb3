package io.meshfl.coordinator.lineage;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Metrics;
import io.openlineage.client.OpenLineage.RunEvent;

import java.util.ArrayDeque;
import java.util.Collection;
import java.util.Deque;
import java.util.List;
import java.util.function.Consumer;
import java.util.function.Supplier;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * The coordinator's lineage: sends each event to its {@link LineageSink}, or nowhere when lineage
 * is off (the default). An event that does not get there never fails the run it describes, and is
 * never dropped silently: it is logged as a warning in the coordinator's log and the run's, counted
 * ({@code meshfl.lineage.undelivered}), kept in {@link #undelivered()}, and its {@link Delivery}
 * goes into the run's report.
 */
public final class Lineage implements AutoCloseable {

    private static final Logger LOG = Logger.getLogger(Lineage.class.getName());
    private static final ObjectMapper JSON = new ObjectMapper();
    /** How many undelivered events are kept for inspection; older ones stay in the log. */
    private static final int KEPT = 1000;

    private static final Lineage OFF = new Lineage(null, s -> { });

    private final LineageSink sink;
    private final Consumer<String> log;
    private final Deque<Delivery> undelivered = new ArrayDeque<>();

    private Lineage(LineageSink sink, Consumer<String> log) {
        this.sink = sink;
        this.log = log;
    }

    /** No lineage: nothing is built or sent. */
    public static Lineage off() {
        return OFF;
    }

    /** Lineage to {@code sink}, its failures said in {@code log} (the coordinator's). */
    public static Lineage to(LineageSink sink, Consumer<String> log) {
        return sink == null ? OFF : new Lineage(sink, log);
    }

    public boolean on() {
        return sink != null;
    }

    /** Where events go, or {@code off}. */
    public String describe() {
        return sink == null ? "off" : sink.describe();
    }

    /** How one event fared: its type and job, and why it did not get there (no path or address in it). */
    public record Delivery(String eventType, String job, String runId, boolean delivered, String reason) {
    }

    /**
     * Sends the event that {@code event} builds. Building it is part of the attempt (it reads the
     * catalog): whatever goes wrong is an undelivered event, said in {@code runLog} as well, and
     * this never throws. Null when lineage is off.
     */
    public Delivery emit(String eventType, String job, Supplier<RunEvent> event, Consumer<String> runLog) {
        if (sink == null) return null;
        RunEvent e = null;
        try {
            e = event.get();
            sink.send(e);
            return new Delivery(eventType, job, e.getRun().getRunId().toString(), true, null);
        } catch (Exception | LinkageError x) {
            String why = x instanceof Exception ex ? (e == null ? "the event could not be built (" + x.getClass().getSimpleName() + ")"
                    : sink.publicReason(ex)) : "the lineage library is unusable (" + x.getClass().getSimpleName() + ")";
            Delivery d = new Delivery(eventType, job, e == null ? null : e.getRun().getRunId().toString(), false, why);
            String line = "LINEAGE EVENT NOT DELIVERED: the " + eventType + " event of " + job + " did not reach " + sink.describe() + ": "
                    + x + "; the run goes on, the event is kept with the coordinator (" + undeliveredCount(d) + " undelivered so far)";
            LOG.warning(line);
            LOG.log(Level.FINE, "lineage event not delivered", x);
            log.accept(line);
            if (runLog != null) runLog.accept("lineage: the " + eventType + " event was not delivered: " + why);
            Counter.builder("meshfl.lineage.undelivered").description("OpenLineage events that did not reach their target")
                    .tag("event", eventType).register(Metrics.globalRegistry).increment();
            return d;
        }
    }

    private synchronized int undeliveredCount(Delivery d) {
        if (undelivered.size() == KEPT) undelivered.removeFirst();
        undelivered.addLast(d);
        return undelivered.size();
    }

    /** The events that did not reach the sink, oldest first (the last {@value #KEPT}). */
    public synchronized List<Delivery> undelivered() {
        return List.copyOf(undelivered);
    }

    /** Deliveries as a JSON array for a report; null ones (lineage off) are left out. */
    public static ArrayNode toJson(Collection<Delivery> deliveries) {
        ArrayNode a = JSON.createArrayNode();
        for (Delivery d : deliveries) {
            if (d == null) continue;
            var o = a.addObject().put("event", d.eventType()).put("job", d.job()).put("delivered", d.delivered());
            if (d.runId() != null) o.put("openlineage_run_id", d.runId());
            if (d.reason() != null) o.put("reason", d.reason());
        }
        return a;
    }

    @Override
    public void close() {
        if (sink != null) sink.close();
    }
}

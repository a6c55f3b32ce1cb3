package io.meshfl.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.management.GarbageCollectionNotificationInfo;
import io.meshfl.cli.Simulator;
import io.meshfl.coordinator.JobObserver;
import io.meshfl.core.protocol.horizontal.RoundSummary;

import javax.management.NotificationEmitter;
import javax.management.openmbean.CompositeData;
import java.lang.management.GarbageCollectorMXBean;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryPoolMXBean;
import java.lang.management.MemoryType;
import java.util.HashSet;
import java.util.Set;
import java.util.concurrent.atomic.AtomicLong;

/**
 * One simulation in a JVM of its own, started by {@link ScaleBench} under a chosen heap limit.
 * Prints one line {@code SCALE {json}}: setup and round seconds, the live heap after a full GC at
 * the end of setup, at the end of every round and after the run, and the largest heap left after
 * any collection.
 */
public final class ScaleProbe {

    private static final AtomicLong PEAK_AFTER_GC = new AtomicLong();

    private ScaleProbe() {
    }

    /** Arguments: nodes rowsPerNode features rounds seed. */
    public static void main(String[] args) throws Exception {
        int nodes = Integer.parseInt(args[0]);
        int rows = Integer.parseInt(args[1]);
        int features = Integer.parseInt(args[2]);
        int rounds = Integer.parseInt(args[3]);
        long seed = Long.parseLong(args[4]);
        watchCollections();
        ObjectMapper json = new ObjectMapper();
        ObjectNode out = json.createObjectNode();
        out.put("nodes", nodes);
        out.put("max_heap_bytes", Runtime.getRuntime().maxMemory());
        long t0 = System.nanoTime();
        try (Simulator sim = new Simulator(new Simulator.Config(nodes, rows, features, rounds, 1.0, "logistic", seed))) {
            out.put("setup_seconds", (System.nanoTime() - t0) / 1e9);
            out.put("live_after_setup_bytes", liveHeap());
            AtomicLong liveInRun = new AtomicLong();
            JsonNode report = sim.run(new JobObserver() {
                @Override
                public void plan(String explain) {
                }

                // runs after the round's time is taken, so the forced GC is not in the round seconds
                @Override
                public void round(RoundSummary round) {
                    liveInRun.accumulateAndGet(liveHeap(), Math::max);
                }

                @Override
                public void log(String line) {
                }
            });
            var secs = out.putArray("round_seconds");
            for (JsonNode h : report.path("history")) secs.add(h.path("seconds").asDouble());
            out.put("job_wall_seconds", report.path("wall_seconds").asDouble());
            out.put("auc", report.path("metrics").path("auc").asDouble());
            out.put("live_round_end_max_bytes", liveInRun.get());
            out.put("live_after_run_bytes", liveHeap());
        }
        Thread.sleep(300); // GC notifications arrive on their own thread
        out.put("peak_after_gc_bytes", PEAK_AFTER_GC.get());
        long count = 0;
        long millis = 0;
        for (GarbageCollectorMXBean gc : ManagementFactory.getGarbageCollectorMXBeans()) {
            count += gc.getCollectionCount();
            millis += gc.getCollectionTime();
        }
        out.put("gc_count", count);
        out.put("gc_millis", millis);
        out.put("collectors", String.join(" + ", ManagementFactory.getGarbageCollectorMXBeans().stream().map(GarbageCollectorMXBean::getName).toList()));
        System.out.println("SCALE " + out);
    }

    /** Heap in use right after a full collection: the live set at this point. */
    private static long liveHeap() {
        System.gc();
        return ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed();
    }

    /** Tracks the heap left after every collection, young or full, forced or not. */
    private static void watchCollections() {
        Set<String> heapPools = new HashSet<>();
        for (MemoryPoolMXBean p : ManagementFactory.getMemoryPoolMXBeans()) {
            if (p.getType() == MemoryType.HEAP) heapPools.add(p.getName());
        }
        for (GarbageCollectorMXBean gc : ManagementFactory.getGarbageCollectorMXBeans()) {
            ((NotificationEmitter) gc).addNotificationListener((n, handback) -> {
                if (!GarbageCollectionNotificationInfo.GARBAGE_COLLECTION_NOTIFICATION.equals(n.getType())) return;
                var info = GarbageCollectionNotificationInfo.from((CompositeData) n.getUserData());
                long used = 0;
                for (var e : info.getGcInfo().getMemoryUsageAfterGc().entrySet()) {
                    if (heapPools.contains(e.getKey())) used += e.getValue().getUsed();
                }
                PEAK_AFTER_GC.accumulateAndGet(used, Math::max);
            }, null, null);
        }
    }
}

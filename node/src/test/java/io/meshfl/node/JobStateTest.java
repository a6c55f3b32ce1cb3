package io.meshfl.node;

import org.junit.jupiter.api.Test;

import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** A job's state on a node goes when the job ends, and what it holds outside the heap is released with it. */
class JobStateTest {

    @Test
    void endingAJobClosesEverythingItsStateHoldsEvenWhenOnePartFailsToClose() {
        LocalNodeContext ctx = new LocalNodeContext("n1", "lending", Map.of(), null);
        AtomicInteger closed = new AtomicInteger();
        Map<String, Object> job = ctx.jobState("job-1");
        job.put("rows", (AutoCloseable) closed::incrementAndGet);
        job.put("broken", (AutoCloseable) () -> {
            throw new IllegalStateException("cannot release");
        });
        job.put("more rows", (AutoCloseable) closed::incrementAndGet);
        job.put("plain", "a value");
        AtomicInteger other = new AtomicInteger();
        ctx.jobState("job-2").put("rows", (AutoCloseable) other::incrementAndGet);
        ctx.endJob("job-1");
        assertEquals(2, closed.get(), "both closeable parts released, the failing one in between notwithstanding");
        assertTrue(ctx.jobState("job-1").isEmpty(), "the job's state is gone");
        assertEquals(0, other.get(), "another job's state is untouched");
        assertEquals(1, ctx.jobState("job-2").size());
    }
}

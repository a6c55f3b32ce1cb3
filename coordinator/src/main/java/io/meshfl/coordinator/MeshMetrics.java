package io.meshfl.coordinator;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.DistributionSummary;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Metrics;
import io.micrometer.core.instrument.Timer;

import java.time.Duration;

/**
 * What the coordinator measures for operators, through Micrometer's global registry (a Prometheus
 * registry joins it when the REST API serves {@code /api/metrics}): each protocol step's duration and
 * payload bytes, each committed round's duration by strategy, refused jobs by product, refusals a
 * node answers by domain, and every catalog transaction's latency. Tags name protocols, steps,
 * strategies, products and domains only: nothing of a run's data.
 */
public final class MeshMetrics {

    private MeshMetrics() {
    }

    static MeterRegistry registry() {
        return Metrics.globalRegistry;
    }

    /** One call of a protocol step to a node and its answer. */
    static void step(String protocol, String step, long nanos, long bytes) {
        Timer.builder("meshfl.protocol.step").description("a protocol step's call to a node, answer included")
                .tags("protocol", protocol, "step", step).register(registry()).record(Duration.ofNanos(nanos));
        DistributionSummary.builder("meshfl.protocol.step.payload").baseUnit("bytes").description("payload bytes of a step's request and answer")
                .tags("protocol", protocol, "step", step).register(registry()).record(bytes);
    }

    /** A round (epoch, tree) committed to the catalog. */
    static void round(String strategy, double seconds) {
        Timer.builder("meshfl.round").description("a committed round, epoch or tree").tags("strategy", strategy).register(registry())
                .record(Duration.ofNanos((long) (seconds * 1e9)));
    }

    /** A job refused before it ran, naming the product whose grant or budget refused it (or "-" when none is named). */
    static void refused(String product) {
        Counter.builder("meshfl.refusals").description("jobs refused before they ran").tags("product", product).register(registry()).increment();
    }

    /** A node refused a request of a run by its own policy. */
    static void violation(String domain) {
        Counter.builder("meshfl.node.refusals").description("requests a node refused by its policy").tags("domain", domain).register(registry())
                .increment();
    }

    /** A catalog transaction took {@code nanos}. */
    public static void catalog(long nanos) {
        Timer.builder("meshfl.catalog.transaction").description("a catalog transaction, retries included").register(registry())
                .record(Duration.ofNanos(nanos));
    }
}

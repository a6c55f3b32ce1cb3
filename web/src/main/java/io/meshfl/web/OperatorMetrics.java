package io.meshfl.web;

import com.fasterxml.jackson.databind.node.TextNode;
import io.meshfl.core.catalog.Catalog;
import io.meshfl.core.catalog.NodeRecord;
import io.meshfl.core.catalog.PrivacyLedger;
import io.meshfl.core.catalog.ProductRecord;
import io.micrometer.core.instrument.Metrics;
import io.micrometer.core.instrument.MultiGauge;
import io.micrometer.core.instrument.Tags;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;

import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Prometheus metrics for operators at {@code /api/metrics}: what the coordinator measures as it
 * works ({@code MeshMetrics}: steps, rounds, refusals, catalog latency) and, read from the catalog at
 * each scrape, runs by state (counted by the database), nodes by state and the privacy budget spent per product. Only the
 * operator and a {@code client:prometheus} certificate may scrape.
 */
final class OperatorMetrics {

    private OperatorMetrics() {
    }

    /** The one Prometheus registry of this process, joined to Micrometer's global registry. */
    private static final PrometheusMeterRegistry PROMETHEUS = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);

    static {
        Metrics.addRegistry(PROMETHEUS);
    }

    // one of each per process: a scrape replaces their rows with the catalog's numbers of the moment
    private static final MultiGauge RUNS = MultiGauge.builder("meshfl.runs").description("runs in the catalog by state").register(Metrics.globalRegistry);
    private static final MultiGauge NODES = MultiGauge.builder("meshfl.nodes").description("registered nodes by state").register(Metrics.globalRegistry);
    private static final MultiGauge BUDGET = MultiGauge.builder("meshfl.privacy.spent").description("privacy budget (epsilon) spent per product")
            .register(Metrics.globalRegistry);

    static Route route(Catalog catalog) {
        // the catalog's latency, also when the API serves a catalog no coordinator of this process drives
        catalog.timing(io.meshfl.coordinator.MeshMetrics::catalog);
        MultiGauge runs = RUNS, nodes = NODES, budget = BUDGET;
        return new Route("GET", "/api/metrics", "Prometheus metrics for operators (the operator or client:prometheus)", List.of(), false,
                "PrometheusText", null, "text/plain; version=0.0.4; charset=utf-8", q -> {
            Caller c = q.caller();
            if (!c.operator() && !c.label().equals("client:prometheus")) {
                throw new ApiException(Problem.forbidden("metrics are the operator's (or client:prometheus's)"));
            }
            Map<String, Long> byState = catalog.runCountsByStatus();
            runs.register(byState.entrySet().stream().map(e -> MultiGauge.Row.of(Tags.of("state", e.getKey()), e.getValue())).toList(), true);
            Map<String, Integer> nodeStates = new TreeMap<>();
            for (NodeRecord n : catalog.nodes()) nodeStates.merge(n.status(), 1, Integer::sum);
            nodes.register(nodeStates.entrySet().stream().map(e -> MultiGauge.Row.of(Tags.of("state", e.getKey()), e.getValue())).toList(), true);
            PrivacyLedger ledger = new PrivacyLedger(catalog);
            budget.register(catalog.products().stream().map(ProductRecord::id).distinct()
                    .map(id -> MultiGauge.Row.of(Tags.of("product", id), ledger.spent(id))).toList(), true);
            return TextNode.valueOf(PROMETHEUS.scrape());
        });
    }
}

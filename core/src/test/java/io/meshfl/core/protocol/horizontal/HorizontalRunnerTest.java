package io.meshfl.core.protocol.horizontal;

import io.meshfl.core.ErrorCode;
import io.meshfl.core.MeshflException;
import io.meshfl.core.data.Dataset;
import io.meshfl.core.model.ModelSpec;
import io.meshfl.core.plan.JobLoader;
import io.meshfl.core.plan.JobSpec;
import io.meshfl.core.plan.Plan;
import io.meshfl.core.protocol.Message;
import io.meshfl.core.protocol.NodeChannel;
import io.meshfl.core.protocol.DirectNode;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.function.UnaryOperator;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The round loop against nodes reached directly (no transport), including misbehaving ones. */
class HorizontalRunnerTest {

    private static Dataset data(int rows, long seed) {
        return io.meshfl.core.protocol.horizontal.TwoFeatures.data(rows, seed);
    }

    /** A node reached by a direct call, whose replies a test may tamper with. */
    private static final class DirectChannel extends DirectNode {
        final Dataset data;
        final HorizontalNode node = new HorizontalNode();
        UnaryOperator<Message> tamper = m -> m;
        long delayMillis;

        DirectChannel(String domain, Dataset data) {
            super(domain);
            this.data = data;
        }

        @Override
        protected Message answer(Message request) {
            if (delayMillis > 0 && request.step().equals(HorizontalSteps.FIT)) {
                try {
                    Thread.sleep(delayMillis);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
            Message reply = node.handle(request, this);
            return request.step().equals(HorizontalSteps.FIT) ? tamper.apply(reply) : reply;
        }

        @Override
        public Dataset load(String productId, List<String> features, String label) {
            return data;
        }
    }

    private static final String JOB = """
            name: t
            products: [n0.p, n1.p, n2.p]
            label: y
            model: {type: logistic}
            aggregator: {name: fedavg, minNodes: %d}
            local: {batchSize: 16, lr: 0.2}
            rounds: 4
            roundTimeoutSeconds: %s
            """;

    private static RunOutcome run(List<DirectChannel> nodes, int minNodes, String timeout, List<RoundSummary> seen) {
        return run(nodes, JobLoader.parse(JOB.formatted(minNodes, timeout), "t.yaml"), seen);
    }

    private static RunOutcome run(List<DirectChannel> nodes, JobSpec job, List<RoundSummary> seen) {
        List<Plan.Participant> parts = new ArrayList<>();
        Map<String, NodeChannel> byDomain = new LinkedHashMap<>();
        for (DirectChannel c : nodes) {
            parts.add(new Plan.Participant(c.domain() + ".p", c.domain(), "1", c.data.rows()));
            byDomain.put(c.domain(), c);
        }
        Plan plan = new Plan("horizontal", "fedavg", parts, List.of(), List.of("a", "b"), "y", ModelSpec.of(ModelSpec.Type.LOGISTIC),
                3, 4, List.of(), List.of());
        return new HorizontalRunner(job, plan, byDomain, d -> true, seen::add).run("job", "run");
    }

    private static List<DirectChannel> nodes() {
        return List.of(new DirectChannel("n0", data(300, 1)), new DirectChannel("n1", data(300, 2)), new DirectChannel("n2", data(300, 3)));
    }

    @Test
    void honestNodesLearnTheModel() {
        List<RoundSummary> seen = new ArrayList<>();
        RunOutcome out = run(nodes(), 3, "10", seen);
        assertEquals(4, seen.size());
        assertTrue(out.metrics().get("auc") > 0.8, out.metrics().toString());
    }

    @Test
    void theStoredModelIsTheSelectedRoundsAndTheRunStopsWhenItsMetricStopsImproving() {
        JobSpec job = JobLoader.parse(JOB.formatted(3, "10").replace("rounds: 4", "rounds: 40")
                + "evaluation: {holdout: 0.3}\nselection: {metric: auc, patience: 1}\n", "t.yaml");
        List<RoundSummary> seen = new ArrayList<>();
        Map<Integer, double[]> params = new LinkedHashMap<>();
        List<DirectChannel> nodes = nodes();
        Map<String, NodeChannel> byDomain = new LinkedHashMap<>();
        List<Plan.Participant> parts = new ArrayList<>();
        for (DirectChannel c : nodes) {
            parts.add(new Plan.Participant(c.domain() + ".p", c.domain(), "1", c.data.rows()));
            byDomain.put(c.domain(), c);
        }
        Plan plan = new Plan("horizontal", "fedavg", parts, List.of(), List.of("a", "b"), "y", ModelSpec.of(ModelSpec.Type.LOGISTIC),
                3, 40, List.of(), List.of());
        RunOutcome out = new HorizontalRunner(job, plan, byDomain, d -> true, new io.meshfl.core.protocol.horizontal.RunObserver() {
            @Override
            public void round(RoundSummary s) {
                seen.add(s);
            }

            @Override
            public void round(RoundSummary s, io.meshfl.core.protocol.RunCheckpoint c) {
                seen.add(s);
                params.put(s.round(), c.tensor("params"));
            }
        }).run("job", "run");

        int selected = out.metrics().get("selected_round").intValue();
        int last = seen.size();
        assertTrue(last < 40, "an AUC that stopped improving for one round ends the run: it ran " + last + " rounds");
        assertEquals(last, out.metrics().get("stopped_early_after_round").intValue());
        assertEquals(last, out.metrics().get("rounds_run").intValue());
        double best = seen.stream().mapToDouble(r -> r.metrics().get("auc")).max().orElseThrow();
        assertEquals(best, seen.get(selected - 1).metrics().get("auc"), "the selected round has the best AUC");
        assertTrue(seen.subList(0, selected - 1).stream().allMatch(r -> r.metrics().get("auc") < best), "and is the first to reach it");
        assertEquals(best, out.metrics().get("auc"), "the run's metrics are the selected round's");
        assertTrue(java.util.Arrays.equals(params.get(selected), out.params()), "the stored model is the selected round's");
        assertTrue(selected == last || !java.util.Arrays.equals(params.get(last), out.params()));
    }

    @Test
    void aTrainingLossIsReportedOnlyWhereNodesReportIt() {
        List<RoundSummary> plain = new ArrayList<>();
        run(nodes(), 3, "10", plain);
        assertTrue(plain.get(0).metrics().get("train_loss") > 0, plain.get(0).metrics().toString());
        // private nodes keep their training loss to themselves: the round has none, not a loss of zero
        List<RoundSummary> quiet = new ArrayList<>();
        List<DirectChannel> nodes = nodes();
        for (DirectChannel c : nodes) {
            c.tamper = m -> {
                Map<String, Double> metrics = new LinkedHashMap<>(m.metrics());
                metrics.remove("loss");
                return m.withMetrics(metrics);
            };
        }
        run(nodes, 3, "10", quiet);
        assertEquals(4, quiet.size());
        for (RoundSummary r : quiet) assertTrue(!r.metrics().containsKey("train_loss"), r.metrics().toString());
    }

    @Test
    void wrongLengthUpdateIsRejectedAndTheRoundGoesOn() {
        List<DirectChannel> nodes = nodes();
        nodes.get(1).tamper = m -> m.withTensors(Map.of("params", new double[7]));
        List<RoundSummary> seen = new ArrayList<>();
        RunOutcome out = run(nodes, 2, "10", seen);
        Failure f = seen.get(0).failures().get(0);
        assertEquals("n1", f.nodeId());
        assertEquals(ErrorCode.BAD_UPDATE, f.code());
        assertTrue(f.reason().contains("7 parameters") && f.reason().contains("3"), f.reason());
        assertEquals(2, seen.get(0).nodesOk());
        assertTrue(out.metrics().get("auc") > 0.8);
    }

    @Test
    void nonFiniteUpdateIsRejected() {
        List<DirectChannel> nodes = nodes();
        nodes.get(2).tamper = m -> m.withTensors(Map.of("params", new double[]{Double.NaN, 0, 0}));
        List<RoundSummary> seen = new ArrayList<>();
        run(nodes, 2, "10", seen);
        assertEquals(ErrorCode.BAD_UPDATE, seen.get(0).failures().get(0).code());
        assertTrue(seen.get(0).failures().get(0).reason().contains("non-finite"));
    }

    @Test
    void slowNodeMissesTheRoundTimeout() {
        List<DirectChannel> nodes = nodes();
        nodes.get(0).delayMillis = 4000;
        List<RoundSummary> seen = new ArrayList<>();
        JobSpec job = JobLoader.parse(JOB.formatted(2, "0.5"), "t.yaml");
        assertEquals(0.5, job.roundTimeoutSeconds());
        run(nodes, 2, "0.5", seen);
        assertEquals(ErrorCode.ROUND_TIMEOUT, seen.get(0).failures().get(0).code());
    }

    @Test
    void tooManyBadUpdatesFailTheJob() {
        List<DirectChannel> nodes = nodes();
        nodes.get(0).tamper = m -> m.withTensors(Map.of("params", new double[1]));
        nodes.get(1).tamper = m -> m.withTensors(Map.of("params", new double[1]));
        var e = assertThrows(MeshflException.class, () -> run(nodes, 2, "10", new ArrayList<>()));
        assertEquals(ErrorCode.TOO_FEW_NODES, e.code());
    }

    @Test
    void nonFiniteUpdatesAreRecordedAndKrumAggregatesTheRest() {
        List<DirectChannel> nodes = new ArrayList<>();
        StringBuilder products = new StringBuilder();
        for (int i = 0; i < 7; i++) {
            nodes.add(new DirectChannel("n" + i, data(300, i + 1)));
            products.append(i == 0 ? "" : ", ").append("n").append(i).append(".p");
        }
        nodes.get(4).tamper = m -> m.withTensors(Map.of("params", new double[]{Double.NaN, 0, 0}));
        nodes.get(5).tamper = m -> m.round() == 2 ? m.withTensors(Map.of("params", new double[]{0, Double.POSITIVE_INFINITY, 0})) : m;
        JobSpec job = JobLoader.parse(JOB.formatted(3, "10").replace("products: [n0.p, n1.p, n2.p]", "products: [" + products + "]")
                .replace("name: fedavg", "name: multikrum, byzantine: 1"), "t.yaml");
        List<RoundSummary> seen = new ArrayList<>();
        RunOutcome out = run(nodes, job, seen);
        assertEquals(List.of(1.0, 2.0, 1.0, 1.0), seen.stream().map(s -> s.metrics().get("rejected_updates")).toList());
        assertEquals(5, seen.get(1).nodesOk());
        assertEquals(List.of("n4", "n5"), seen.get(1).failures().stream().map(Failure::nodeId).toList());
        assertTrue(seen.get(1).failures().stream().allMatch(f -> f.code() == ErrorCode.BAD_UPDATE && f.reason().contains("non-finite")));
        assertEquals(5.0, out.metrics().get("rejected_updates_total"));
        assertTrue(out.metrics().get("auc") > 0.8, out.metrics().toString());
    }
}

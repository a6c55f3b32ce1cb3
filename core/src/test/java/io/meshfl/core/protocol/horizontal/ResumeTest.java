package io.meshfl.core.protocol.horizontal;

import io.meshfl.core.data.Dataset;
import io.meshfl.core.model.ModelSpec;
import io.meshfl.core.plan.JobLoader;
import io.meshfl.core.plan.JobSpec;
import io.meshfl.core.plan.Plan;
import io.meshfl.core.protocol.DirectNode;
import io.meshfl.core.protocol.Message;
import io.meshfl.core.protocol.NodeChannel;
import io.meshfl.core.protocol.RunCheckpoint;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** A run that goes on from a committed round trains the model the undisturbed run trains. */
class ResumeTest {

    private static final class Node extends DirectNode {
        final Dataset data;
        final HorizontalNode node = new HorizontalNode();

        Node(String domain, Dataset data) {
            super(domain);
            this.data = data;
        }

        @Override
        protected Message answer(Message request) {
            return node.handle(request, this);
        }

        @Override
        public Dataset load(String productId, List<String> features, String label) {
            return data;
        }
    }

    // a stateful server optimizer and sampling of a fraction: both must carry over exactly
    private static final JobSpec JOB = JobLoader.parse("""
            name: t
            products: [n0.p, n1.p, n2.p]
            label: y
            model: {type: logistic}
            aggregator: {name: fedadam, fraction: 0.6, minNodes: 1, serverLr: 0.1}
            local: {batchSize: 16, lr: 0.2}
            rounds: 8
            """, "t.yaml");

    /** Fresh nodes every time: a resumed run must not rely on anything a node kept. */
    private static HorizontalRunner runner(List<RoundSummary> seen, List<RunCheckpoint> checkpoints, int stopAfter) {
        List<Plan.Participant> parts = new ArrayList<>();
        Map<String, NodeChannel> byDomain = new LinkedHashMap<>();
        for (int i = 0; i < 3; i++) {
            Node n = new Node("n" + i, TwoFeatures.data(300, i + 1));
            parts.add(new Plan.Participant(n.domain() + ".p", n.domain(), "1", n.data.rows()));
            byDomain.put(n.domain(), n);
        }
        Plan plan = new Plan("horizontal", "fedadam", parts, List.of(), List.of("a", "b"), "y", ModelSpec.of(ModelSpec.Type.LOGISTIC),
                3, 8, List.of(), List.of());
        return new HorizontalRunner(JOB, plan, byDomain, d -> true, new RunObserver() {
            @Override
            public void round(RoundSummary s) {
                throw new AssertionError("a horizontal run commits each round with its checkpoint");
            }

            @Override
            public void round(RoundSummary s, RunCheckpoint c) {
                seen.add(s);
                // what the catalog stores and gives back
                checkpoints.add(RunCheckpoint.decode(c.encode()));
                if (s.round() == stopAfter) throw new IllegalStateException("coordinator stops after round " + stopAfter);
            }
        });
    }

    @Test
    void aRunResumedAfterAnyRoundEndsWithTheUndisturbedRunsModel() {
        List<RoundSummary> all = new ArrayList<>();
        RunOutcome undisturbed = runner(all, new ArrayList<>(), -1).run("job", "run");
        for (int stop : new int[]{1, 3, 7}) {
            List<RoundSummary> seen = new ArrayList<>();
            List<RunCheckpoint> committed = new ArrayList<>();
            try {
                runner(seen, committed, stop).run("job", "run");
            } catch (IllegalStateException expected) {
                // the coordinator died after committing round `stop`
            }
            RunCheckpoint last = committed.get(committed.size() - 1);
            assertEquals(stop, last.round());
            List<RoundSummary> more = new ArrayList<>();
            RunOutcome resumed = runner(more, new ArrayList<>(), -1).resume(last, seen).run("job", "run");
            assertArrayEquals(undisturbed.params(), resumed.params(), 0.0, "resumed after round " + stop);
            assertEquals(8 - stop, more.size());
            assertEquals(more.get(0).round(), stop + 1);
            assertEquals(8, resumed.rounds().size(), "the outcome holds the rounds before the resume too");
            assertEquals((double) stop, resumed.metrics().get("resumed_from_round"));
            assertEquals(undisturbed.metrics().get("auc"), resumed.metrics().get("auc"));
            // every round's tensors crossed once, and the resume prepared the nodes again: traffic before the resume is counted
            assertTrue(resumed.payloadBytes() >= undisturbed.payloadBytes(), resumed.payloadBytes() + " < " + undisturbed.payloadBytes());
        }
        assertTrue(all.get(7).metrics().get("auc") > 0.8);
    }

    @Test
    void aCheckpointSurvivesItsEncodingExactly() {
        RunCheckpoint c = new RunCheckpoint(5, Map.of("params", new double[]{1e-300, -0.0, Math.PI, Double.MAX_VALUE}, "strategy.server_m",
                new double[0]), Map.of("bytes_sent", 12345.0, "seconds", 1.5));
        RunCheckpoint back = RunCheckpoint.decode(c.encode());
        assertEquals(5, back.round());
        assertArrayEquals(c.tensor("params"), back.tensor("params"), 0.0);
        assertEquals(0, back.tensor("strategy.server_m").length);
        assertEquals(c.numbers(), back.numbers());
    }
}

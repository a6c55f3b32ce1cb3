package io.meshfl.core.protocol.horizontal.secagg;

import io.meshfl.core.ErrorCode;
import io.meshfl.core.MeshflException;
import io.meshfl.core.crypto.secagg.NeighbourGraph;
import io.meshfl.core.crypto.secagg.SecAggMessage;
import io.meshfl.core.data.Dataset;
import io.meshfl.core.model.ModelSpec;
import io.meshfl.core.plan.JobLoader;
import io.meshfl.core.plan.JobSpec;
import io.meshfl.core.plan.Plan;
import io.meshfl.core.protocol.DirectNode;
import io.meshfl.core.protocol.Message;
import io.meshfl.core.protocol.NodeChannel;
import io.meshfl.core.protocol.horizontal.Failure;
import io.meshfl.core.protocol.horizontal.HorizontalNode;
import io.meshfl.core.protocol.horizontal.HorizontalRunner;
import io.meshfl.core.protocol.horizontal.HorizontalSteps;
import io.meshfl.core.protocol.horizontal.RoundSummary;
import io.meshfl.core.protocol.horizontal.RunOutcome;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.function.BiFunction;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Secure-aggregation rounds of the horizontal protocol against nodes reached directly, honest and not. */
class SecureRoundTest {

    private static Dataset data(int rows, long seed) {
        return io.meshfl.core.protocol.horizontal.TwoFeatures.data(rows, seed);
    }

    /** A node reached by a direct call; a test may intercept its requests (throw to drop out) and replace its replies. */
    private static final class Node extends DirectNode {
        final Dataset data;
        final HorizontalNode node = new HorizontalNode();
        BiFunction<Message, Node, Message> before = (m, n) -> m;
        BiFunction<Message, Message, Message> after = (req, reply) -> reply;

        Node(String domain, Dataset data) {
            super(domain);
            this.data = data;
        }

        @Override
        protected Message answer(Message request) {
            Message req = before.apply(request, this);
            return after.apply(req, node.handle(req, this));
        }

        @Override
        public Dataset load(String productId, List<String> features, String label) {
            return data;
        }
    }

    private static List<Node> nodes(int n) {
        List<Node> out = new ArrayList<>();
        for (int i = 0; i < n; i++) out.add(new Node("n" + i, data(200 + 40 * i, i + 1)));
        return out;
    }

    /** Drops out (as if the node died) when it receives {@code step}. */
    private static BiFunction<Message, Node, Message> dropAt(String step) {
        return (m, n) -> {
            if (m.step().equals(step)) throw new MeshflException(ErrorCode.NODE_LOST, n.domain() + " is gone");
            return m;
        };
    }

    private static RunOutcome run(List<Node> nodes, String aggregator, int minNodes, int rounds, String secure, List<RoundSummary> seen) {
        StringBuilder products = new StringBuilder();
        for (Node n : nodes) products.append(products.length() == 0 ? "" : ", ").append(n.domain()).append(".p");
        String yaml = """
                name: t
                products: [%s]
                label: y
                model: {type: logistic}
                aggregator: {name: %s, minNodes: %d, serverLr: 0.05}
                local: {batchSize: 16, lr: 0.2}
                rounds: %d
                roundTimeoutSeconds: 10
                %s
                """.formatted(products, aggregator, minNodes, rounds, secure);
        JobSpec job = JobLoader.parse(yaml, "t.yaml");
        List<Plan.Participant> parts = new ArrayList<>();
        Map<String, NodeChannel> byDomain = new LinkedHashMap<>();
        for (Node c : nodes) {
            parts.add(new Plan.Participant(c.domain() + ".p", c.domain(), "1", c.data.rows()));
            byDomain.put(c.domain(), c);
        }
        Plan plan = new Plan("horizontal", aggregator, parts, List.of(), List.of("a", "b"), "y", ModelSpec.of(ModelSpec.Type.LOGISTIC),
                3, rounds, List.of(), List.of());
        return new HorizontalRunner(job, plan, byDomain, d -> true, seen::add).run("job", "run");
    }

    private static final String SECURE = "secureAggregation: {clip: 4}";

    private static void assertClose(double[] expected, double[] actual, double tol) {
        assertEquals(expected.length, actual.length);
        for (int i = 0; i < expected.length; i++) {
            assertTrue(Math.abs(expected[i] - actual[i]) <= tol, "parameter " + i + ": " + expected[i] + " vs " + actual[i]);
        }
    }

    @Test
    void secureRoundsGiveTheFedAvgModelUpToQuantization() {
        RunOutcome plain = run(nodes(4), "fedavg", 4, 3, "", new ArrayList<>());
        List<RoundSummary> seen = new ArrayList<>();
        RunOutcome secure = run(nodes(4), "fedavg", 4, 3, SECURE, seen);
        assertClose(plain.params(), secure.params(), 1e-6);
        Map<String, Double> m = seen.get(0).metrics();
        assertEquals(1.0, m.get("secagg"));
        assertEquals(4.0, m.get("secagg_nodes_in_sum"));
        assertEquals(0.0, m.get("secagg_dropouts_recovered"));
        assertEquals(0.0, m.get("secagg_clipped_fraction"));
        assertEquals(4, seen.get(0).nodesOk());
        assertTrue(secure.metrics().get("auc") > 0.8, secure.metrics().toString());
    }

    @Test
    void aRingWiderThan32BitsTravelsAt8BytesAndStillGivesFedAvg() {
        RunOutcome plain = run(nodes(4), "fedavg", 4, 2, "", new ArrayList<>());
        RunOutcome secure = run(nodes(4), "fedavg", 4, 2, "secureAggregation: {clip: 4, modulusBits: 48}", new ArrayList<>());
        assertClose(plain.params(), secure.params(), 1e-6);
    }

    @Test
    void fedAdamAppliesItsServerRuleToTheSecureMean() {
        RunOutcome plain = run(nodes(3), "fedadam", 3, 3, "", new ArrayList<>());
        RunOutcome secure = run(nodes(3), "fedadam", 3, 3, SECURE, new ArrayList<>());
        assertClose(plain.params(), secure.params(), 1e-5);
    }

    @Test
    void clippedCoordinatesAreCountedInTheRoundMetrics() {
        List<RoundSummary> seen = new ArrayList<>();
        run(nodes(3), "fedavg", 3, 1, "secureAggregation: {clip: 0.0001}", seen);
        assertTrue(seen.get(0).metrics().get("secagg_clipped_fraction") > 0.5, seen.get(0).metrics().toString());
    }

    @Test
    void nodeThatDropsBetweenMaskingAndUnmaskingStaysInTheRecoveredSum() {
        List<RoundSummary> plainSeen = new ArrayList<>();
        RunOutcome plain = run(nodes(5), "fedavg", 3, 1, "", plainSeen);
        List<Node> nodes = nodes(5);
        nodes.get(2).before = dropAt(SecAggSteps.UNMASK);
        List<RoundSummary> seen = new ArrayList<>();
        RunOutcome secure = run(nodes, "fedavg", 3, 1, SECURE, seen);
        // its masked update was in the sum: its self mask was rebuilt from its neighbours' shares
        assertClose(plain.params(), secure.params(), 1e-6);
        Map<String, Double> m = seen.get(0).metrics();
        assertEquals(5.0, m.get("secagg_nodes_in_sum"));
        assertEquals(1.0, m.get("secagg_dropped_after_masking"));
        assertEquals(1.0, m.get("secagg_dropouts_recovered"));
        assertEquals("n2", seen.get(0).failures().get(0).nodeId());
    }

    @Test
    void nodeThatDropsBeforeMaskingIsLeftOutAndItsPairwiseMasksRemoved() {
        List<Node> plainNodes = nodes(5);
        plainNodes.get(3).before = dropAt(HorizontalSteps.FIT);
        RunOutcome plain = run(plainNodes, "fedavg", 3, 1, "", new ArrayList<>());
        List<Node> nodes = nodes(5);
        nodes.get(3).before = dropAt(SecAggSteps.COLLECT_MASKED);
        List<RoundSummary> seen = new ArrayList<>();
        RunOutcome secure = run(nodes, "fedavg", 3, 1, SECURE, seen);
        assertClose(plain.params(), secure.params(), 1e-6);
        assertEquals(4.0, seen.get(0).metrics().get("secagg_nodes_in_sum"));
        assertEquals(1.0, seen.get(0).metrics().get("secagg_dropped_before_masking"));
    }

    @Test
    void roundFailsClearlyWhenTooFewNeighboursRevealShares() {
        List<Node> nodes = nodes(4);
        nodes.get(1).before = dropAt(SecAggSteps.UNMASK);
        nodes.get(2).before = dropAt(SecAggSteps.UNMASK);
        var e = assertThrows(MeshflException.class, () -> run(nodes, "fedavg", 2, 1, SECURE, new ArrayList<>()));
        assertEquals(ErrorCode.TOO_FEW_NODES, e.code());
        assertTrue(e.getMessage().contains("cannot unmask") && e.getMessage().contains("needs 2")
                && e.getMessage().contains("2 of 4 nodes in the sum revealed shares"), e.getMessage());
    }

    @Test
    void roundWhoseSumCannotBeUnmaskedRunsAgainWithFreshKeysAndSucceeds() {
        List<Node> nodes = nodes(4);
        int[] unmasks = {0};
        BiFunction<Message, Node, Message> dropFirstUnmask = (m, n) -> {
            if (m.step().equals(SecAggSteps.UNMASK) && unmasks[0]++ < 2) throw new MeshflException(ErrorCode.NODE_LOST, n.domain() + " is gone");
            return m;
        };
        nodes.get(1).before = dropFirstUnmask;
        nodes.get(2).before = dropFirstUnmask;
        List<RoundSummary> seen = new ArrayList<>();
        RunOutcome out = run(nodes, "fedavg", 2, 1, SECURE, seen);
        assertEquals(1.0, seen.get(0).metrics().get("secagg_retries"), seen.get(0).metrics().toString());
        assertEquals(4.0, seen.get(0).metrics().get("secagg_nodes_in_sum"));
        assertNotNull(out.params());
    }

    @Test
    void tooFewSurvivorsFailTheRoundClearly() {
        List<Node> nodes = nodes(4);
        for (int i = 1; i < 4; i++) nodes.get(i).before = dropAt(SecAggSteps.COLLECT_MASKED);
        var e = assertThrows(MeshflException.class, () -> run(nodes, "fedavg", 1, 1, SECURE, new ArrayList<>()));
        assertEquals(ErrorCode.TOO_FEW_NODES, e.code());
        assertTrue(e.getMessage().contains("only 1 of 4 nodes sent a masked update") && e.getMessage().contains("n3"), e.getMessage());
    }

    @Test
    void survivorsBelowTheJobsMinimumFailTheRound() {
        List<Node> nodes = nodes(5);
        nodes.get(0).before = dropAt(SecAggSteps.COLLECT_MASKED);
        var e = assertThrows(MeshflException.class, () -> run(nodes, "fedavg", 5, 1, SECURE, new ArrayList<>()));
        assertEquals(ErrorCode.TOO_FEW_NODES, e.code());
        assertTrue(e.getMessage().contains("only 4 node(s)") && e.getMessage().contains("n0"), e.getMessage());
    }

    /** Adds to a node's SHARE_KEYS reply a bundle for the client {@code pick} chooses from the round's public graph. */
    private static void extraBundle(Node n, java.util.function.BiFunction<NeighbourGraph, Integer, Integer> pick) {
        int[] me = {-1};
        NeighbourGraph[] graph = {null};
        n.before = (m, self) -> {
            if (m.step().equals(SecAggSteps.SETUP)) {
                me[0] = Integer.parseInt(m.cfg("client"));
                graph[0] = NeighbourGraph.harary(Integer.parseInt(m.cfg("clients")), Integer.parseInt(m.cfg("degree")),
                        Base64.getDecoder().decode(m.cfg("graph_seed")));
            }
            return m;
        };
        n.after = (req, reply) -> {
            if (!req.step().equals(SecAggSteps.SHARE_KEYS) || req.round() != 1) return reply;
            List<SecAggMessage.EncryptedShares> bundles = new ArrayList<>(SecAggCodec.bundles(reply.blob("bundles"), "test"));
            bundles.add(new SecAggMessage.EncryptedShares(me[0], pick.apply(graph[0], me[0]), new byte[60]));
            return reply.withBlobs(Map.of("bundles", SecAggCodec.bundles(bundles)));
        };
    }

    @Test
    void sharesForAPeerThatIsNotANeighbourAreRefusedNamingTheNode() {
        List<Node> nodes = nodes(8);
        extraBundle(nodes.get(1), (g, me) -> {
            for (int j = 0; j < g.clients(); j++) if (j != me && !g.areNeighbours(me, j)) return j;
            throw new AssertionError("complete graph");
        });
        List<RoundSummary> seen = new ArrayList<>();
        run(nodes, "fedavg", 3, 1, "secureAggregation: {clip: 4, degree: 4}", seen);
        Failure f = seen.get(0).failures().get(0);
        assertEquals("n1", f.nodeId());
        assertEquals(ErrorCode.PROTOCOL_FAILURE, f.code());
        assertTrue(f.reason().contains("(n1) sent shares for client") && f.reason().contains("not one of its neighbours"), f.reason());
        // the round goes on without it
        assertEquals(7.0, seen.get(0).metrics().get("secagg_nodes_in_sum"));
    }

    @Test
    void sharesForAnUnknownClientAreRefusedNamingTheNode() {
        List<Node> nodes = nodes(5);
        extraBundle(nodes.get(4), (g, me) -> 41);
        List<RoundSummary> seen = new ArrayList<>();
        run(nodes, "fedavg", 3, 1, SECURE, seen);
        Failure f = seen.get(0).failures().get(0);
        assertEquals("n4", f.nodeId());
        assertTrue(f.reason().contains("client 41 (no such node), which is not in the round"), f.reason());
        assertEquals(4.0, seen.get(0).metrics().get("secagg_nodes_in_sum"));
    }

    @Test
    void maskedUpdateReplayedFromAnEarlierRoundIsRefused() {
        List<Node> nodes = nodes(5);
        Message[] first = {null};
        nodes.get(1).after = (req, reply) -> {
            if (!req.step().equals(SecAggSteps.COLLECT_MASKED)) return reply;
            if (req.round() == 1) first[0] = reply;
            return req.round() == 2 ? first[0] : reply;
        };
        List<RoundSummary> seen = new ArrayList<>();
        run(nodes, "fedavg", 3, 2, SECURE, seen);
        assertTrue(seen.get(0).failures().isEmpty());
        Failure f = seen.get(1).failures().get(0);
        assertEquals("n1", f.nodeId());
        assertTrue(f.reason().contains("replayed or stale") && f.reason().contains("round 1"), f.reason());
        assertEquals(4.0, seen.get(1).metrics().get("secagg_nodes_in_sum"));
        assertEquals(1.0, seen.get(1).metrics().get("secagg_dropped_before_masking"));
    }

    @Test
    void nodeRefusesAStageRequestOfAnEarlierRound() {
        List<Node> nodes = nodes(3);
        Message[] old = {null};
        MeshflException[] refused = {null};
        nodes.get(0).before = (m, self) -> {
            if (m.step().equals(SecAggSteps.SHARE_KEYS) && m.round() == 1) old[0] = m;
            if (m.step().equals(SecAggSteps.SHARE_KEYS) && m.round() == 2) {
                refused[0] = assertThrows(MeshflException.class, () -> self.node.handle(old[0], self));
            }
            return m;
        };
        run(nodes, "fedavg", 3, 2, SECURE, new ArrayList<>());
        assertNotNull(refused[0]);
        assertEquals(ErrorCode.PROTOCOL_FAILURE, refused[0].code());
        assertTrue(refused[0].getMessage().contains("replayed or stale message refused"), refused[0].getMessage());
    }

    @Test
    void nodeRevealsSharesOnlyOncePerRound() {
        List<Node> nodes = nodes(3);
        MeshflException[] second = {null};
        nodes.get(2).after = (req, reply) -> {
            if (req.step().equals(SecAggSteps.UNMASK)) {
                second[0] = assertThrows(MeshflException.class, () -> nodes.get(2).node.handle(req, nodes.get(2)));
            }
            return reply;
        };
        run(nodes, "fedavg", 3, 1, SECURE, new ArrayList<>());
        assertEquals(ErrorCode.OUT_OF_ORDER, second[0].code());
    }
}

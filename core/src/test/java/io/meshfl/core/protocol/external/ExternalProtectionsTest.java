package io.meshfl.core.protocol.external;

import io.meshfl.core.data.Dataset;
import io.meshfl.core.model.LocalConfig;
import io.meshfl.core.model.LocalResult;
import io.meshfl.core.model.LocalTrainer;
import io.meshfl.core.model.Mlp;
import io.meshfl.core.model.ModelSpec;
import io.meshfl.core.model.OptimizerSpec;
import io.meshfl.core.plan.JobLoader;
import io.meshfl.core.plan.JobSpec;
import io.meshfl.core.plan.Plan;
import io.meshfl.core.protocol.DirectNode;
import io.meshfl.core.protocol.Message;
import io.meshfl.core.protocol.NodeChannel;
import io.meshfl.core.protocol.horizontal.HorizontalNode;
import io.meshfl.core.protocol.horizontal.HorizontalRunner;
import io.meshfl.core.protocol.horizontal.RoundSummary;
import io.meshfl.core.protocol.horizontal.RunOutcome;
import io.meshfl.core.protocol.horizontal.TwoFeatures;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The job's protections and aggregation rules apply to an external model's updates as to MeshFL's
 * own: nodes whose trainers run MeshFL's own MLP (in this JVM) train the model MeshFL's own MLP
 * trains under secure aggregation, a robust rule, a server optimizer and node-side clipping, round
 * for round; the node, not the trainer, clips, masks and noises what leaves it.
 */
class ExternalProtectionsTest {

    /** MeshFL's own MLP 2 -> 4 -> 1 as an external trainer declares it: each layer's weight [out, in], then its bias. */
    private static final String DECLARED = "parameters: [{name: fc1.weight, shape: [4, 2]}, {name: fc1.bias, shape: [4]}, "
            + "{name: fc2.weight, shape: [1, 4]}, {name: fc2.bias, shape: [1]}]";

    /** An external trainer in this JVM that trains MeshFL's own MLP by MeshFL's own local trainer. */
    private static final class JvmMlpTrainer implements ExternalTrainer {
        private final Mlp mlp = new Mlp(new ModelSpec(ModelSpec.Type.MLP, List.of(4), 2, 0.0), 2);
        private final Map<String, Dataset> parts = new LinkedHashMap<>();
        int fits;

        @Override
        public String name() {
            return "jvm-mlp";
        }

        @Override
        public Description describe() {
            return new Description("jvm-mlp", "1", List.of(t("fc1.weight", 4, 2), t("fc1.bias", 4), t("fc2.weight", 1, 4), t("fc2.bias", 1)));
        }

        private static Tensor t(String name, long... shape) {
            return new Tensor(name, shape, new double[0]);
        }

        @Override
        public long load(Part p) {
            parts.put(p.part(), new Dataset(p.columns(), p.x(), p.label(), null, p.rows()));
            return p.rows();
        }

        @Override
        public Fitted fit(Fit f) {
            fits++;
            double[] start = flat(f.parameters());
            LocalResult r = LocalTrainer.train(mlp, start, parts.get(ExternalTraining.TRAIN), new LocalConfig(f.epochs(), f.batchSize(),
                    new OptimizerSpec(f.optimizer(), f.learningRate(), f.momentum()), f.proximalMu(), f.l2(), f.seed()));
            return new Fitted(TrainerChecks.split(io.meshfl.core.model.TensorSpec.decode(DECLARED_SPECS), r.params()), parts.get("train").rows(),
                    Map.of("loss", r.meanLoss()));
        }

        @Override
        public Scores predict(String jobId, String part, List<Tensor> parameters) {
            Dataset d = parts.get(part);
            double[] out = new double[d.rows()];
            mlp.predict(flat(parameters), d, out);
            return new Scores(1, out);
        }

        private static double[] flat(List<Tensor> ts) {
            List<Double> v = new ArrayList<>();
            for (Tensor t : ts) for (double x : t.values()) v.add(x);
            return v.stream().mapToDouble(Double::doubleValue).toArray();
        }

        @Override
        public List<Tensor> splitSetup(SplitSetup setup) {
            throw new UnsupportedOperationException();
        }

        @Override
        public double[] forward(String jobId, int[] rows, boolean training) {
            throw new UnsupportedOperationException();
        }

        @Override
        public void backward(String jobId, double[] gradient, int rows, int width) {
            throw new UnsupportedOperationException();
        }

        @Override
        public TopStep topStep(String jobId, int[] rows, double[] input, int width) {
            throw new UnsupportedOperationException();
        }

        @Override
        public double[] topPredict(String jobId, double[] input, int rows, int width) {
            throw new UnsupportedOperationException();
        }

        @Override
        public State state(String jobId, Role role) {
            throw new UnsupportedOperationException();
        }

        @Override
        public void restore(String jobId, Role role, State state) {
            throw new UnsupportedOperationException();
        }

        @Override
        public void release(String jobId) {
        }

        @Override
        public void close() {
        }
    }

    private static final String DECLARED_SPECS = io.meshfl.core.model.TensorSpec.encode(List.of(
            new io.meshfl.core.model.TensorSpec("fc1.weight", List.of(4, 2)), new io.meshfl.core.model.TensorSpec("fc1.bias", List.of(4)),
            new io.meshfl.core.model.TensorSpec("fc2.weight", List.of(1, 4)), new io.meshfl.core.model.TensorSpec("fc2.bias", List.of(1))));

    /** A node reached by a direct call, with a trainer beside it. */
    private static final class Node extends DirectNode {
        final Dataset data;
        final HorizontalNode node = new HorizontalNode();
        final JvmMlpTrainer trainer = new JvmMlpTrainer();

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

        @Override
        public ExternalTrainer trainer(String name, String jobId, Duration timeout) {
            return trainer;
        }
    }

    private record Run(RunOutcome outcome, List<RoundSummary> rounds, List<Node> nodes) {
    }

    private static Run run(String model, String settings) {
        List<Node> nodes = new ArrayList<>();
        for (int i = 0; i < 4; i++) nodes.add(new Node("n" + i, TwoFeatures.data(150 + 30 * i, i + 1)));
        String yaml = """
                name: t
                products: [n0.p, n1.p, n2.p, n3.p]
                label: y
                model: %s
                local: {batchSize: 16, lr: 0.2}
                rounds: 3
                roundTimeoutSeconds: 10
                seed: 5
                %s
                """.formatted(model, settings);
        JobSpec job = JobLoader.parse(yaml, "t.yaml");
        List<Plan.Participant> parts = new ArrayList<>();
        Map<String, NodeChannel> byDomain = new LinkedHashMap<>();
        for (Node n : nodes) {
            parts.add(new Plan.Participant(n.domain() + ".p", n.domain(), "1", n.data.rows()));
            byDomain.put(n.domain(), n);
        }
        Plan plan = new Plan("horizontal", job.aggregator().name(), parts, List.of(), List.of("a", "b"), "y", job.model(), 17, 3,
                List.of(), List.of());
        List<RoundSummary> rounds = new ArrayList<>();
        return new Run(new HorizontalRunner(job, plan, byDomain, d -> true, rounds::add).run("job", "run"), rounds, nodes);
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {
            "aggregator: {name: fedavg}\nsecureAggregation: {clip: 4}",
            "aggregator: {name: trimmedmean, trimBeta: 0.25}",
            "aggregator: {name: fedadam, serverLr: 0.05}",
            "aggregator: {name: fedavg}\nprivacy: {mode: local, clipAt: node, clip: 0.05, noiseMultiplier: 1.0e-9}"})
    void anExternalModelTrainsAsMeshflsOwnUnderTheSameRulesAndProtections(String settings) {
        Run own = run("{type: mlp, hidden: [4]}", settings);
        Run ext = run("{type: external, trainer: jvm-mlp, objective: binary, " + DECLARED + "}", settings);
        assertTrue(ext.nodes().stream().allMatch(n -> n.trainer.fits == 3), "every node's trainer trained every round");
        double[] a = own.outcome().params(), b = ext.outcome().params();
        assertEquals(a.length, b.length);
        // the same arithmetic on both sides; under local DP each node's noise is its own draw, at 1e-9 of the clip
        double tol = settings.contains("privacy") ? 1e-7 : 1e-12;
        for (int i = 0; i < a.length; i++) assertEquals(a[i], b[i], tol, "parameter " + i + " with " + settings);
        for (int r = 0; r < 3; r++) {
            Map<String, Double> mo = own.rounds().get(r).metrics(), me = ext.rounds().get(r).metrics();
            for (String k : mo.keySet()) {
                if (k.startsWith("secagg") || k.startsWith("dp_") || k.startsWith("clip")) assertEquals(mo.get(k), me.get(k), 1e-9, k + " of round " + (r + 1));
            }
        }
        if (settings.contains("secureAggregation")) assertEquals(1.0, ext.rounds().get(0).metrics().get("secagg"));
        if (settings.contains("privacy")) {
            // the clip binds: the same external model without it ends elsewhere, so the node clipped what its trainer returned
            double[] plain = run("{type: external, trainer: jvm-mlp, objective: binary, " + DECLARED + "}", "aggregator: {name: fedavg}")
                    .outcome().params();
            double moved = 0;
            for (int i = 0; i < b.length; i++) moved = Math.max(moved, Math.abs(plain[i] - b[i]));
            assertTrue(moved > 1e-2, "the clip changed the model: " + moved);
        }
    }
}

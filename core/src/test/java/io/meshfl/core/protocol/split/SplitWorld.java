package io.meshfl.core.protocol.split;

import io.meshfl.core.ErrorCode;
import io.meshfl.core.MeshflException;
import io.meshfl.core.data.Dataset;
import io.meshfl.core.model.ModelSpec;
import io.meshfl.core.model.nn.Network;
import io.meshfl.core.model.nn.SplitReference;
import io.meshfl.core.plan.JobSpec;
import io.meshfl.core.plan.Plan;
import io.meshfl.core.protocol.DirectNode;
import io.meshfl.core.protocol.Message;
import io.meshfl.core.protocol.NodeChannel;
import io.meshfl.core.protocol.NodeProtocol;
import io.meshfl.core.protocol.horizontal.RoundSummary;
import io.meshfl.core.protocol.horizontal.RunObserver;
import io.meshfl.core.protocol.horizontal.RunOutcome;
import io.meshfl.core.protocol.psi.PsiNode;
import io.meshfl.core.protocol.psi.PsiSteps;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.function.UnaryOperator;

/**
 * Three domains reached by direct calls, with generated data whose label depends on every domain's
 * columns: {@code bank} holds the label and two numeric columns, {@code shop} two numeric columns and
 * a categorical one, {@code telco} two numeric columns. Each holds a few entities the others lack,
 * in its own row order.
 */
final class SplitWorld {

    static final String LABEL = "y";

    /** A domain's node: its products, the PSI and split protocols, and a record of every reply it gave. */
    static final class DataNode extends DirectNode {
        final Map<String, Dataset> products = new LinkedHashMap<>();
        final Map<String, NodeProtocol> protocols = new LinkedHashMap<>();
        final List<Message> replies = Collections.synchronizedList(new ArrayList<>());
        int[] alignedAtSetup;
        Path out;
        /** Where this node keeps its run folders; null: none (its runs are not checkpointed). */
        Path runs;
        /** The external trainer this node runs, if any. */
        io.meshfl.core.protocol.external.ExternalTrainer trainer;

        DataNode(String domain, Path out) {
            super(domain);
            this.out = out;
            for (NodeProtocol p : List.of(new PsiNode(), new SplitNode(), new SplitInferNode(), new io.meshfl.core.serving.SplitServeNode())) {
                protocols.put(p.name(), p);
            }
        }

        @Override
        protected Message answer(Message req) {
            if (req.protocol().equals(SplitSteps.PROTOCOL) && req.step().equals(SplitSteps.SETUP)) {
                alignedAtSetup = (int[]) jobState(req.jobId()).get(PsiSteps.ALIGNED_ROWS);
            }
            Message reply;
            try {
                reply = protocols.get(req.protocol()).handle(req, this);
            } catch (MeshflException e) {
                reply = req.failure(domain, e.code(), e.getMessage());
            } catch (RuntimeException e) {
                reply = req.failure(domain, ErrorCode.NODE_FAILURE, e.toString());
            }
            replies.add(reply);
            return reply;
        }

        @Override
        public Dataset load(String productId, List<String> features, String label) {
            Dataset d = product(productId);
            if (label != null && (!label.equals(LABEL) || d.y() == null)) {
                throw new MeshflException(ErrorCode.POLICY_VIOLATION, productId + " does not declare label " + label);
            }
            int[] cols = features.stream().mapToInt(f -> {
                int j = d.features().indexOf(f);
                if (j < 0) throw new MeshflException(ErrorCode.DATA_MISSING_COLUMN, productId + " has no column " + f);
                return j;
            }).toArray();
            double[] x = new double[d.rows() * cols.length];
            for (int i = 0; i < d.rows(); i++) for (int j = 0; j < cols.length; j++) x[i * cols.length + j] = d.get(i, cols[j]);
            return new Dataset(features, x, label == null ? null : d.y(), d.keys(), d.rows());
        }

        @Override
        public Dataset loadLabel(String productId, String label) {
            Dataset d = product(productId);
            return label.equals(LABEL) && d.y() != null ? new Dataset(List.of(), new double[0], d.y(), d.keys(), d.rows()) : null;
        }

        @Override
        public Path outputDir() {
            return out;
        }

        @Override
        public io.meshfl.core.protocol.external.ExternalTrainer trainer(String name, String jobId, Duration timeout) {
            return trainer != null ? trainer : super.trainer(name, jobId, timeout);
        }

        @Override
        public Path runFolder(String runId) {
            if (runs == null) return null;
            try {
                return java.nio.file.Files.createDirectories(runs.resolve(runId));
            } catch (java.io.IOException e) {
                throw new IllegalStateException(e);
            }
        }

        private Dataset product(String id) {
            Dataset d = products.get(id);
            if (d == null) throw new MeshflException(ErrorCode.POLICY_VIOLATION, id + " is not a product of " + domain);
            return d;
        }

        SplitPart part(String modelId) {
            return SplitPart.parse(modelPart(modelId), modelId);
        }
    }

    /** A channel in front of a node that can rewrite or refuse what passes. */
    static final class Tap implements NodeChannel {
        final DataNode node;
        final UnaryOperator<Message> onRequest;
        final UnaryOperator<Message> onReply;

        Tap(DataNode node, UnaryOperator<Message> onRequest, UnaryOperator<Message> onReply) {
            this.node = node;
            this.onRequest = onRequest;
            this.onReply = onReply;
        }

        @Override
        public String nodeId() {
            return node.nodeId();
        }

        @Override
        public String domain() {
            return node.domain();
        }

        @Override
        public Message call(Message request, Duration timeout) {
            return onReply.apply(node.call(onRequest.apply(request), timeout));
        }

        @Override
        public long bytesSent() {
            return 0;
        }

        @Override
        public long bytesReceived() {
            return 0;
        }
    }

    /** Collects the log lines and round summaries of a run. */
    static final class Log implements RunObserver {
        final List<String> lines = Collections.synchronizedList(new ArrayList<>());
        final List<RoundSummary> rounds = new ArrayList<>();

        @Override
        public void round(RoundSummary s) {
            rounds.add(s);
        }

        @Override
        public void log(String line) {
            lines.add(line);
        }
    }

    final DataNode bank;
    final DataNode shop;
    final DataNode telco;
    final List<DataNode> nodes;
    final Map<String, List<String>> features = new LinkedHashMap<>();
    final Map<String, NodeChannel> channels = new LinkedHashMap<>();

    /** {@code n} common entities plus a few per domain; {@code constantTelco} makes all of telco's columns constant. */
    SplitWorld(int n, long seed, boolean constantTelco, Path out) {
        bank = new DataNode("bank", out.resolve("bank"));
        shop = new DataNode("shop", out.resolve("shop"));
        telco = new DataNode("telco", out.resolve("telco"));
        nodes = List.of(bank, shop, telco);
        features.put("bank", List.of("b1", "b2"));
        features.put("shop", List.of("s1", "cat", "s2"));
        features.put("telco", List.of("t1", "t2"));
        Random r = new Random(seed);
        int total = n + 30;
        double[][] cols = new double[7][total];
        double[] y = new double[total];
        double[] catEffect = {0.0, 1.5, -1.0, 0.5};
        for (int i = 0; i < total; i++) {
            double b1 = r.nextGaussian(), b2 = 3 + 2 * r.nextGaussian();
            double s1 = r.nextGaussian(), s2 = 100 + 10 * r.nextGaussian();
            int c = r.nextInt(4);
            double t1 = constantTelco ? 1.0 : r.nextGaussian(), t2 = constantTelco ? 0.0 : r.nextGaussian();
            cols[0][i] = b1; cols[1][i] = b2; cols[2][i] = s1; cols[3][i] = 10 * (c + 1); cols[4][i] = s2; cols[5][i] = t1; cols[6][i] = t2;
            double z = 1.2 * b1 - 0.8 * s1 + catEffect[c] + 0.9 * t1 * t2 + 0.3 * (b2 - 3) + 0.4 * r.nextGaussian();
            y[i] = r.nextDouble() < 1 / (1 + Math.exp(-z)) ? 1 : 0;
        }
        // Entities 0..n-1 are common; the extra 30 are split among the domains so that none is in all three.
        bank.products.put("bank.p", table(List.of("b1", "b2"), new double[][]{cols[0], cols[1]}, y, rows(total, n, 0, r)));
        shop.products.put("shop.p", table(List.of("s1", "cat", "s2"), new double[][]{cols[2], cols[3], cols[4]}, null, rows(total, n, 1, r)));
        telco.products.put("telco.p", table(List.of("t1", "t2"), new double[][]{cols[5], cols[6]}, null, rows(total, n, 2, r)));
        for (DataNode d : nodes) channels.put(d.domain(), d);
    }

    /** Every node's replies to {@code step} of the split protocol. */
    List<Message> replies(String step) {
        List<Message> out = new ArrayList<>();
        for (DataNode d : nodes) {
            synchronized (d.replies) {
                for (Message m : d.replies) if (m.protocol().equals(SplitSteps.PROTOCOL) && m.step().equals(step)) out.add(m);
            }
        }
        return out;
    }

    /** Entity ids of one domain: all common ones and every third extra one, shuffled. */
    private static int[] rows(int total, int n, int which, Random r) {
        List<Integer> ids = new ArrayList<>();
        for (int i = 0; i < total; i++) if (i < n || (i - n) % 3 == which) ids.add(i);
        Collections.shuffle(ids, r);
        return ids.stream().mapToInt(Integer::intValue).toArray();
    }

    static Dataset table(List<String> names, double[][] cols, double[] y, int[] ids) {
        double[] x = new double[ids.length * names.size()];
        double[] yy = y == null ? null : new double[ids.length];
        String[] keys = new String[ids.length];
        for (int i = 0; i < ids.length; i++) {
            for (int j = 0; j < names.size(); j++) x[i * names.size() + j] = cols[j][ids[i]];
            if (yy != null) yy[i] = y[ids[i]];
            keys[i] = "id-" + ids[i];
        }
        return new Dataset(names, x, yy, keys, ids.length);
    }

    static JobSpec.SplitSettings settings(String labels, String optimizer, String activation, double noise, double clip) {
        return new JobSpec.SplitSettings(List.of(6), 3, List.of(5), activation, 4, 64, optimizer.equals("adam") ? 0.03 : 0.3, optimizer,
                labels, List.of("cat"), 2, noise, clip, 0, 97);
    }

    static JobSpec job(JobSpec.SplitSettings s, long seed) {
        return new JobSpec("split-test", List.of("bank.p", "shop.p", "telco.p"), LABEL, List.of(), ModelSpec.of(ModelSpec.Type.SPLITNN),
                "split", null, null, s.epochs(), null, 60.0, seed, false, "job.yaml", null, s, null, null, null, null, null, java.util.Set.of(), java.util.Map.of());
    }

    Plan plan(JobSpec.SplitSettings s) {
        List<Plan.Participant> ps = new ArrayList<>();
        for (DataNode d : nodes) {
            String product = d.domain() + ".p";
            ps.add(new Plan.Participant(product, d.domain(), "1", d.products.get(product).rows(), d == bank ? "guest" : "host",
                    features.get(d.domain())));
        }
        List<String> all = features.values().stream().flatMap(List::stream).toList();
        return new Plan("split", s.labelOwnerComputesLoss() ? "split-label-owner" : "split-label-sharing", ps, List.of(), all, LABEL,
                ModelSpec.of(ModelSpec.Type.SPLITNN), 0, s.epochs(), List.of(), List.of());
    }

    RunOutcome train(JobSpec.SplitSettings s, long seed, RunObserver observer, String runId) {
        return new SplitRunner(job(s, seed), plan(s), channels, observer).run("job-" + runId, runId);
    }

    /** The party datasets in the order the run aligned them, encoded as the parties did, and the aligned labels. */
    record Centralized(List<Dataset> parties, List<Network> bottoms, Network top, double[] labels) {
    }

    Centralized centralized(JobSpec.SplitSettings s) {
        List<Dataset> parties = new ArrayList<>();
        List<Network> bottoms = new ArrayList<>();
        double[] labels = null;
        for (DataNode d : nodes) {
            Dataset raw = d.load(d.domain() + ".p", features.get(d.domain()), d == bank ? LABEL : null).select(d.alignedAtSetup);
            if (d == bank) labels = raw.y();
            ColumnEncoding enc = ColumnEncoding.fit(raw, s.categorical());
            parties.add(enc.apply(raw));
            bottoms.add(SplitArchitecture.bottom(enc, s));
        }
        return new Centralized(parties, bottoms, SplitArchitecture.top(nodes.size(), s), labels);
    }

    SplitReference.Result reference(JobSpec.SplitSettings s, long seed) {
        Centralized c = centralized(s);
        return SplitReference.train(c.parties(), c.labels(), c.bottoms(), c.top(), SplitArchitecture.reference(s, seed));
    }
}

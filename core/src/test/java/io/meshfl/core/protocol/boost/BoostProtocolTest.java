package io.meshfl.core.protocol.boost;

import io.meshfl.core.ErrorCode;
import io.meshfl.core.MeshflException;
import io.meshfl.core.data.Dataset;
import io.meshfl.core.model.ModelSpec;
import io.meshfl.core.model.tree.GradientBoosting;
import io.meshfl.core.model.tree.Gradients;
import io.meshfl.core.model.tree.TreeParams;
import io.meshfl.core.plan.JobSpec;
import io.meshfl.core.plan.Plan;
import io.meshfl.core.protocol.DirectNode;
import io.meshfl.core.protocol.Message;
import io.meshfl.core.protocol.NodeChannel;
import io.meshfl.core.protocol.Wire;
import io.meshfl.core.protocol.horizontal.RunObserver;
import io.meshfl.core.protocol.horizontal.RunOutcome;
import io.meshfl.core.protocol.psi.PsiNode;
import io.meshfl.core.protocol.vertical.CipherCodec;
import io.meshfl.core.protocol.vertical.VerticalScorer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.math.BigInteger;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.function.UnaryOperator;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** SecureBoost over in-memory parties: same model as centralized training, sealed traffic, faults. */
class BoostProtocolTest {

    @TempDir
    Path out;

    /** A party holding some columns (and maybe the label) of its own entities, answering every boosted-tree step. */
    static class DataParty extends DirectNode {
        final List<String> cols;
        final double[][] values; // [row][col]
        final double[] label;
        final String[] keys;
        final Path dir;
        final PsiNode psi = new PsiNode();
        final BoostNode boost = new BoostNode();
        final BoostInferNode infer = new BoostInferNode();
        final List<Message> seen = new ArrayList<>();
        /** Where this party keeps its run folders; null: none (its runs are not checkpointed). */
        Path runs;
        UnaryOperator<Message> onReply = m -> m;
        java.util.function.Predicate<Message> dropWhen = m -> false;

        DataParty(String domain, List<String> cols, double[][] values, double[] label, String[] keys, Path dir) {
            super(domain);
            this.cols = cols;
            this.values = values;
            this.label = label;
            this.keys = keys;
            this.dir = dir;
        }

        @Override
        protected Message answer(Message request) {
            if (dropWhen.test(request)) throw new MeshflException(ErrorCode.NODE_LOST, "connection to " + domain + " reset");
            Message reply;
            try {
                reply = switch (request.protocol()) {
                    case BoostSteps.PROTOCOL -> boost.handle(request, this);
                    case BoostSteps.INFER_PROTOCOL -> infer.handle(request, this);
                    default -> psi.handle(request, this);
                };
                reply = onReply.apply(reply);
            } catch (MeshflException e) {
                reply = request.failure(domain, e.code(), e.getMessage());
            }
            synchronized (seen) {
                seen.add(request);
                seen.add(reply);
            }
            return reply;
        }

        @Override
        public Dataset load(String productId, List<String> features, String labelName) {
            double[] x = new double[keys.length * features.size()];
            for (int r = 0; r < keys.length; r++) {
                for (int j = 0; j < features.size(); j++) x[r * features.size() + j] = values[r][cols.indexOf(features.get(j))];
            }
            return new Dataset(features, x, labelName == null ? null : label, keys, keys.length);
        }

        @Override
        public Dataset loadLabel(String productId, String labelName) {
            return label == null ? null : new Dataset(List.of(), new double[0], label, keys, keys.length);
        }

        @Override
        public Path outputDir() {
            return dir.resolve(domain);
        }

        @Override
        public Path runFolder(String runId) {
            if (runs == null) return null;
            try {
                return Files.createDirectories(runs.resolve(runId));
            } catch (java.io.IOException e) {
                throw new IllegalStateException(e);
            }
        }
    }

    /** Generated entities split over bank (label, 3 columns), shop (4) and telco (3); each party also holds a few entities no one else has. */
    static final class World {
        final int n;
        final double[][] x; // [entity][10]
        final double[] y;
        final DataParty bank, shop, telco;

        World(int n, long seed, boolean telcoConstant, Path dir) {
            this.n = n;
            Random rnd = new Random(seed);
            x = new double[n][10];
            y = new double[n];
            for (int i = 0; i < n; i++) {
                for (int j = 0; j < 10; j++) x[i][j] = j == 9 ? rnd.nextInt(4) : rnd.nextGaussian();
                if (telcoConstant) for (int j = 7; j < 10; j++) x[i][j] = 1.0;
                double s = x[i][0] - 0.8 * x[i][3] + (x[i][5] > 0.3 ? 1.2 : -0.4) + 0.7 * x[i][8] + 0.5 * rnd.nextGaussian();
                y[i] = s > 0 ? 1 : 0;
            }
            bank = party("bank", List.of("g0", "g1", "g2"), 0, 3, true, rnd, dir);
            shop = party("shop", List.of("s0", "s1", "s2", "s3"), 3, 4, false, rnd, dir);
            telco = party("telco", List.of("t0", "t1", "t2"), 7, 3, false, rnd, dir);
        }

        private DataParty party(String domain, List<String> cols, int from, int k, boolean withLabel, Random rnd, Path dir) {
            List<Integer> order = new ArrayList<>();
            for (int i = 0; i < n; i++) order.add(i);
            java.util.Collections.shuffle(order, rnd);
            int extra = 5;
            String[] keys = new String[n + extra];
            double[][] v = new double[n + extra][k];
            double[] lab = withLabel ? new double[n + extra] : null;
            for (int r = 0; r < n; r++) {
                int e = order.get(r);
                keys[r] = "id-" + e;
                System.arraycopy(x[e], from, v[r], 0, k);
                if (lab != null) lab[r] = y[e];
            }
            for (int r = n; r < n + extra; r++) {
                keys[r] = domain + "-only-" + r;
                v[r][0] = 1000;
                if (lab != null) lab[r] = 1;
            }
            return new DataParty(domain, cols, v, lab, keys, dir);
        }

        Map<String, NodeChannel> channels() {
            Map<String, NodeChannel> m = new LinkedHashMap<>();
            for (DataParty p : List.of(bank, shop, telco)) m.put(p.domain(), p);
            return m;
        }

        Plan plan() {
            List<Plan.Participant> ps = List.of(
                    new Plan.Participant("bank.p", "bank", "1", n, "guest", bank.cols),
                    new Plan.Participant("shop.p", "shop", "1", n, "host", shop.cols),
                    new Plan.Participant("telco.p", "telco", "1", n, "host", telco.cols));
            return new Plan("secureboost", "none", ps, List.of(), List.of(), "y", ModelSpec.of(ModelSpec.Type.GBDT), 0, 0,
                    List.of(), List.of());
        }

        /** Every entity in the intersection as one table, columns in plan order. */
        Dataset joined() {
            double[] flat = new double[n * 10];
            String[] keys = new String[n];
            for (int i = 0; i < n; i++) {
                System.arraycopy(x[i], 0, flat, i * 10, 10);
                keys[i] = "id-" + i;
            }
            return new Dataset(List.of("g0", "g1", "g2", "s0", "s1", "s2", "s3", "t0", "t1", "t2"), flat, y, keys, n);
        }
    }

    static final JobSpec.BoostSettings SETTINGS = new JobSpec.BoostSettings(3, 3, 0.3, 16, 1e-3, 1.0, 0.0, 1024, 1 << 16);

    static JobSpec job(JobSpec.BoostSettings s) {
        return new JobSpec("boost-test", List.of("bank.p", "shop.p", "telco.p"), "y", List.of(), ModelSpec.of(ModelSpec.Type.GBDT),
                "secureboost", null, null, s.trees(), null, 120, 7, false, "t.yaml", null, null, s, null, null, null, null, java.util.Set.of(), java.util.Map.of());
    }

    static RunOutcome train(World w, List<String> log) {
        RunObserver obs = new RunObserver() {
            @Override
            public void round(io.meshfl.core.protocol.horizontal.RoundSummary summary) {
            }

            @Override
            public void log(String line) {
                synchronized (log) {
                    log.add(line);
                }
            }
        };
        return new BoostRunner(job(SETTINGS), w.plan(), w.channels(), obs).run("job-1", "run-1");
    }

    private static Map<String, Double> readPredictions(Path file) throws java.io.IOException {
        Map<String, Double> m = new HashMap<>();
        for (String line : Files.readAllLines(file).subList(1, Files.readAllLines(file).size())) {
            String[] kv = line.split(",");
            m.put(kv[0], Double.parseDouble(kv[1]));
        }
        return m;
    }

    @Test
    void heldOutRowsNeverShapeATreeAndAreScoredApart() throws Exception {
        World w = new World(400, 13, false, out.resolve("held"));
        JobSpec job = new JobSpec("boost-test", List.of("bank.p", "shop.p", "telco.p"), "y", List.of(), ModelSpec.of(ModelSpec.Type.GBDT),
                "secureboost", null, null, SETTINGS.trees(), new JobSpec.EvaluationSpec(List.of(), 0.25), 120, 7, false, "t.yaml", null, null,
                SETTINGS, null, null, null, null, java.util.Set.of("evaluation.holdout"), java.util.Map.of());
        RunOutcome r = new BoostRunner(job, w.plan(), w.channels(), s -> { }).run("job-h", "run-h");

        // the parties order the common entities by key, then put a seeded quarter of the positions last
        List<Integer> byKey = new ArrayList<>();
        for (int i = 0; i < w.n; i++) byKey.add(i);
        byKey.sort((a, b) -> ("id-" + a).compareTo("id-" + b));
        io.meshfl.core.data.Split split = io.meshfl.core.data.Split.of(w.n, 0.25, 7);
        Dataset all = w.joined();
        int[] trainRows = java.util.Arrays.stream(split.train()).map(byKey::get).toArray();
        int[] heldRows = java.util.Arrays.stream(split.holdout()).map(byKey::get).toArray();
        Dataset trainSet = all.select(trainRows);
        Dataset held = all.select(heldRows);
        // boosting the training entities alone, centrally, grows the federated trees: no held-out row shaped them
        var central = GradientBoosting.fit(trainSet, TreeParams.of(SETTINGS), SETTINGS.trees(), SETTINGS.bins());
        int last = SETTINGS.trees() - 1;
        assertEquals(100.0, r.metrics().get("holdout_rows"));
        assertEquals(central.aucPerTree()[last], r.metrics().get("train_auc"), 1e-12);
        assertEquals(central.logLossPerTree()[last], r.metrics().get("train_log_loss"), 1e-12);
        double[] p = central.model().predict(held.x(), held.rows(), 10);
        assertEquals(io.meshfl.core.metrics.Metrics.auc(p, held.y()), r.metrics().get("auc"), 1e-9, "the held-out AUC is the held-out rows'");
    }

    @Test
    void theSavedModelKeepsTheTreesUpToTheSelectedOne() throws Exception {
        World w = new World(300, 17, false, out.resolve("select"));
        JobSpec.BoostSettings deep = new JobSpec.BoostSettings(14, 4, 0.9, 16, 1e-3, 0.0, 0.0, 1024, 1 << 16);
        JobSpec job = new JobSpec("boost-test", List.of("bank.p", "shop.p", "telco.p"), "y", List.of(), ModelSpec.of(ModelSpec.Type.GBDT),
                "secureboost", null, null, deep.trees(), new JobSpec.EvaluationSpec(List.of(), 0.3,
                new io.meshfl.core.protocol.Selection.Spec("log_loss", 3)), 120, 7, false, "t.yaml", null, null, deep, null, null, null, null,
                java.util.Set.of("evaluation.holdout", "selection.metric"), java.util.Map.of());
        RunOutcome r = new BoostRunner(job, w.plan(), w.channels(), s -> { }).run("job-s", "run-s");
        int selected = r.metrics().get("selected_round").intValue();
        List<Double> losses = r.rounds().stream().map(t -> t.metrics().get("log_loss")).toList();
        // deep trees at a large step overfit: the held-out log loss turns up and the run stops three trees later
        assertTrue(selected < r.rounds().size(), losses.toString());
        assertEquals(losses.stream().mapToDouble(Double::doubleValue).min().orElseThrow(), losses.get(selected - 1), losses.toString());
        assertEquals(selected + 3, r.rounds().size(), losses.toString());
        assertEquals(losses.get(selected - 1), r.metrics().get("log_loss"));
        ModelParts.GuestPart saved = ModelParts.read(w.bank.modelPart("run-s"), ModelParts.GuestPart.class, "run-s");
        assertEquals(selected, saved.trees().size(), "the guest saved the selected trees only");
    }

    @Test
    void twoRunsOfTheSameJobGrowTheSameTreesBitForBit() throws Exception {
        RunOutcome a = train(new World(300, 11, false, out.resolve("a")), new ArrayList<>());
        RunOutcome b = train(new World(300, 11, false, out.resolve("b")), new ArrayList<>());
        assertEquals(model(a.metrics()), model(b.metrics()));
        assertTrue(model(a.metrics()).containsKey("auc") && model(a.metrics()).containsKey("log_loss"), a.metrics().toString());
        for (int t = 0; t < a.rounds().size(); t++) {
            assertEquals(model(a.rounds().get(t).metrics()), model(b.rounds().get(t).metrics()), "tree " + t);
        }
    }

    /** The metrics that describe the model, without the times and byte counts of the run. */
    private static Map<String, Double> model(Map<String, Double> metrics) {
        Map<String, Double> out = new java.util.TreeMap<>(metrics);
        out.keySet().removeIf(k -> k.contains("seconds") || k.contains("bytes") || k.contains("per_second"));
        return out;
    }

    @Test
    void federatedTreesMatchCentralizedTrainingAndInferenceReproducesThem() throws Exception {
        World w = new World(600, 11, false, out);
        RunOutcome r = train(w, new ArrayList<>());
        var central = GradientBoosting.fit(w.joined(), TreeParams.of(SETTINGS), SETTINGS.trees(), SETTINGS.bins());
        int last = SETTINGS.trees() - 1;
        assertEquals(central.aucPerTree()[last], r.metrics().get("auc"), 1e-12);
        assertEquals(central.logLossPerTree()[last], r.metrics().get("log_loss"), 1e-12);
        for (int t = 0; t < SETTINGS.trees(); t++) {
            assertEquals(central.model().trees().get(t).splits(), r.rounds().get(t).metrics().get("splits").intValue(), "splits of tree " + t);
        }
        assertTrue(r.metrics().get("auc") > 0.85, "auc " + r.metrics().get("auc"));
        assertEquals(0, r.params().length);

        var parts = List.of(new VerticalScorer.Part("bank", "bank.p", true), new VerticalScorer.Part("shop", "shop.p", true),
                new VerticalScorer.Part("telco", "telco.p", true));
        var res = BoostScorer.score(w.channels(), "score-1", "run-1", "bank", "y", parts, "bank", Duration.ofSeconds(60), s -> { });
        assertEquals(600, res.rows());
        Map<String, Double> pred = readPredictions(Path.of(res.predictions()));
        double[] p = central.model().predict(w.joined().x(), 600, 10);
        for (int i = 0; i < 600; i++) assertEquals(p[i], pred.get("id-" + i), 1e-6, "entity " + i);
        assertEquals(central.aucPerTree()[last], res.metrics().get("auc"), 1e-3);
    }

    @Test
    void nothingTheCoordinatorRelaysCarriesAPlainGradientOrLabel() {
        World w = new World(300, 5, false, out);
        train(w, new ArrayList<>());
        int frac = Gradients.fracBits(300);
        double p0 = Gradients.sigmoid(Gradients.baseScore(w.y));
        List<byte[]> needles = new ArrayList<>();
        for (double g : new double[]{p0, p0 - 1}) {
            needles.add(ByteBuffer.allocate(8).putLong(Math.round(g * Math.scalb(1.0, frac))).array());
            needles.add(ByteBuffer.allocate(8).putDouble(g).array());
        }
        byte[] labels = new byte[40];
        for (int i = 0; i < 40; i++) labels[i] = (byte) w.bank.label[i];
        int blobs = 0;
        for (DataParty party : List.of(w.bank, w.shop, w.telco)) {
            for (Message m : party.seen) {
                assertTrue(m.tensors().isEmpty(), m.step() + " carries tensors");
                for (var e : m.blobs().entrySet()) {
                    if (e.getKey().equals("pk") || e.getKey().equals("seal_pk") || e.getKey().startsWith("peer:")) continue;
                    blobs++;
                    for (byte[] needle : needles) assertFalse(contains(e.getValue(), needle), m.step() + "/" + e.getKey() + " holds a gradient");
                    assertFalse(contains(e.getValue(), labels), m.step() + "/" + e.getKey() + " holds labels");
                }
            }
        }
        assertTrue(blobs > 20, "only " + blobs + " relayed payloads seen");
    }

    private static boolean contains(byte[] hay, byte[] needle) {
        outer:
        for (int i = 0; i + needle.length <= hay.length; i++) {
            for (int j = 0; j < needle.length; j++) if (hay[i + j] != needle[j]) continue outer;
            return true;
        }
        return false;
    }

    @Test
    void hostWithOnlyConstantColumnsIsWarnedAboutAndTheJobCompletes() {
        World w = new World(300, 6, true, out);
        List<String> log = new ArrayList<>();
        RunOutcome r = train(w, log);
        assertTrue(log.stream().anyMatch(l -> l.startsWith("warning") && l.contains("telco")), String.join("\n", log));
        assertTrue(r.metrics().get("auc") > 0.7);
        var hostPart = ModelParts.read(w.telco.modelPart("run-1"), ModelParts.HostPart.class, "run-1");
        assertTrue(hostPart.records().isEmpty());
    }

    @Test
    void hostsSumOnlyTheRootAndTheSmallerChildOfEachPair() {
        World w = new World(400, 13, false, out);
        var host = new java.util.concurrent.atomic.AtomicReference<BoostHost>();
        w.shop.onReply = reply -> {
            if (reply.step().equals(BoostSteps.SETUP)) host.set((BoostHost) w.shop.jobState("job-1").get(BoostNode.HOST));
            return reply;
        };
        List<String> log = new ArrayList<>();
        train(w, log);
        int histograms = 0;
        for (Message m : w.shop.seen) {
            if (!m.step().equals(BoostSteps.HISTOGRAM) || !m.sender().equals("coordinator")) continue;
            histograms++;
            BoostHost h = host.get();
            String ctx = "job-1/boost/" + m.config().get("tree") + "/" + m.config().get("level") + "/assign";
            Wire.In in = new Wire.In(h.seal.open(h.peers.get("bank"), ctx, m.blob("from:bank")), "test");
            int level = Integer.parseInt(m.config().get("level"));
            int k = in.getInt();
            int rows = 0;
            for (int i = 0; i < k; i++) {
                int node = in.getInt();
                assertEquals(level, io.meshfl.core.model.tree.Tree.depthOf(node));
                rows += in.getInts().length;
            }
            if (level == 0) assertEquals(400, rows);
            else assertTrue(rows <= 200, "level " + level + " asks for " + rows + " of 400 rows");
        }
        assertEquals(SETTINGS.trees() * SETTINGS.depth(), histograms);
        assertTrue(log.stream().anyMatch(l -> l.startsWith("tree 3/3: auc")), String.join("\n", log));
    }

    @Test
    void labelHolderDroppingOutStopsTheRunNamingIt() {
        World w = new World(200, 7, false, out);
        w.bank.dropWhen = m -> m.step().equals(BoostSteps.SPLIT) && "1".equals(m.config().get("tree"));
        var e = assertThrows(MeshflException.class, () -> train(w, new ArrayList<>()));
        assertTrue(e.getMessage().contains("bank"), e.getMessage());
        assertEquals(ErrorCode.NODE_LOST, e.code());
    }

    @Test
    void aHistogramCiphertextThatIsNoValidEncryptionIsRefused() {
        World w = new World(200, 8, false, out);
        w.shop.onReply = reply -> {
            if (!reply.step().equals(BoostSteps.HISTOGRAM) || reply.failed()) return reply;
            BoostHost h = (BoostHost) w.shop.jobState("job-1").get(BoostNode.HOST);
            String ctx = "job-1/boost/0/0/hist:shop";
            Wire.In in = new Wire.In(h.seal.open(h.peers.get("bank"), ctx, reply.blob("to:bank")), "test");
            int[] counts = in.getInts();
            BigInteger[] c = CipherCodec.unpack(in.getBytes(), h.pk.nSquared(), "test");
            c[0] = h.pk.n(); // shares both prime factors with n: no encryption produces it
            byte[] forged = new Wire.Out().putInts(counts).putBytes(CipherCodec.pack(c, h.pk.nSquared())).bytes();
            return reply.withBlobs(Map.of("to:bank", h.seal.seal(h.peers.get("bank"), ctx, forged)));
        };
        var e = assertThrows(MeshflException.class, () -> train(w, new ArrayList<>()));
        assertEquals(ErrorCode.CRYPTO_FAILURE, e.code(), e.getMessage());
    }

    @Test
    void aRelayedPayloadAlteredInTransitIsRefused() {
        World w = new World(200, 9, false, out);
        w.telco.onReply = reply -> {
            if (!reply.step().equals(BoostSteps.HISTOGRAM) || reply.failed()) return reply;
            byte[] b = reply.blob("to:bank").clone();
            b[b.length / 2] ^= 1;
            return reply.withBlobs(Map.of("to:bank", b));
        };
        var e = assertThrows(MeshflException.class, () -> train(w, new ArrayList<>()));
        assertEquals(ErrorCode.CRYPTO_FAILURE, e.code());
        assertTrue(e.getMessage().contains("altered"), e.getMessage());
    }

    @Test
    void nonBinaryLabelsAreRefusedByTheGuest() {
        World w = new World(100, 10, false, out);
        w.bank.label[3] = 2;
        var e = assertThrows(MeshflException.class, () -> train(w, new ArrayList<>()));
        assertEquals(ErrorCode.DATA_BAD_VALUE, e.code());
    }

    @Test
    void predictionsForAnotherDomainThanTheLabelHolderAreRefused() {
        World w = new World(100, 12, false, out);
        var parts = List.of(new VerticalScorer.Part("bank", "bank.p", true), new VerticalScorer.Part("shop", "shop.p", true));
        var e = assertThrows(MeshflException.class, () -> BoostScorer.score(w.channels(), "s", "m", "bank", "y", parts, "shop",
                Duration.ofSeconds(5), s -> { }));
        assertEquals(ErrorCode.PLAN_REFUSED, e.code());
        assertTrue(e.getMessage().contains("label holder"), e.getMessage());
    }
}

package io.meshfl.core.protocol.vertical;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.meshfl.core.ErrorCode;
import io.meshfl.core.MeshflException;
import io.meshfl.core.data.Dataset;
import io.meshfl.core.model.ModelSpec;
import io.meshfl.core.plan.JobLoader;
import io.meshfl.core.plan.JobSpec;
import io.meshfl.core.plan.Plan;
import io.meshfl.core.protocol.DirectNode;
import io.meshfl.core.protocol.Message;
import io.meshfl.core.protocol.NodeChannel;
import io.meshfl.core.protocol.CheckpointFollower;
import io.meshfl.core.protocol.RunCheckpoint;
import io.meshfl.core.protocol.RunParts;
import io.meshfl.core.protocol.horizontal.RoundSummary;
import io.meshfl.core.protocol.horizontal.RunObserver;
import io.meshfl.core.protocol.horizontal.RunOutcome;
import io.meshfl.core.protocol.psi.PsiNode;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A vertical run goes on from the epoch every party persisted: parties restarted with nothing but
 * their run folders, under a new arbiter key, train exactly the model and the epochs the
 * undisturbed run trained after that epoch.
 */
class VerticalResumeTest {

    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path dir;

    /** One party: its product in memory and its run folders under {@code folders}; a fresh object holds nothing else. */
    private static final class Node extends DirectNode {
        final Dataset data;
        final Path folders;
        private final PsiNode psi = new PsiNode();
        private final VerticalNode vertical = new VerticalNode();

        Node(String domain, Dataset data, Path folders) {
            super(domain);
            this.data = data;
            this.folders = folders;
        }

        @Override
        protected Message answer(Message request) {
            try {
                return request.protocol().equals(VerticalSteps.PROTOCOL) ? vertical.handle(request, this) : psi.handle(request, this);
            } catch (MeshflException e) {
                return request.failure(domain, e.code(), e.getMessage());
            }
        }

        @Override
        public Dataset load(String productId, List<String> features, String label) {
            List<String> all = data.features();
            double[] x = new double[data.rows() * features.size()];
            for (int r = 0; r < data.rows(); r++) {
                for (int j = 0; j < features.size(); j++) x[r * features.size() + j] = data.x()[r * all.size() + all.indexOf(features.get(j))];
            }
            return new Dataset(features, x, label == null ? null : data.y(), data.keys(), data.rows());
        }

        @Override
        public Path runFolder(String runId) {
            try {
                return Files.createDirectories(folders.resolve(runId));
            } catch (java.io.IOException e) {
                throw new IllegalStateException(e);
            }
        }
    }

    private static final JobSpec JOB = JobLoader.parse("""
            name: v
            products: [bank.accounts, shop.orders]
            label: y
            model: {type: logistic}
            strategy: vertical
            vertical: {epochs: 5, batchSize: 64, lr: 0.3, keyBits: 1024, tol: 0, optimizer: adam}
            """, "v.yaml");

    private static final Plan PLAN = new Plan("vertical", "paillier-arbiter", List.of(
            new Plan.Participant("bank.accounts", "bank", "1", 300, "guest", List.of("a", "b")),
            new Plan.Participant("shop.orders", "shop", "1", 280, "host", List.of("c", "d"))),
            List.of(), List.of("a", "b", "c", "d"), "y", ModelSpec.of(ModelSpec.Type.LOGISTIC), 5, 0, List.of(), List.of());

    /** bank: 300 customers with a label; shop: 280 of them and 30 others, in another order. */
    private static Map<String, Dataset> data() {
        Random r = new Random(5);
        int n = 300;
        double[] z = new double[n];
        double[] bank = new double[n * 2];
        double[] y = new double[n];
        String[] bankIds = new String[n];
        for (int i = 0; i < n; i++) {
            bankIds[i] = "c" + i;
            bank[2 * i] = r.nextGaussian();
            bank[2 * i + 1] = r.nextGaussian();
            z[i] = 0.8 * bank[2 * i] - 0.5 * bank[2 * i + 1];
        }
        List<String> shopIds = new ArrayList<>();
        List<double[]> shopRows = new ArrayList<>();
        for (int i = n - 1; i >= 20; i--) {
            double c = r.nextGaussian();
            double d = r.nextGaussian();
            z[i] += 0.6 * c + 0.3 * d;
            shopIds.add("c" + i);
            shopRows.add(new double[]{c, d});
        }
        for (int i = 0; i < 30; i++) {
            shopIds.add("x" + i);
            shopRows.add(new double[]{r.nextGaussian(), r.nextGaussian()});
        }
        for (int i = 0; i < n; i++) y[i] = r.nextDouble() < 1 / (1 + Math.exp(-z[i])) ? 1 : 0;
        double[] shop = new double[shopRows.size() * 2];
        for (int i = 0; i < shopRows.size(); i++) System.arraycopy(shopRows.get(i), 0, shop, 2 * i, 2);
        return Map.of("bank", new Dataset(List.of("a", "b"), bank, y, bankIds, n),
                "shop", new Dataset(List.of("c", "d"), shop, null, shopIds.toArray(new String[0]), shopRows.size()));
    }

    private Map<String, NodeChannel> nodes(Map<String, Dataset> data, String folders) {
        Map<String, NodeChannel> m = new LinkedHashMap<>();
        for (String d : List.of("bank", "shop")) m.put(d, new Node(d, data.get(d), dir.resolve(folders).resolve(d)));
        return m;
    }

    @Test
    void partiesRestartedFromTheirPersistedPartsTrainTheUndisturbedRunsRemainingEpochsExactly() throws Exception {
        Map<String, Dataset> data = data();
        CheckpointFollower undisturbed = new CheckpointFollower(2, dir.resolve("first"), dir.resolve("crash"));
        Map<String, NodeChannel> first = nodes(data, "first");
        RunOutcome whole = new VerticalRunner(JOB, PLAN, first, undisturbed).run("job", "run-1");
        assertEquals(5, undisturbed.checkpoints.size(), "every epoch is committed with every party's part");
        RunCheckpoint at2 = undisturbed.checkpoints.get(1);
        assertEquals(2, at2.round());
        assertEquals(Map.of("bank", 64, "shop", 64), Map.of("bank", at2.part("bank").length(), "shop", at2.part("shop").length()),
                "each party's part is named by its SHA-256");

        // restarted parties: new objects, no alignment and no weights in memory, only the run folders as the crash left them
        CheckpointFollower resumed = new CheckpointFollower();
        Map<String, NodeChannel> restarted = nodes(data, "crash");
        RunOutcome after = new VerticalRunner(JOB, PLAN, restarted, resumed).resume(at2, undisturbed.rounds.subList(0, 2)).run("job", "run-1");

        assertEquals(List.of(3, 4, 5), resumed.rounds.stream().map(RoundSummary::round).toList(), "it goes on after epoch 2");
        for (int i = 0; i < 3; i++) {
            assertEquals(undisturbed.rounds.get(i + 2).metrics().get("auc"), resumed.rounds.get(i).metrics().get("auc"), "auc of epoch " + (i + 3));
            assertEquals(undisturbed.rounds.get(i + 2).metrics().get("loss"), resumed.rounds.get(i).metrics().get("loss"), "loss of epoch " + (i + 3));
        }
        for (String d : List.of("bank", "shop")) {
            JsonNode a = JSON.readTree(((Node) first.get(d)).modelPart("run-1"));
            JsonNode b = JSON.readTree(((Node) restarted.get(d)).modelPart("run-1"));
            assertArrayEquals(doubles(a.get("weights")), doubles(b.get("weights")), "weights of " + d);
            assertEquals(a.get("bias").asDouble(), b.get("bias").asDouble(), "bias of " + d);
        }
        assertEquals(5, after.rounds().size(), "the report holds all five epochs");
        assertEquals(2.0, after.metrics().get("resumed_from_round"));
        assertEquals(whole.metrics().get("auc"), after.metrics().get("auc"));
    }

    @Test
    void aPartyOfTwoNodesResumesFromItsMembersSparsePartsAndTrainsTheUndisturbedEpochs() throws Exception {
        // the shop's customers live on two nodes, by the parity of their row: one party, "shop"
        Map<String, Dataset> data = new LinkedHashMap<>(data());
        Dataset shop = data.remove("shop");
        for (int part = 0; part < 2; part++) {
            List<Integer> rows = new ArrayList<>();
            for (int i = part; i < shop.rows(); i += 2) rows.add(i);
            data.put("shop-" + (char) ('a' + part), shop.select(rows.stream().mapToInt(Integer::intValue).toArray()));
        }
        Plan plan = new Plan("vertical", "paillier-arbiter", List.of(
                new Plan.Participant("bank.accounts", "bank", "1", 300, "guest", List.of("a", "b")),
                new Plan.Participant("shop-a.orders", "shop-a", "1", 155, "host", List.of("c", "d"), "shop"),
                new Plan.Participant("shop-b.orders", "shop-b", "1", 155, "host", List.of("c", "d"), "shop")),
                List.of(), List.of("a", "b", "shop:c", "shop:d"), "y", ModelSpec.of(ModelSpec.Type.LOGISTIC), 5, 0, List.of(), List.of());
        java.util.function.Function<String, Map<String, NodeChannel>> nodes = folders -> {
            Map<String, NodeChannel> m = new LinkedHashMap<>();
            for (String d : List.of("bank", "shop-a", "shop-b")) m.put(d, new Node(d, data.get(d), dir.resolve(folders).resolve(d)));
            return m;
        };
        CheckpointFollower undisturbed = new CheckpointFollower(2, dir.resolve("g-first"), dir.resolve("g-crash"));
        Map<String, NodeChannel> first = nodes.apply("g-first");
        RunOutcome whole = new VerticalRunner(JOB, plan, first, undisturbed).run("job", "run-g");
        assertEquals(280.0, whole.metrics().get("psi_intersection"), "the party's entities are the union of its members'");
        assertTrue(whole.metrics().get("auc") > 0.7, whole.metrics().toString());
        JsonNode a = JSON.readTree(((Node) first.get("shop-a")).modelPart("run-g"));
        JsonNode b = JSON.readTree(((Node) first.get("shop-b")).modelPart("run-g"));
        assertEquals(a.get("weights"), b.get("weights"), "the members step one set of weights");
        assertEquals(a.get("mean"), b.get("mean"), "and scale by the party's statistics");

        CheckpointFollower resumed = new CheckpointFollower();
        Map<String, NodeChannel> restarted = nodes.apply("g-crash");
        RunOutcome after = new VerticalRunner(JOB, plan, restarted, resumed).resume(undisturbed.checkpoints.get(1), undisturbed.rounds.subList(0, 2))
                .run("job", "run-g");
        assertEquals(List.of(3, 4, 5), resumed.rounds.stream().map(RoundSummary::round).toList());
        assertEquals(whole.metrics().get("auc"), after.metrics().get("auc"));
        assertEquals(whole.metrics().get("loss"), after.metrics().get("loss"));
        for (String d : List.of("bank", "shop-a", "shop-b")) {
            assertEquals(JSON.readTree(((Node) first.get(d)).modelPart("run-g")).get("weights"),
                    JSON.readTree(((Node) restarted.get(d)).modelPart("run-g")).get("weights"), "weights of " + d);
        }
    }

    @Test
    void aHeldOutShareOfTheAlignedRowsNeverTrainsIsScoredApartAndKeepsItsSplitThroughAResume() throws Exception {
        JobSpec job = JobLoader.parse("""
                name: v
                products: [bank.accounts, shop.orders]
                label: y
                model: {type: logistic}
                strategy: vertical
                vertical: {epochs: 4, batchSize: 64, lr: 0.3, keyBits: 1024, tol: 0, optimizer: adam}
                evaluation: {holdout: 0.25}
                """, "v.yaml");
        Map<String, Dataset> data = data();
        CheckpointFollower undisturbed = new CheckpointFollower(2, dir.resolve("held"), dir.resolve("held-crash"));
        Map<String, NodeChannel> first = nodes(data, "held");
        RunOutcome whole = new VerticalRunner(job, PLAN, first, undisturbed).run("job", "run-h");
        // 280 customers are in both products: 70 held out, 210 train
        for (RoundSummary r : undisturbed.rounds) {
            assertEquals(70.0, r.metrics().get("holdout_rows"), r.metrics().toString());
            assertTrue(r.metrics().containsKey("train_auc") && r.metrics().containsKey("auc") && r.metrics().containsKey("train_loss"));
        }
        assertTrue(!whole.metrics().get("auc").equals(whole.metrics().get("train_auc")), whole.metrics().toString());

        // the held-out rows are the last 70 of the guest's persisted order; flipping their labels changes their scores, never the model
        RunCheckpoint last = undisturbed.checkpoints.get(3);
        int[] order = RunParts.rows(RunCheckpoint.decode(RunParts.read(dir.resolve("held").resolve("bank").resolve("run-h"), "vertical", 4,
                last.part("bank"), "bank")).tensor("aligned"));
        assertEquals(280, order.length);
        Dataset bank = data.get("bank");
        double[] flipped = bank.y().clone();
        for (int i = 210; i < 280; i++) flipped[order[i]] = 1 - flipped[order[i]];
        Map<String, Dataset> other = new LinkedHashMap<>(data);
        other.put("bank", new Dataset(bank.features(), bank.x(), flipped, bank.keys(), bank.rows()));
        Map<String, NodeChannel> again = nodes(other, "flipped");
        RunOutcome flippedRun = new VerticalRunner(job, PLAN, again, new CheckpointFollower()).run("job", "run-f");
        for (String d : List.of("bank", "shop")) {
            assertEquals(JSON.readTree(((Node) first.get(d)).modelPart("run-h")), JSON.readTree(((Node) again.get(d)).modelPart("run-f")),
                    "the model of " + d + " does not depend on a held-out label");
        }
        assertEquals(whole.metrics().get("train_auc"), flippedRun.metrics().get("train_auc"));
        assertTrue(flippedRun.metrics().get("auc") < 0.5 && whole.metrics().get("auc") > 0.5, flippedRun.metrics() + " " + whole.metrics());

        // a run resumed after epoch 2 holds out the same rows and ends with the same held-out metrics
        CheckpointFollower resumed = new CheckpointFollower();
        RunOutcome after = new VerticalRunner(job, PLAN, nodes(data, "held-crash"), resumed)
                .resume(undisturbed.checkpoints.get(1), undisturbed.rounds.subList(0, 2)).run("job", "run-h");
        assertEquals(whole.metrics().get("auc"), after.metrics().get("auc"));
        assertEquals(whole.metrics().get("train_auc"), after.metrics().get("train_auc"));
    }

    @Test
    void theSavedModelIsTheSelectedEpochsOnEveryParty() throws Exception {
        String base = """
                name: v
                products: [bank.accounts, shop.orders]
                label: y
                model: {type: logistic}
                strategy: vertical
                vertical: {epochs: %d, batchSize: 32, lr: 0.8, keyBits: 1024, tol: 0, optimizer: sgd}
                evaluation: {holdout: 0.3}
                %s""";
        Map<String, Dataset> data = data();
        Map<String, NodeChannel> selecting = nodes(data, "select");
        RunOutcome out = new VerticalRunner(JobLoader.parse(base.formatted(12, "selection: {metric: loss, patience: 2}\n"), "v.yaml"), PLAN,
                selecting, new CheckpointFollower()).run("job", "run-s");
        int selected = out.metrics().get("selected_round").intValue();
        int ran = out.metrics().get("rounds_run").intValue();
        List<Double> losses = out.rounds().stream().map(r -> r.metrics().get("loss")).toList();
        assertEquals(losses.stream().mapToDouble(Double::doubleValue).min().orElseThrow(), losses.get(selected - 1), losses.toString());
        assertEquals(losses.get(selected - 1), out.metrics().get("loss"));
        // at this learning rate the held-out loss bottoms out before the last epoch: the selected epoch is not the last one
        assertTrue(selected < ran, losses.toString());
        assertTrue(ran == 12 || (ran == selected + 2 && out.metrics().get("stopped_early_after_round") == ran), out.metrics().toString());
        // the same job stopped by hand after the selected epoch trains exactly the saved model (runs are deterministic)
        Map<String, NodeChannel> plain = nodes(data, "plain");
        new VerticalRunner(JobLoader.parse(base.formatted(selected, ""), "v.yaml"), PLAN, plain, new CheckpointFollower()).run("job", "run-p");
        for (String d : List.of("bank", "shop")) {
            assertEquals(JSON.readTree(((Node) plain.get(d)).modelPart("run-p")), JSON.readTree(((Node) selecting.get(d)).modelPart("run-s")), d);
        }
    }

    @Test
    void twoRunsOfTheSameJobAndDataTrainTheSameModelBitForBit() throws Exception {
        // fresh keys, fresh blinding and fresh masks each time: none of it may reach the model
        Map<String, Dataset> data = data();
        Map<String, NodeChannel> a = nodes(data, "twice-a");
        Map<String, NodeChannel> b = nodes(data, "twice-b");
        RunOutcome first = new VerticalRunner(JOB, PLAN, a, new CheckpointFollower()).run("job", "run-a");
        RunOutcome second = new VerticalRunner(JOB, PLAN, b, new CheckpointFollower()).run("job", "run-b");
        for (String d : List.of("bank", "shop")) {
            assertEquals(JSON.readTree(((Node) a.get(d)).modelPart("run-a")), JSON.readTree(((Node) b.get(d)).modelPart("run-b")), d);
        }
        assertEquals(first.metrics().get("loss"), second.metrics().get("loss"));
    }

    @Test
    void aPartyWhosePartDiffersFromTheMarkerOrIsGoneCannotResume() throws Exception {
        Map<String, Dataset> data = data();
        CheckpointFollower run = new CheckpointFollower(2, dir.resolve("first"), dir.resolve("crash"));
        new VerticalRunner(JOB, PLAN, nodes(data, "first"), run).run("job", "run-1");
        RunCheckpoint at2 = run.checkpoints.get(1);

        Path shopPart = dir.resolve("crash").resolve("shop").resolve("run-1").resolve("vertical-2.part");
        byte[] bytes = Files.readAllBytes(shopPart);
        bytes[bytes.length / 2] ^= 1;
        Files.write(shopPart, bytes);
        var altered = assertThrows(MeshflException.class, () -> new VerticalRunner(JOB, PLAN, nodes(data, "crash"), RunObserver.NONE)
                .resume(at2, run.rounds.subList(0, 2)).run("job", "run-1"));
        assertTrue(altered.getMessage().contains("shop") && altered.getMessage().contains("other than the one the run committed"),
                altered.getMessage());
        assertTrue(!altered.getMessage().contains(dir.toString()), "the error names no path: " + altered.getMessage());

        Files.delete(shopPart);
        var gone = assertThrows(MeshflException.class, () -> new VerticalRunner(JOB, PLAN, nodes(data, "crash"), RunObserver.NONE)
                .resume(at2, run.rounds.subList(0, 2)).run("job", "run-1"));
        assertEquals(ErrorCode.NODE_FAILURE, gone.code(), gone.getMessage());
        assertTrue(gone.getMessage().contains("holds no part of round 2"), gone.getMessage());
    }

    /** A party's line that drops once, at a chosen step, as a killed node would, and is then answered by its restarted process. */
    private static final class Restarting implements NodeChannel {
        final String domain;
        final java.util.function.Supplier<Node> restart;
        final java.util.function.Predicate<Message> killAt;
        Node node;
        boolean killed;

        Restarting(Node first, java.util.function.Supplier<Node> restart, java.util.function.Predicate<Message> killAt) {
            this.domain = first.domain();
            this.node = first;
            this.restart = restart;
            this.killAt = killAt;
        }

        @Override
        public Message call(Message request, java.time.Duration timeout) {
            if (!killed && killAt.test(request)) {
                killed = true;
                node = restart.get();
                throw new MeshflException(ErrorCode.NODE_LOST, "node of " + domain + " is unreachable: connection reset");
            }
            return node.call(request, timeout);
        }

        @Override
        public String nodeId() {
            return domain;
        }

        @Override
        public String domain() {
            return domain;
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

    @Test
    void aRunThatLosesAPartyGoesOnFromItsLastCommittedEpochOnceThePartyIsBack() throws Exception {
        Map<String, Dataset> data = data();
        Path folders = dir.resolve("first");
        Node bank = new Node("bank", data.get("bank"), folders.resolve("bank"));
        // shop's process dies in epoch 3 and comes back with nothing but its run folder
        Restarting shop = new Restarting(new Node("shop", data.get("shop"), folders.resolve("shop")),
                () -> new Node("shop", data.get("shop"), folders.resolve("shop")),
                m -> m.step().equals(VerticalSteps.FORWARD) && m.cfg("epoch", "").equals("3"));
        Map<String, NodeChannel> channels = new LinkedHashMap<>();
        channels.put("bank", bank);
        channels.put("shop", shop);
        List<String> asked = new ArrayList<>();
        CheckpointFollower run = new CheckpointFollower(2, dir.resolve("first"), dir.resolve("crash"));
        RunOutcome out = new VerticalRunner(JOB, PLAN, channels, run).recovery((lost, from) -> {
            asked.add(lost.code() + " after round " + from);
            return true;
        }).run("job", "run-1");

        assertEquals(List.of("NODE_LOST after round 2"), asked, "asked once to wait for the lost party");
        assertEquals(List.of(1, 2, 3, 4, 5), run.rounds.stream().map(RoundSummary::round).toList(), "every epoch once");
        assertEquals(2.0, out.metrics().get("resumed_from_round"));

        // the same run resumed from the epoch-2 parts by fresh parties: the parties that stayed up set up again as well
        Map<String, NodeChannel> fresh = nodes(data, "crash");
        new VerticalRunner(JOB, PLAN, fresh, RunObserver.NONE).resume(run.checkpoints.get(1), run.rounds.subList(0, 2)).run("job", "run-1");
        for (String d : List.of("bank", "shop")) {
            Node went = d.equals("bank") ? bank : shop.node;
            assertArrayEquals(doubles(JSON.readTree(((Node) fresh.get(d)).modelPart("run-1")).get("weights")),
                    doubles(JSON.readTree(went.modelPart("run-1")).get("weights")), "weights of " + d);
        }

        // a party that stays away: the run fails with the loss
        Restarting gone = new Restarting(new Node("shop", data.get("shop"), dir.resolve("third").resolve("shop")),
                () -> new Node("shop", data.get("shop"), dir.resolve("third").resolve("shop")),
                m -> m.step().equals(VerticalSteps.FORWARD) && m.cfg("epoch", "").equals("2"));
        Map<String, NodeChannel> third = new LinkedHashMap<>();
        third.put("bank", new Node("bank", data.get("bank"), dir.resolve("third").resolve("bank")));
        third.put("shop", gone);
        var e = assertThrows(MeshflException.class, () -> new VerticalRunner(JOB, PLAN, third, RunObserver.NONE).recovery((lost, from) -> false)
                .run("job", "run-3"));
        assertEquals(ErrorCode.NODE_LOST, e.code(), e.getMessage());
    }

    private static double[] doubles(JsonNode a) {
        double[] v = new double[a.size()];
        for (int i = 0; i < v.length; i++) v[i] = a.get(i).asDouble();
        return v;
    }

}

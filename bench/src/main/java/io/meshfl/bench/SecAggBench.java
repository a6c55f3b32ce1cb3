package io.meshfl.bench;

import io.meshfl.core.ErrorCode;
import io.meshfl.core.MeshflException;
import io.meshfl.core.data.Dataset;
import io.meshfl.core.plan.SecureAggregationSpec;
import io.meshfl.core.protocol.Message;
import io.meshfl.core.protocol.NodeContext;
import io.meshfl.core.protocol.horizontal.Aggregation;
import io.meshfl.core.protocol.horizontal.FitInstruction;
import io.meshfl.core.protocol.horizontal.FitResult;
import io.meshfl.core.protocol.horizontal.secagg.SecAggNode;
import io.meshfl.core.protocol.horizontal.secagg.SecAggSteps;
import io.meshfl.core.protocol.horizontal.secagg.SecureRound;
import io.meshfl.core.protocol.vertical.CipherCodec;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.AbstractExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * One secure-aggregation round against one plain FedAvg round of the same nodes, in one JVM with
 * trivial local training, so that what is measured is the aggregation. Every call runs to the
 * end before the next starts (a direct executor), so the time inside each node's handler is that
 * client's time and the rest is the coordinator's. In a deployment the clients are separate
 * machines working in parallel within each stage, so a round takes the coordinator's time plus,
 * per stage, the slowest client's time: the critical path reported here.
 */
public final class SecAggBench {

    static final int PARAMS = 100_000;
    static final String[] STAGES = {SecAggSteps.SETUP, SecAggSteps.SHARE_KEYS, SecAggSteps.COLLECT_MASKED, SecAggSteps.UNMASK};

    private SecAggBench() {
    }

    /** The little a node host offers the secure-aggregation node side: an id and job state. */
    private static final class Host implements NodeContext {
        final String id;
        final Map<String, Map<String, Object>> jobs = new HashMap<>();

        Host(String id) {
            this.id = id;
        }

        public String nodeId() {
            return id;
        }

        public String domain() {
            return id;
        }

        public Dataset load(String productId, List<String> features, String label) {
            throw new UnsupportedOperationException("the benchmark trains without data");
        }

        public Map<String, Object> jobState(String jobId) {
            return jobs.computeIfAbsent(jobId, k -> new HashMap<>());
        }

        public void endJob(String jobId) {
            jobs.remove(jobId);
        }

        public void saveModelPart(String modelId, byte[] part) {
        }

        public byte[] modelPart(String modelId) {
            return null;
        }
    }

    /** Runs every submitted task in the submitting thread, so calls never overlap. */
    private static final class Direct extends AbstractExecutorService {
        public void execute(Runnable r) {
            r.run();
        }

        public void shutdown() {
        }

        public List<Runnable> shutdownNow() {
            return List.of();
        }

        public boolean isShutdown() {
            return false;
        }

        public boolean isTerminated() {
            return false;
        }

        public boolean awaitTermination(long t, TimeUnit u) {
            return true;
        }
    }

    /** Trivial local training: a fixed small step per coordinate, so only the aggregation costs. */
    static double[] train(double[] global, int node) {
        double[] p = new double[global.length];
        for (int i = 0; i < p.length; i++) p[i] = global[i] + 1e-3 * ((i + node) % 7 - 3);
        return p;
    }

    /** Timings of one round: the coordinator's, and each client's per stage. */
    record Timing(double serverMs, double criticalMs, double clientMaxMs, double cpuMs, Map<String, Double> serverByStage,
                  Map<String, Double> clientByStage) {
    }

    /** A client's local step: the global parameters and the node's number to its update. */
    interface Local {
        double[] train(double[] global, int node);
    }

    static Timing plainRound(int nodes, double[] global) {
        return plainRound(nodes, global, SecAggBench::train);
    }

    static Timing plainRound(int nodes, double[] global, Local local) {
        long t0 = System.nanoTime();
        long clientTotal = 0;
        long clientMax = 0;
        List<FitResult> results = new ArrayList<>();
        // the wire form both ways: parameters as float64 bytes, as a fit request and reply carry them
        byte[] request = CipherCodec.packDoubles(global);
        for (int n = 0; n < nodes; n++) {
            long c0 = System.nanoTime();
            double[] g = CipherCodec.unpackDoubles(request, "global");
            byte[] reply = CipherCodec.packDoubles(local.train(g, n));
            long c = System.nanoTime() - c0;
            clientTotal += c;
            clientMax = Math.max(clientMax, c);
            results.add(new FitResult("n" + n, CipherCodec.unpackDoubles(reply, "update"), 100 + n, Map.of()));
        }
        Aggregation.weightedMean(results);
        double wall = (System.nanoTime() - t0) / 1e6;
        double server = wall - clientTotal / 1e6;
        return new Timing(server, server + clientMax / 1e6, clientMax / 1e6, wall, Map.of(), Map.of());
    }

    static Timing secureRound(int nodes, double[] global, Set<String> dropAfterMasking, String run, int round) {
        return secureRound(nodes, global, dropAfterMasking, run, round, SecAggBench::train);
    }

    static Timing secureRound(int nodes, double[] global, Set<String> dropAfterMasking, String run, int round, Local local) {
        Map<String, SecAggNode> sides = new HashMap<>();
        Map<String, Host> hosts = new HashMap<>();
        List<FitInstruction> orders = new ArrayList<>();
        for (int n = 0; n < nodes; n++) {
            String id = String.format(Locale.ROOT, "n%03d", n);
            sides.put(id, new SecAggNode());
            hosts.put(id, new Host(id));
            orders.add(new FitInstruction(id, Map.of()));
        }
        Map<String, Map<String, Long>> client = new LinkedHashMap<>();
        Map<String, Long> server = new LinkedHashMap<>();
        for (String s : STAGES) {
            client.put(s, new HashMap<>());
            server.put(s, 0L);
        }
        long[] lastEnd = {System.nanoTime()};
        long t0 = lastEnd[0];
        Map<String, byte[]> wire = new HashMap<>();
        SecureRound.Caller caller = (domain, sent) -> {
            // the global parameters travel as float64 bytes, as in the plain round: packed once by
            // the coordinator (its time), unpacked by every node (the node's time)
            byte[] packed = sent.step().equals(SecAggSteps.COLLECT_MASKED)
                    ? wire.computeIfAbsent("params", k -> CipherCodec.packDoubles(sent.tensor("params"))) : null;
            long c0 = System.nanoTime();
            server.merge(sent.step(), c0 - lastEnd[0], Long::sum);
            try {
                Message req = packed == null ? sent : sent.withTensors(Map.of("params", CipherCodec.unpackDoubles(packed, "global")));
                if (req.step().equals(SecAggSteps.UNMASK) && dropAfterMasking.contains(domain)) {
                    throw new MeshflException(ErrorCode.NODE_LOST, domain + " dropped out after masking");
                }
                int node = Integer.parseInt(domain.substring(1));
                return sides.get(domain).handle(req, hosts.get(domain), (g, r) -> new SecAggNode.LocalUpdate(local.train(g, node), 100 + node, 0));
            } finally {
                long c1 = System.nanoTime();
                client.get(sent.step()).merge(domain, c1 - c0, Long::sum);
                lastEnd[0] = c1;
            }
        };
        SecureAggregationSpec spec = new SecureAggregationSpec(0, 0, 32, 0.1, 1000);
        SecureRound.Outcome out = new SecureRound(spec, 1000, caller, new Direct(), Duration.ofMinutes(5))
                .run("bench", run, round, global, orders);
        long end = System.nanoTime();
        server.merge("recover", end - lastEnd[0], Long::sum);
        if (out.nodesInSum() != nodes) throw new IllegalStateException("expected all " + nodes + " nodes in the sum, got " + out.nodesInSum());
        double critical = 0;
        double clientMax = 0;
        double clientTotal = 0;
        Map<String, Double> clientByStage = new LinkedHashMap<>();
        for (String s : STAGES) {
            double max = client.get(s).values().stream().mapToLong(Long::longValue).max().orElse(0) / 1e6;
            clientByStage.put(s, max);
            critical += max;
            clientMax += max;
            clientTotal += client.get(s).values().stream().mapToLong(Long::longValue).sum() / 1e6;
        }
        double serverMs = 0;
        Map<String, Double> byStage = new LinkedHashMap<>();
        for (var e : server.entrySet()) {
            byStage.put(e.getKey(), e.getValue() / 1e6);
            serverMs += e.getValue() / 1e6;
        }
        double wall = (end - t0) / 1e6;
        if (Math.abs(wall - serverMs - clientTotal) > 1) throw new IllegalStateException("timings do not add up");
        return new Timing(serverMs, serverMs + critical, clientMax, wall, byStage, clientByStage);
    }

    public static void main(String[] args) throws Exception {
        int[] sizes = {10, 50, 100};
        int rounds = Integer.getInteger("rounds", 7);
        Random rng = new Random(5);
        double[] global = new double[PARAMS];
        for (int i = 0; i < PARAMS; i++) global[i] = rng.nextGaussian() * 0.1;
        StringBuilder md = new StringBuilder();
        md.append(String.format(Locale.ROOT, "%,d parameters, trivial local training (a fixed step per coordinate), SecAgg+ with the default "
                + "degree and threshold, ring 2^32, clip 0.1; drop-outs leave after sending their masked update (between COLLECT_MASKED "
                + "and UNMASK), chosen at random per round. One JVM (-Xmx3g), no transport: the plain round packs and unpacks the parameters "
                + "as float64 bytes, the secure round the global parameters likewise and its own blobs. One warm-up round, then the round with the median critical path of %d (the machine is shared: the ratio of "
                + "the fastest secure to the fastest plain round is given too). Server = the "
                + "coordinator's own time, by stage from the end of the previous stage's last node call (so the handling of a stage's replies "
                + "shows in the next column: the masked sum in unmask, the share checks in recover); client = the slowest client's time summed "
                + "over the stages; critical path = server + client "
                + "(clients on separate machines); CPU = all clients' and the server's time on one core.%n%n", PARAMS, rounds));
        md.append("| nodes | drop-outs | degree / threshold | plain: critical path ms (server + client) | secure: critical path ms (server + client) "
                + "| secure / plain, medians (fastest rounds) | secure server ms by stage: setup, share keys, collect, unmask, recover "
                + "| slowest client ms by stage: setup, share keys, collect, unmask | CPU ms plain / secure |\n");
        md.append("|---:|---:|---|---|---|---:|---|---|---|\n");
        SecureAggregationSpec spec = SecureAggregationSpec.defaults();
        for (int n : sizes) {
            for (double drop : new double[] {0, 0.3}) {
                List<Timing> plain = new ArrayList<>();
                List<Timing> secure = new ArrayList<>();
                int failed = 0;
                for (int r = 0; r <= rounds; r++) {
                    Set<String> dropped = new HashSet<>();
                    List<Integer> ids = new ArrayList<>();
                    for (int i = 0; i < n; i++) ids.add(i);
                    java.util.Collections.shuffle(ids, new Random(1000L * n + r));
                    for (int i = 0; i < Math.round(drop * n); i++) dropped.add(String.format(Locale.ROOT, "n%03d", ids.get(i)));
                    Timing p = plainRound(n, global);
                    Timing s;
                    try {
                        s = secureRound(n, global, dropped, "run-" + n + "-" + drop, r + 1);
                    } catch (MeshflException e) {
                        System.out.println("round failed: " + e.getMessage());
                        failed++;
                        continue;
                    }
                    if (r == 0) continue;
                    plain.add(p);
                    secure.add(s);
                    System.out.printf(Locale.ROOT, "n=%d drop=%.1f plain %.1f ms, secure %.1f ms (server %.1f %s; slowest client %s)%n", n, drop,
                            p.criticalMs(), s.criticalMs(), s.serverMs(), s.serverByStage(), s.clientByStage());
                }
                int degree = spec.degreeFor(n);
                if (plain.isEmpty()) {
                    md.append(String.format(Locale.ROOT, "| %d | %.0f%% | %d / %d | | all rounds failed | | | | |%n", n, drop * 100, degree,
                            spec.thresholdFor(degree)));
                    continue;
                }
                Timing pm = medianBy(plain);
                Timing sm = medianBy(secure);
                double best = secure.stream().mapToDouble(Timing::criticalMs).min().orElseThrow()
                        / plain.stream().mapToDouble(Timing::criticalMs).min().orElseThrow();
                md.append(String.format(Locale.ROOT, "| %d | %.0f%%%s | %d / %d | %.1f (%.1f + %.1f) | %.1f (%.1f + %.1f) | %.1f (%.1f) | %s | %s | %.0f / %.0f |%n",
                        n, drop * 100, failed > 0 ? " (" + failed + " of " + (rounds + 1) + " rounds failed)" : "", degree, spec.thresholdFor(degree),
                        pm.criticalMs(), pm.serverMs(), pm.clientMaxMs(), sm.criticalMs(), sm.serverMs(), sm.clientMaxMs(),
                        sm.criticalMs() / pm.criticalMs(), best, list(sm.serverByStage()), list(sm.clientByStage()), pm.cpuMs(), sm.cpuMs()));
            }
        }
        md.append("\n").append(realistic(Integer.getInteger("realisticRounds", 3)));
        int degree100 = spec.degreeFor(100);
        md.append("\n").append(SecAggProfile.table(100, degree100,
                SecAggProfile.measure(100, degree100, spec.thresholdFor(degree100), PARAMS + 3)));
        md.append("\n").append(Docs.stamp()).append('\n');
        System.out.println(md);
        Docs.replaceBlock(Docs.docPath(args), "secagg", md.toString());
    }

    /** Rows of each node (as the trainer benchmark's realistic round) and the MLP's hidden width in the realistic row: about 100,000 parameters, one local epoch. */
    static final int REAL_ROWS = 2_000;
    static final int REAL_HIDDEN = 4096;
    static final int REAL_INPUTS = 23;

    /**
     * 100 nodes, no drop-outs, with realistic local training on both sides: every client trains
     * MeshFL's own MLP ({@value #REAL_INPUTS} -> {@value #REAL_HIDDEN} -> 1) for one epoch (batches of 32,
     * SGD) over {@value #REAL_ROWS} rows with {@code LocalTrainer.train}, in the plain round and in the
     * secure round alike, so the ratio is what secure aggregation adds to a round that trains.
     */
    static String realistic(int rounds) {
        io.meshfl.core.model.Mlp mlp = new io.meshfl.core.model.Mlp(new io.meshfl.core.model.ModelSpec(io.meshfl.core.model.ModelSpec.Type.MLP,
                List.of(REAL_HIDDEN), 2, 0.0), REAL_INPUTS);
        Random rng = new Random(9);
        List<String> columns = new ArrayList<>();
        for (int c = 0; c < REAL_INPUTS; c++) columns.add("x" + c);
        double[] x = new double[REAL_ROWS * REAL_INPUTS];
        double[] y = new double[REAL_ROWS];
        for (int i = 0; i < x.length; i++) x[i] = rng.nextGaussian();
        for (int i = 0; i < REAL_ROWS; i++) y[i] = x[i * REAL_INPUTS] + rng.nextGaussian() > 0 ? 1 : 0;
        Dataset rows = new Dataset(columns, x, y, null, REAL_ROWS);
        Local local = (g, node) -> io.meshfl.core.model.LocalTrainer.train(mlp, g, rows, new io.meshfl.core.model.LocalConfig(1, 32,
                new io.meshfl.core.model.OptimizerSpec("sgd", 0.05, 0), 0, 0, 1000L + node)).params();
        double[] global = new double[mlp.numParams()];
        mlp.initialize(global, new Random(3));
        int n = 100;
        List<Timing> plain = new ArrayList<>();
        List<Timing> secure = new ArrayList<>();
        for (int r = 0; r <= rounds; r++) {
            Timing p = plainRound(n, global, local);
            Timing s = secureRound(n, global, Set.of(), "run-real", r + 1, local);
            System.out.printf(Locale.ROOT, "realistic n=%d plain %.1f ms, secure %.1f ms%n", n, p.criticalMs(), s.criticalMs());
            if (r == 0) continue;
            plain.add(p);
            secure.add(s);
        }
        Timing pm = medianBy(plain);
        Timing sm = medianBy(secure);
        return String.format(Locale.ROOT, "With realistic local training: %d nodes, no drop-outs, every client training MeshFL's own MLP %d -> %d -> 1 "
                + "(%,d parameters) for one epoch (batches of 32, SGD) over %d rows in both rounds; one warm-up round, then the median of %d.%n%n"
                + "| nodes | local training | plain: critical path ms (server + client) | secure: critical path ms (server + client) | secure / plain | bar 1.5x |%n"
                + "|---:|---|---|---|---:|---|%n| %d | MLP, 1 epoch over %d rows | %.1f (%.1f + %.1f) | %.1f (%.1f + %.1f) | %.2f | %s |%n",
                n, REAL_INPUTS, REAL_HIDDEN, mlp.numParams(), REAL_ROWS, rounds, n, REAL_ROWS, pm.criticalMs(), pm.serverMs(), pm.clientMaxMs(),
                sm.criticalMs(), sm.serverMs(), sm.clientMaxMs(), sm.criticalMs() / pm.criticalMs(), sm.criticalMs() / pm.criticalMs() <= 1.5 ? "met" : "not met");
    }

    private static String list(Map<String, Double> ms) {
        StringBuilder sb = new StringBuilder();
        for (double v : ms.values()) sb.append(sb.length() == 0 ? "" : ", ").append(String.format(Locale.ROOT, "%.0f", v));
        return sb.toString();
    }

    /** The round with the median critical path. */
    private static Timing medianBy(List<Timing> ts) {
        List<Timing> sorted = new ArrayList<>(ts);
        sorted.sort((a, b) -> Double.compare(a.criticalMs(), b.criticalMs()));
        return sorted.get(sorted.size() / 2);
    }
}

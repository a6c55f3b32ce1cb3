package io.meshfl.core.protocol.horizontal;

import io.meshfl.core.ErrorCode;
import io.meshfl.core.MeshflException;
import io.meshfl.core.data.ColumnStats;
import io.meshfl.core.data.Standardizer;
import io.meshfl.core.metrics.EvalSums;
import io.meshfl.core.metrics.ScoreHistogram;
import io.meshfl.core.model.Model;
import io.meshfl.core.model.ModelSpec;
import io.meshfl.core.model.Models;
import io.meshfl.core.plan.JobSpec;
import io.meshfl.core.plan.Plan;
import io.meshfl.core.protocol.Message;
import io.meshfl.core.protocol.NodeChannel;
import io.meshfl.core.protocol.RunCheckpoint;
import io.meshfl.core.protocol.horizontal.secagg.SecureRound;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Predicate;
import java.util.stream.Collectors;

/**
 * The coordinator side of horizontal federated learning: the one round loop. Prepares every
 * node, computes feature scaling from per-node sums, then per round asks the strategy whom to
 * train, calls those nodes in parallel under the round timeout, hands results and failures to
 * the strategy, and evaluates the new global model federatedly.
 */
public final class HorizontalRunner {

    private final JobSpec job;
    private final Plan plan;
    private final Map<String, NodeChannel> byDomain;
    private final Predicate<String> alive;
    private final RunObserver observer;
    private final Set<String> lost = java.util.concurrent.ConcurrentHashMap.newKeySet();
    /** Training domains that missed a round and must be prepared again before they take part. */
    private final Set<String> away = java.util.concurrent.ConcurrentHashMap.newKeySet();
    /** The run's standardization, sent again to a node that rejoins. */
    private volatile Standardizer scaling;

    /** A model the run starts from instead of fresh weights (see {@link io.meshfl.core.protocol.WarmStart}); ignored by a resumed run. */
    public HorizontalRunner warmStart(io.meshfl.core.protocol.WarmStart w) {
        this.warm = w;
        return this;
    }

    private io.meshfl.core.protocol.WarmStart warm;

    /** The feature scaling the run trained with (federated mean and deviation), or null when it did not standardize. */
    public Standardizer scaling() {
        return scaling;
    }
    private final java.util.concurrent.atomic.AtomicLong payload = new java.util.concurrent.atomic.AtomicLong();
    /** The committed round a resumed run goes on from, and the rounds before it; null for a fresh run. */
    private RunCheckpoint resumeFrom;
    private List<RoundSummary> earlier = List.of();

    /**
     * @param byDomain one channel per domain taking part
     * @param alive    whether the registry still sees a domain's node (heartbeats)
     */
    public HorizontalRunner(JobSpec job, Plan plan, Map<String, NodeChannel> byDomain, Predicate<String> alive, RunObserver observer) {
        this.job = job;
        this.plan = plan;
        this.byDomain = Map.copyOf(byDomain);
        this.alive = alive;
        this.observer = observer;
        for (String d : plan.domains()) {
            if (!byDomain.containsKey(d)) {
                throw new MeshflException(ErrorCode.TOO_FEW_NODES, "no node of domain '" + d + "' is connected");
            }
        }
    }

    /**
     * Goes on from a committed round instead of starting afresh: the global model, the strategy's
     * state and the run's scaling come from {@code checkpoint}; {@code before} are the rounds
     * already recorded. Nodes are prepared again; one that cannot be is left out until it rejoins.
     */
    public HorizontalRunner resume(RunCheckpoint checkpoint, List<RoundSummary> before) {
        this.resumeFrom = checkpoint;
        this.earlier = List.copyOf(before);
        return this;
    }

    /** Each round draws its sampling from its own seed, so a run resumed at any round samples as the undisturbed one would. */
    private Random roundRng(int round) {
        return new Random((job.seed() ^ 0x5DEECE66DL) + 0x9E3779B97F4A7C15L * round);
    }

    public RunOutcome run(String jobId, String runId) {
        long t0 = System.nanoTime();
        Duration timeout = Duration.ofMillis((long) (job.roundTimeoutSeconds() * 1000));
        ExecutorService pool = Executors.newFixedThreadPool(Math.max(2, Math.min(64, byDomain.size())), r -> {
            Thread t = new Thread(r, "meshfl-round");
            t.setDaemon(true);
            return t;
        });
        long[] start = traffic();
        try {
            Model model = Models.create(plan.model(), plan.features().size());
            RunCheckpoint from = resumeFrom;
            double[] global;
            Strategy strategy = Strategies.create(job);
            if (from == null) {
                prepare(jobId, runId, pool, timeout);
                global = new double[model.numParams()];
                model.initialize(global, new Random(job.seed()));
                if (warm != null) {
                    String bad = checkUpdate(warm.coordinatorParams(), model.numParams());
                    if (bad != null) throw new MeshflException(ErrorCode.PLAN_REFUSED, "warmStart: model " + warm.modelId() + ": " + bad);
                    global = warm.coordinatorParams().clone();
                    observer.log("warm start from model " + warm.modelId() + ": its parameters" + (warm.scaling() != null ? " and its scaling" : ""));
                }
            } else {
                prepareResumed(jobId, runId, from, pool, timeout);
                global = from.tensor("params");
                String bad = checkUpdate(global, model.numParams());
                if (bad != null) throw new MeshflException(ErrorCode.CATALOG_FAILURE, "the checkpoint of round " + from.round() + ": " + bad);
                Map<String, double[]> state = new LinkedHashMap<>();
                from.tensors().forEach((k, v) -> {
                    if (k.startsWith("strategy.")) state.put(k.substring("strategy.".length()), v);
                });
                strategy.restore(state);
                observer.log("resumed after round " + from.round() + " of " + job.rounds() + ", the last one committed before its coordinator stopped");
            }
            io.meshfl.core.protocol.Selection selection = io.meshfl.core.protocol.Selection.of(job);
            double[] bestParams = null;
            if (selection != null && from != null) {
                selection.restore(from);
                bestParams = from.tensors().get("selection.params");
            }
            SecureRound secure = job.secureAggregation() == null ? null
                    : new SecureRound(job.secureAggregation(), weightCap(), (d, m) -> send(d, m, timeout), pool, timeout);
            List<RoundSummary> history = new ArrayList<>(earlier);
            Map<String, Double> last = history.isEmpty() ? Map.of() : history.get(history.size() - 1).metrics();
            for (int round = from == null ? 1 : from.round() + 1; round <= job.rounds(); round++) {
                long r0 = System.nanoTime();
                Random rng = roundRng(round);
                long[] bytes0 = traffic();
                // a node that was away and is registered again takes part from this round on
                for (String d : List.copyOf(away)) {
                    if (alive.test(d) && rejoin(jobId, runId, d, round, timeout)) {
                        away.remove(d);
                        lost.remove(d);
                    }
                }
                List<String> available = trainingDomains().stream().filter(d -> !lost.contains(d) && alive.test(d)).toList();
                for (String d : trainingDomains()) if (!available.contains(d)) away.add(d);
                List<FitInstruction> orders = strategy.configureFit(round, global, available, rng);
                List<FitResult> results = new ArrayList<>();
                List<Failure> failures = new ArrayList<>();
                // a node left out of a round is part of its record, whatever kept it out
                for (String d : trainingDomains()) {
                    if (available.contains(d)) continue;
                    failures.add(new Failure(d, ErrorCode.NODE_LOST, lost.contains(d) ? "dropped from the run in an earlier round"
                            : "not available: its registration is lost (no heartbeat, or its certificate was revoked)"));
                }
                Map<String, Double> metrics = new LinkedHashMap<>();
                Aggregated agg;
                int nodesOk;
                if (secure != null) {
                    // the nodes train inside the secure round; the coordinator gets only the weighted mean of their updates
                    SecureRound.Outcome so = secureRound(secure, jobId, runId, round, global, orders, metrics);
                    failures.addAll(so.failures());
                    for (Failure f : failures) observer.log("round " + round + ": node of " + f.nodeId() + " failed: " + f.reason());
                    agg = strategy.aggregateMean(round, global, so.mean(), so.nodesInSum(), failures);
                    nodesOk = so.nodesInSum();
                    metrics.putAll(so.metrics());
                } else {
                    double[] g = global;
                    int rnd = round;
                    Map<String, Future<Message>> calls = new LinkedHashMap<>();
                    for (FitInstruction o : orders) {
                        Message req = Message.request(jobId, runId, HorizontalSteps.PROTOCOL, HorizontalSteps.FIT, rnd, o.nodeId())
                                .withConfig(o.config()).withTensors(Map.of("params", g));
                        calls.put(o.nodeId(), pool.submit(() -> send(o.nodeId(), req, timeout)));
                    }
                    double lossSum = 0;
                    long lossN = 0;
                    for (var e : calls.entrySet()) {
                        Message reply = await(e.getKey(), e.getValue(), timeout, failures);
                        if (reply == null) continue;
                        double[] p = reply.tensors().get("params");
                        String bad = p == null ? "reply has no parameters" : checkUpdate(p, model.numParams());
                        if (bad != null) {
                            failures.add(new Failure(e.getKey(), ErrorCode.BAD_UPDATE, bad));
                            continue;
                        }
                        long n = reply.metrics().getOrDefault("num_examples", 0.0).longValue();
                        results.add(new FitResult(e.getKey(), p, n, reply.metrics()));
                        // a private node keeps its training loss to itself: no loss is no loss, not a loss of zero
                        Double loss = reply.metrics().get("loss");
                        if (loss != null && Double.isFinite(loss)) {
                            lossSum += loss * n;
                            lossN += n;
                        }
                    }
                    for (Failure f : failures) observer.log("round " + round + ": node of " + f.nodeId() + " failed: " + f.reason());
                    agg = strategy.aggregateFit(round, global, results, failures);
                    nodesOk = results.size();
                    if (lossN > 0) metrics.put("train_loss", lossSum / lossN);
                }
                // updates refused as unusable (wrong length, NaN or infinite) are kept in the run record, round by round
                long rejected = failures.stream().filter(x -> x.code() == ErrorCode.BAD_UPDATE).count();
                metrics.put("rejected_updates", (double) rejected);
                global = agg.params();
                metrics.putAll(agg.metrics());
                metrics.putAll(evaluate(jobId, runId, round, global, pool, timeout, strategy, rng));
                long[] bytes1 = traffic();
                // a node lost in this round is prepared again before it takes part again
                for (Failure f : failures) if (f.code() == ErrorCode.NODE_LOST || f.code() == ErrorCode.ROUND_TIMEOUT) away.add(f.nodeId());
                RoundSummary s = new RoundSummary(round, job.rounds(), (System.nanoTime() - r0) / 1e9,
                        bytes1[0] - bytes0[0], bytes1[1] - bytes0[1], nodesOk, failures, metrics);
                history.add(s);
                last = metrics;
                roundCounts = lastCounts;
                if (selection != null && selection.offer(round, metrics)) {
                    bestParams = global.clone();
                    bestCounts = lastCounts;
                }
                observer.round(s, checkpoint(round, global, strategy, start, t0, selection, bestParams));
                if (selection != null && selection.stops(round, job.rounds(), "round", observer::log)) break;
            }
            finish(jobId, runId, pool);
            long[] bytes = traffic();
            Map<String, Double> finalMetrics = new LinkedHashMap<>(last);
            finalMetrics.put("rejected_updates_total", history.stream().mapToDouble(h -> h.metrics().getOrDefault("rejected_updates", 0.0)).sum());
            // a run some node missed part of says so: how many rounds ran without every training node
            finalMetrics.put("rounds_degraded", (double) history.stream().filter(h -> !h.failures().isEmpty()).count());
            if (from != null) finalMetrics.put("resumed_from_round", (double) from.round());
            EvalCounts counts = roundCounts;
            if (selection != null && selection.bestRound() > 0) {
                // the run's result is the selected round's model and metrics; the report says which round and why it ended
                finalMetrics = selection.report(finalMetrics, history);
                global = bestParams;
                counts = bestCounts;
            }
            com.fasterxml.jackson.databind.JsonNode diagnostics = counts == null ? null : counts.diagnostics();
            return new RunOutcome(global, finalMetrics, history, bytes[0] - start[0] + (long) before("bytes_sent"),
                    bytes[1] - start[1] + (long) before("bytes_received"), payload.get() + (long) before("payload_bytes"),
                    (System.nanoTime() - t0) / 1e9 + before("seconds"), diagnostics);
        } finally {
            pool.shutdownNow();
        }
    }

    /** A number the run had reached before it resumed (0 for a fresh run). */
    private double before(String name) {
        return resumeFrom == null ? 0 : resumeFrom.number(name, 0);
    }

    /** What the run needs to go on after {@code round}: the model, the strategy's state, the scaling, and its totals so far. */
    private RunCheckpoint checkpoint(int round, double[] global, Strategy strategy, long[] start, long t0,
                                     io.meshfl.core.protocol.Selection selection, double[] bestParams) {
        Map<String, double[]> tensors = new LinkedHashMap<>();
        tensors.put("params", global);
        if (selection != null && bestParams != null) tensors.put("selection.params", bestParams);
        strategy.state().forEach((k, v) -> tensors.put("strategy." + k, v));
        if (scaling != null) {
            tensors.put("scaling.mean", scaling.mean());
            tensors.put("scaling.std", scaling.std());
        }
        long[] now = traffic();
        Map<String, Double> numbers = new LinkedHashMap<>(Map.of("bytes_sent", now[0] - start[0] + before("bytes_sent"),
                "bytes_received", now[1] - start[1] + before("bytes_received"), "payload_bytes", payload.get() + before("payload_bytes"),
                "seconds", (System.nanoTime() - t0) / 1e9 + before("seconds")));
        if (selection != null) numbers.putAll(selection.state());
        return new RunCheckpoint(round, tensors, numbers);
    }

    /** One call to a node, counting the tensor bytes both ways (the floor the wire bytes are measured against). */
    private Message send(String domain, Message req, Duration timeout) {
        payload.addAndGet(req.payloadBytes());
        Message reply = byDomain.get(domain).call(req, timeout);
        payload.addAndGet(reply.payloadBytes());
        return reply;
    }

    /**
     * The largest example count one node's weight may carry under secure aggregation: the job's
     * setting, or the largest row count the catalog holds for a training product (training rows
     * are at most that), or a million when the catalog does not know.
     */
    /**
     * One secure round, run again with fresh keys, seeds and neighbour graph when too many
     * neighbours of some node dropped out to rebuild its secret: the failed attempt released
     * nothing (its masked updates stay masked), so only time is lost. Not under differential
     * privacy, where each node charged its ledger for a fixed number of trainings.
     */
    private SecureRound.Outcome secureRound(SecureRound secure, String jobId, String runId, int round, double[] global,
                                            List<FitInstruction> orders, Map<String, Double> metrics) {
        int attempts = job.privacy() == null ? SECURE_ATTEMPTS : 1;
        for (int attempt = 1; ; attempt++) {
            try {
                SecureRound.Outcome so = secure.run(jobId, runId, round, global, orders);
                if (attempt > 1) metrics.put("secagg_retries", (double) (attempt - 1));
                return so;
            } catch (MeshflException e) {
                if (e.code() != ErrorCode.TOO_FEW_NODES || attempt >= attempts || !e.getMessage().contains("cannot unmask")) throw e;
                observer.log("round " + round + ": " + e.getMessage() + "; running the round again with fresh keys and a new neighbour "
                        + "graph (attempt " + (attempt + 1) + " of " + attempts + ")");
            }
        }
    }

    /** Tries of a secure round whose sum could not be unmasked, before the run fails. */
    static final int SECURE_ATTEMPTS = 3;

    private long weightCap() {
        // differential privacy bounds one node's pull on the mean by C/k only if every node weighs the same
        if (job.privacy() != null) return 1;
        if (job.secureAggregation().maxExamples() > 0) return job.secureAggregation().maxExamples();
        long max = 0;
        for (Plan.Participant p : plan.participants()) {
            if (p.rows() < 0) return 1_000_000;
            max = Math.max(max, p.rows());
        }
        return Math.max(1, max);
    }

    private List<String> trainingDomains() {
        return plan.participants().stream().map(Plan.Participant::domain).toList();
    }

    /** The run's privacy as planned for the federation it starts with; every node is told it at prepare. */
    private io.meshfl.core.protocol.horizontal.privacy.PlannedPrivacy plannedPrivacy() {
        return job.privacy().plan(job.aggregator().fraction(), job.aggregator().minNodes(), plan.participants().size(), job.rounds());
    }

    private void prepare(String jobId, String runId, ExecutorService pool, Duration timeout) {
        Map<String, String> train = new LinkedHashMap<>();
        for (Plan.Participant p : plan.participants()) train.put(p.domain(), p.productId());
        Map<String, List<String>> evalByDomain = plan.evaluation().stream()
                .collect(Collectors.groupingBy(Plan.Participant::domain, Collectors.mapping(Plan.Participant::productId, Collectors.toList())));
        Map<String, Future<Message>> calls = new LinkedHashMap<>();
        for (String domain : train.keySet()) {
            Message req = prepareRequest(jobId, runId, domain, train.get(domain), evalByDomain.getOrDefault(domain, List.of()));
            calls.put(domain, pool.submit(() -> send(domain, req, timeout)));
        }
        ColumnStats merged = null;
        List<Failure> failures = new ArrayList<>();
        for (var e : calls.entrySet()) {
            Message reply = await(e.getKey(), e.getValue(), timeout, failures);
            if (reply == null) continue;
            double[] c = reply.tensor("count");
            long[] count = new long[c.length];
            for (int i = 0; i < c.length; i++) count[i] = Math.round(c[i]);
            ColumnStats s = new ColumnStats(plan.features(), count, reply.tensor("sum"), reply.tensor("sumsq"));
            merged = merged == null ? s : merged.merge(s);
            observer.log(String.format("prepared %s: %d training rows, %d held out, %d evaluation rows", e.getKey(),
                    reply.metrics().get("rows_train").longValue(), reply.metrics().get("rows_holdout").longValue(),
                    reply.metrics().get("rows_eval").longValue()));
        }
        if (!failures.isEmpty()) {
            Failure f = failures.get(0);
            throw new MeshflException(f.code(), "preparing the job failed on the node of " + f.nodeId() + ": " + f.reason());
        }
        if (job.standardize()) {
            // a warm start keeps its model's scaling, so its weights go on meaning what they meant
            Standardizer z = warm != null && warm.scaling() != null ? warm.scaling() : Standardizer.from(merged);
            scaling = z;
            Map<String, Future<Message>> scale = new LinkedHashMap<>();
            for (String domain : train.keySet()) {
                Message req = Message.request(jobId, runId, HorizontalSteps.PROTOCOL, HorizontalSteps.SCALE, 0, domain)
                        .withTensors(Map.of("mean", z.mean(), "std", z.std()));
                scale.put(domain, pool.submit(() -> send(domain, req, timeout)));
            }
            for (var e : scale.entrySet()) {
                if (await(e.getKey(), e.getValue(), timeout, failures) == null) {
                    Failure f = failures.get(0);
                    throw new MeshflException(f.code(), "scaling failed on the node of " + f.nodeId() + ": " + f.reason());
                }
            }
        }
    }

    /**
     * Prepares the nodes of a resumed run with the scaling the run was committed with (a node that
     * restarted holds nothing of it); a node that cannot be prepared now is left out and rejoins
     * when it can. Fails only when none can be.
     */
    private void prepareResumed(String jobId, String runId, RunCheckpoint from, ExecutorService pool, Duration timeout) {
        if (job.standardize()) {
            scaling = new Standardizer(from.tensor("scaling.mean"), from.tensor("scaling.std"));
        }
        Map<String, Future<Boolean>> calls = new LinkedHashMap<>();
        for (String d : trainingDomains()) {
            if (!alive.test(d)) {
                away.add(d);
                observer.log("node of " + d + " is not registered yet; it takes part again when it is");
                continue;
            }
            calls.put(d, pool.submit(() -> rejoin(jobId, runId, d, from.round() + 1, timeout)));
        }
        for (var e : calls.entrySet()) {
            boolean back;
            try {
                back = e.getValue().get(timeout.toMillis() * 2 + 1000, TimeUnit.MILLISECONDS);
            } catch (InterruptedException x) {
                Thread.currentThread().interrupt();
                throw new MeshflException(ErrorCode.COORDINATOR_FAILURE, "interrupted while preparing the resumed run");
            } catch (ExecutionException | TimeoutException x) {
                back = false;
            }
            if (!back) away.add(e.getKey());
        }
        if (away.containsAll(trainingDomains())) {
            throw new MeshflException(ErrorCode.TOO_FEW_NODES, "no node of " + trainingDomains() + " could be prepared to resume the run");
        }
    }

    /** The prepare step of one training domain: its product, the plan's columns and model, the protections. */
    private Message prepareRequest(String jobId, String runId, String domain, String product, List<String> evalProducts) {
        ModelSpec m = plan.model();
        Map<String, String> cfg = new LinkedHashMap<>();
        cfg.put("product", product);
        cfg.put("features", String.join(",", plan.features()));
        cfg.put("label", plan.label());
        cfg.put("model_type", m.type().name());
        cfg.put("hidden", m.hidden().stream().map(String::valueOf).collect(Collectors.joining(",")));
        cfg.put("classes", Integer.toString(m.classes()));
        cfg.put("model_l2", Double.toString(m.l2()));
        if (m.type() == ModelSpec.Type.EXTERNAL) {
            // the node starts the named trainer and holds it to these declared tensors
            cfg.put("trainer", m.trainer());
            cfg.put("trainer_parameters", io.meshfl.core.model.TensorSpec.encode(m.parameters()));
            cfg.put("objective", m.task().name());
            cfg.put("step_timeout", Double.toString(job.roundTimeoutSeconds()));
        }
        cfg.put("holdout", Double.toString(io.meshfl.core.protocol.Holdout.horizontalShare(job)));
        cfg.put("seed", Long.toString(job.seed()));
        // Nodes whose products require secure aggregation check this, and then refuse plain fit steps.
        if (job.secureAggregation() != null) cfg.put("secure_aggregation", "true");
        cfg.put("eval_products", String.join(",", evalProducts));
        if (job.privacy() != null) cfg.putAll(plannedPrivacy().toConfig());
        return Message.request(jobId, runId, HorizontalSteps.PROTOCOL, HorizontalSteps.PREPARE, 0, domain).withConfig(cfg);
    }

    /**
     * Lets a node that was away (lost, or its registration gone) take part again: it is prepared
     * afresh, with the run's own scaling, since a restarted node holds nothing of the run. True when
     * it is back.
     */
    private boolean rejoin(String jobId, String runId, String domain, int round, Duration timeout) {
        try {
            String product = plan.participants().stream().filter(p -> p.domain().equals(domain)).findFirst().orElseThrow().productId();
            List<String> eval = plan.evaluation().stream().filter(p -> p.domain().equals(domain)).map(Plan.Participant::productId).toList();
            send(domain, prepareRequest(jobId, runId, domain, product, eval), timeout).orThrow();
            if (scaling != null) {
                send(domain, Message.request(jobId, runId, HorizontalSteps.PROTOCOL, HorizontalSteps.SCALE, 0, domain)
                        .withTensors(Map.of("mean", scaling.mean(), "std", scaling.std())), timeout).orThrow();
            }
            observer.log("round " + round + ": node of " + domain + (resumeFrom != null && round == resumeFrom.round() + 1
                    ? " is prepared to go on" : " is back and takes part again"));
            return true;
        } catch (MeshflException e) {
            observer.log("round " + round + ": node of " + domain + " is registered again but could not rejoin: " + e.getMessage());
            return false;
        }
    }

    /**
     * What a federated evaluation counted: the merged score histogram of a binary model, or the
     * summed confusion counts ([true][predicted], row-major) of a multiclass one. The report's
     * diagnostics are drawn from the stored round's counts once, at the end, not every round.
     */
    private record EvalCounts(ScoreHistogram hist, double[] confusion, int classes, io.meshfl.core.metrics.ResidualGroups residuals,
                              String task, String over) {
        com.fasterxml.jackson.databind.node.ObjectNode diagnostics() {
            com.fasterxml.jackson.databind.node.ObjectNode d;
            if (hist != null) {
                d = io.meshfl.core.metrics.Diagnostics.ofHistogram(hist);
            } else if (residuals != null) {
                d = residuals.diagnostics(com.fasterxml.jackson.databind.node.JsonNodeFactory.instance.objectNode().put("task", task));
            } else {
                long[][] m = new long[classes][classes];
                for (int i = 0; i < confusion.length; i++) m[i / classes][i % classes] = Math.round(confusion[i]);
                d = io.meshfl.core.metrics.Diagnostics.ofConfusion(m);
            }
            return d.put("over", over);
        }
    }

    /** The counts of the last evaluation, of the last round and of the selected one. */
    private EvalCounts lastCounts;
    private EvalCounts roundCounts;
    private EvalCounts bestCounts;

    private Map<String, Double> evaluate(String jobId, String runId, int round, double[] global, ExecutorService pool,
                                         Duration timeout, Strategy strategy, Random rng) {
        List<String> domains = new ArrayList<>();
        Set<String> evalDomains = new HashSet<>();
        for (Plan.Participant p : plan.evaluation()) evalDomains.add(p.domain());
        for (String d : trainingDomains()) {
            if (lost.contains(d) || !alive.test(d)) continue;
            if (evalDomains.isEmpty() || evalDomains.contains(d)) domains.add(d);
        }
        Map<String, Future<Message>> calls = new LinkedHashMap<>();
        for (String d : strategy.configureEvaluate(round, domains, rng)) {
            Message req = Message.request(jobId, runId, HorizontalSteps.PROTOCOL, HorizontalSteps.EVALUATE, round, d)
                    .withTensors(Map.of("params", global));
            calls.put(d, pool.submit(() -> send(d, req, timeout)));
        }
        EvalSums sums = null;
        ScoreHistogram hist = null;
        double[] confusion = null;
        io.meshfl.core.metrics.ResidualGroups residuals = null;
        List<Failure> failures = new ArrayList<>();
        for (var e : calls.entrySet()) {
            Message reply = await(e.getKey(), e.getValue(), timeout, failures);
            if (reply == null || !reply.tensors().containsKey("sums")) continue;
            EvalSums s = EvalSums.fromArray(plan.model().task(), reply.tensor("sums"));
            sums = sums == null ? s : sums.merge(s);
            if (reply.tensors().containsKey("hist_bin")) {
                int bins = reply.metrics().getOrDefault("hist_bins", (double) ScoreHistogram.DEFAULT_BINS).intValue();
                ScoreHistogram h = ScoreHistogram.fromSparse(bins, reply.tensor("hist_bin"), reply.tensor("hist_pos"), reply.tensor("hist_neg"));
                hist = hist == null ? h : hist.merge(h);
            }
            double[] rg = reply.tensors().get("residuals");
            if (rg != null) {
                var g = io.meshfl.core.metrics.ResidualGroups.fromArray(rg);
                residuals = residuals == null ? g : residuals.merge(g);
            }
            double[] c = reply.tensors().get("confusion");
            int k = plan.model().outputs();
            if (c != null && c.length == k * k) {
                if (confusion == null) confusion = new double[k * k];
                for (int i = 0; i < c.length; i++) confusion[i] += c[i];
            }
        }
        lastCounts = hist == null && confusion == null && residuals == null ? null : new EvalCounts(hist, confusion, plan.model().outputs(),
                residuals, plan.model().task().name().toLowerCase(java.util.Locale.ROOT),
                plan.evaluation().isEmpty() ? "the nodes' held-out rows" : "evaluation products' rows");
        for (Failure f : failures) observer.log("round " + round + ": evaluation on " + f.nodeId() + " failed: " + f.reason());
        Map<String, Double> out = new LinkedHashMap<>();
        if (sums != null) out.putAll(sums.toMap());
        if (hist != null) out.put("auc", hist.auc());
        return out;
    }

    private void finish(String jobId, String runId, ExecutorService pool) {
        for (String d : plan.domains()) {
            if (lost.contains(d)) continue;
            try {
                byDomain.get(d).call(Message.request(jobId, runId, HorizontalSteps.PROTOCOL, HorizontalSteps.FINISH, 0, d),
                        Duration.ofSeconds(10));
            } catch (MeshflException e) {
                observer.log("finish on " + d + " failed: " + e.getMessage());
            }
        }
    }

    /** The reply, or null with a failure recorded; a node that cannot be reached is not asked again this run. */
    private Message await(String domain, Future<Message> f, Duration timeout, List<Failure> failures) {
        try {
            Message reply = f.get(timeout.toMillis() + 500, TimeUnit.MILLISECONDS);
            if (reply.failed()) {
                failures.add(new Failure(domain, reply.error().code(), reply.error().message()));
                return null;
            }
            return reply;
        } catch (TimeoutException e) {
            f.cancel(true);
            failures.add(new Failure(domain, ErrorCode.ROUND_TIMEOUT, "no answer within " + timeout.toSeconds() + " s"));
        } catch (ExecutionException e) {
            Throwable c = e.getCause();
            if (c instanceof MeshflException me) {
                if (me.code() == ErrorCode.NODE_LOST) lost.add(domain);
                failures.add(new Failure(domain, me.code(), me.getMessage()));
            } else {
                failures.add(new Failure(domain, ErrorCode.NODE_FAILURE, String.valueOf(c)));
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new MeshflException(ErrorCode.COORDINATOR_FAILURE, "interrupted while waiting for " + domain);
        }
        return null;
    }

    private static String checkUpdate(double[] p, int expected) {
        if (p.length != expected) return "update has " + p.length + " parameters, the model has " + expected;
        for (int i = 0; i < p.length; i++) {
            if (!Double.isFinite(p[i])) return "update has a non-finite value at parameter " + i;
        }
        return null;
    }

    private long[] traffic() {
        long s = 0, r = 0;
        for (NodeChannel c : byDomain.values()) {
            s += c.bytesSent();
            r += c.bytesReceived();
        }
        return new long[]{s, r};
    }
}

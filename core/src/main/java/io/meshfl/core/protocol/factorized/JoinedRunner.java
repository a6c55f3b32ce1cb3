package io.meshfl.core.protocol.factorized;

import io.meshfl.core.ErrorCode;
import io.meshfl.core.MeshflException;
import io.meshfl.core.integration.ColumnMapping;
import io.meshfl.core.integration.ColumnRef;
import io.meshfl.core.integration.Integration;
import io.meshfl.core.integration.JoinPlan;
import io.meshfl.core.integration.JoinStep;
import io.meshfl.core.integration.KeyChecks;
import io.meshfl.core.integration.RowIndex;
import io.meshfl.core.integration.SourceFeed;
import io.meshfl.core.metrics.EvalSums;
import io.meshfl.core.metrics.Metrics;
import io.meshfl.core.model.ModelSpec;
import io.meshfl.core.plan.JobSpec;
import io.meshfl.core.plan.Plan;
import io.meshfl.core.protocol.Message;
import io.meshfl.core.protocol.NodeChannel;
import io.meshfl.core.protocol.PartyCalls;
import io.meshfl.core.protocol.horizontal.RoundSummary;
import io.meshfl.core.protocol.horizontal.RunObserver;
import io.meshfl.core.protocol.horizontal.RunOutcome;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The coordinator side of training over the join a mesh integration describes, where every
 * product's policy lets its rows leave its domain: the nodes hand over the columns that feed the
 * training table and their join keys, the coordinator lines the rows up by key (inner join on
 * the base product's rows) and trains on the table either built by the embedded engine
 * (materialized: an SQL join in an in-memory DuckDB) or left as its sources (factorized: products
 * through foreign-key indexes), with identical arithmetic. Nothing is kept: the rows live for the run.
 */
public final class JoinedRunner {

    private final JobSpec job;
    private final Plan plan;
    private final Integration integration;
    private final Map<String, NodeChannel> byDomain;
    private final RunObserver observer;

    public JoinedRunner(JobSpec job, Plan plan, Integration integration, Map<String, NodeChannel> byDomain, RunObserver observer) {
        this.job = job;
        this.plan = plan;
        this.integration = integration;
        this.byDomain = Map.copyOf(byDomain);
        this.observer = observer;
    }

    /** What one product handed over: its feature columns (row-major), its label if any, its key columns. */
    private record Rows(int rows, int cols, double[] x, double[] y, Map<String, String[]> keys) {
    }

    public RunOutcome run(String jobId, String runId) {
        long t0 = System.nanoTime();
        JoinPlan jp = integration.plan();
        Map<String, Integer> target = new HashMap<>();
        for (int j = 0; j < plan.features().size(); j++) target.put(plan.features().get(j), j);
        Map<String, List<String>> keyColumns = new HashMap<>();
        for (JoinStep s : jp.steps()) {
            keyColumns.computeIfAbsent(s.parentKey().product(), k -> new ArrayList<>()).add(s.parentKey().column());
            keyColumns.computeIfAbsent(s.childKey().product(), k -> new ArrayList<>()).add(s.childKey().column());
        }
        try (PartyCalls calls = new PartyCalls(byDomain, Duration.ofMillis((long) (job.roundTimeoutSeconds() * 1000)),
                "training over the join needs every product's rows")) {
            long[] start = calls.traffic();
            Map<String, Message> replies = calls.each(plan.participants(), p -> {
                Map<String, String> cfg = new LinkedHashMap<>();
                cfg.put("product", p.productId());
                cfg.put("features", String.join(",", p.features()));
                if (p.productId().equals(jp.base())) cfg.put("label", labelColumn(jp));
                cfg.put("keys", String.join(",", keyColumns.getOrDefault(p.productId(), List.of()).stream().distinct().toList()));
                return Message.request(jobId, runId, RowsNode.PROTOCOL, RowsNode.EXPORT, 0, p.domain()).withConfig(cfg);
            });
            Map<String, Rows> rows = new HashMap<>();
            for (Plan.Participant p : plan.participants()) rows.put(p.productId(), rows(p, replies.get(p.domain())));
            RowIndex index = KeyChecks.index(jp, ref -> keys(rows, ref));
            double fetchSeconds = (System.nanoTime() - t0) / 1e9;

            int[] kept = innerJoin(jp, index);
            if (kept.length == 0) {
                throw new MeshflException(ErrorCode.DATA_EMPTY, "no row of " + jp.base() + " has a match in every joined product");
            }
            Rows base = rows.get(jp.base());
            Source baseSource = source(jp.base(), base, kept, feed(jp, jp.base(), plan.features()), target);
            List<Join> joins = new ArrayList<>();
            for (JoinStep s : jp.steps()) {
                Rows r = rows.get(s.product());
                int[] of = index.of(s.product());
                int[] fk = new int[kept.length];
                for (int i = 0; i < kept.length; i++) fk[i] = of[kept[i]];
                joins.add(new Join(source(s.product(), r, null, feed(jp, s.product(), plan.features()), target), fk));
            }
            double[] y = new double[kept.length];
            for (int i = 0; i < kept.length; i++) y[i] = base.y()[kept[i]];
            NormalizedMatrix normalized = NormalizedMatrix.of(plan.features().size(), baseSource, joins);

            long b0 = System.nanoTime();
            DesignMatrix table = normalized;
            if (plan.strategy().equals("materialized")) {
                Map<String, EngineJoin.Table> tables = new HashMap<>();
                for (Plan.Participant p : plan.participants()) {
                    Rows r = rows.get(p.productId());
                    List<ColumnMapping> feeds = feed(jp, p.productId(), plan.features());
                    int[] targets = new int[r.cols()];
                    for (int j = 0; j < targets.length; j++) targets[j] = target.getOrDefault(feeds.get(j).target(), -1);
                    tables.put(p.productId(), new EngineJoin.Table(p.productId(), r.rows(), r.cols(), r.x(), targets, r.keys()));
                }
                DenseMatrix built = EngineJoin.materialize(jp, tables, plan.features().size());
                if (built.rows() != kept.length) {
                    throw new MeshflException(ErrorCode.INTERNAL, "the engine's join gave " + built.rows() + " rows, the key index " + kept.length);
                }
                table = built;
            }
            double buildSeconds = (System.nanoTime() - b0) / 1e9;
            long f0 = System.nanoTime();
            Standardized z = Standardized.of(table);
            JobSpec.JoinedSettings js = job.joined();
            boolean binary = plan.model().type() == ModelSpec.Type.LOGISTIC;
            GradientDescent.Settings settings = new GradientDescent.Settings(js.iterations(), js.lr(), js.l2(), js.momentum(),
                    js.momentum() > 0, true);
            Model model = GradientDescent.fit(z, y, binary ? GradientDescent.Loss.LOGISTIC : GradientDescent.Loss.SQUARED, settings);
            double trainSeconds = (System.nanoTime() - f0) / 1e9;

            double[] score = model.scores(z);
            double[] pred = new double[score.length];
            for (int i = 0; i < pred.length; i++) pred[i] = binary ? 1 / (1 + Math.exp(-score[i])) : score[i];
            Map<String, Double> metrics = new LinkedHashMap<>(EvalSums.of(plan.model().task(), pred, y, 1).toMap());
            if (binary) metrics.put("auc", Metrics.auc(pred, y));
            // The workload beside its actual seconds: the run log is what the cost model is re-fitted from.
            double nk = 0, dk = 0;
            for (Join j : joins) {
                nk += j.source().rows();
                dk += j.source().keptColumns();
            }
            metrics.put("workload_n0", (double) kept.length);
            metrics.put("workload_d0", (double) baseSource.keptColumns());
            metrics.put("workload_nk", joins.isEmpty() ? kept.length : nk / joins.size());
            metrics.put("workload_dk", joins.isEmpty() ? 0 : dk / joins.size());
            metrics.put("workload_sources", (double) Math.max(1, joins.size()));
            metrics.put("iterations", (double) js.iterations());
            metrics.put("rows_joined", (double) kept.length);
            metrics.put("rows_unmatched", (double) (base.rows() - kept.length));
            metrics.put("fetch_seconds", fetchSeconds);
            metrics.put("build_seconds", buildSeconds);
            metrics.put("train_seconds", trainSeconds);
            plan.candidates().stream().filter(c -> c.strategy().equals(plan.strategy())).findFirst()
                    .ifPresent(c -> metrics.put("predicted_seconds", c.estSeconds()));
            metrics.put("actual_seconds", buildSeconds + trainSeconds);
            long[] end = calls.traffic();
            double wall = (System.nanoTime() - t0) / 1e9;
            RoundSummary summary = new RoundSummary(1, 1, wall, end[0] - start[0], end[1] - start[1], plan.participants().size(),
                    List.of(), metrics);
            observer.round(summary);
            observer.log(String.format(Locale.ROOT, "%s training over %d joined rows x %d columns: build %.3f s, %d iterations %.3f s "
                            + "(predicted %.3f s)", plan.strategy(), kept.length, plan.features().size(), buildSeconds, js.iterations(),
                    trainSeconds, metrics.getOrDefault("predicted_seconds", Double.NaN)));
            Model raw = z.unscale(model);
            double[] params = java.util.Arrays.copyOf(raw.weights(), raw.weights().length + 1);
            params[params.length - 1] = raw.intercept();
            return new RunOutcome(params, metrics, List.of(summary), end[0] - start[0], end[1] - start[1], calls.payload(), wall);
        }
    }

    /** The source column of the base product that feeds the label. */
    private String labelColumn(JoinPlan jp) {
        for (ColumnMapping m : integration.columns()) {
            if (m.target().equals(plan.label())) return m.source().column();
        }
        throw new MeshflException(ErrorCode.PLAN_REFUSED, "integration " + integration.id() + " maps no column to the label '" + plan.label() + "'");
    }

    /** The mappings of {@code product} that feed the plan's feature columns, in the order its participant lists them. */
    public static List<ColumnMapping> feed(JoinPlan jp, String product, List<String> features) {
        return jp.feed(product).map(SourceFeed::columns).orElse(List.of()).stream()
                .filter(m -> features.contains(m.target())).toList();
    }

    private static Rows rows(Plan.Participant p, Message reply) {
        int n = reply.metrics().get("rows").intValue();
        int d = reply.metrics().get("cols").intValue();
        double[] x = reply.tensor("x");
        if (x == null || x.length != (long) n * d || d != p.features().size()) {
            throw new MeshflException(ErrorCode.PROTOCOL_FAILURE, p.domain() + " sent " + (x == null ? 0 : x.length) + " values for "
                    + n + " rows x " + p.features().size() + " columns of " + p.productId());
        }
        Map<String, String[]> keys = new HashMap<>();
        for (var e : reply.blobs().entrySet()) {
            if (!e.getKey().startsWith("keys:")) continue;
            String[] k = RowsNode.unpackStrings(e.getValue(), "keys of " + p.productId());
            if (k.length != n) throw new MeshflException(ErrorCode.PROTOCOL_FAILURE, p.domain() + " sent " + k.length + " keys for " + n + " rows");
            keys.put(e.getKey().substring(5), k);
        }
        return new Rows(n, d, x, reply.tensors().get("y"), keys);
    }

    private static String[] keys(Map<String, Rows> rows, ColumnRef ref) {
        String[] k = rows.get(ref.product()).keys().get(ref.column());
        if (k == null) throw new MeshflException(ErrorCode.PROTOCOL_FAILURE, "no keys of " + ref.product() + "." + ref.column() + " were sent");
        return k;
    }

    /** Base rows that have a match in every joined product (an inner join on the training rows). */
    private static int[] innerJoin(JoinPlan jp, RowIndex index) {
        List<Integer> out = new ArrayList<>();
        for (int t = 0; t < index.rows(); t++) {
            boolean all = true;
            for (JoinStep s : jp.steps()) all &= index.of(s.product())[t] >= 0;
            if (all) out.add(t);
        }
        return out.stream().mapToInt(Integer::intValue).toArray();
    }

    /** A product's rows (all, or those in {@code keep}) as a source whose columns feed the mapped target columns. */
    private static Source source(String name, Rows r, int[] keep, List<ColumnMapping> feeds, Map<String, Integer> target) {
        int n = keep == null ? r.rows() : keep.length;
        double[] data = new double[n * r.cols()];
        for (int i = 0; i < n; i++) {
            int from = keep == null ? i : keep[i];
            System.arraycopy(r.x(), from * r.cols(), data, i * r.cols(), r.cols());
        }
        int[] targets = new int[r.cols()];
        for (int j = 0; j < targets.length; j++) {
            Integer t = target.get(feeds.get(j).target());
            targets[j] = t == null ? -1 : t;
        }
        return new Source(name, n, r.cols(), data, targets);
    }
}

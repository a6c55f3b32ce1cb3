package io.meshfl.core.protocol.split;

import io.meshfl.core.ErrorCode;
import io.meshfl.core.MeshflException;
import io.meshfl.core.model.Optimizer;
import io.meshfl.core.model.nn.Columns;
import io.meshfl.core.model.nn.Head;
import io.meshfl.core.model.nn.Network;
import io.meshfl.core.model.nn.SplitReference;
import io.meshfl.core.plan.JobSpec;
import io.meshfl.core.plan.Plan;
import io.meshfl.core.protocol.Message;
import io.meshfl.core.protocol.PartyCalls;
import io.meshfl.core.protocol.PartyResume;
import io.meshfl.core.protocol.PartyStateRunner;
import io.meshfl.core.protocol.RunCheckpoint;
import io.meshfl.core.protocol.NodeChannel;
import io.meshfl.core.protocol.horizontal.RoundSummary;
import io.meshfl.core.protocol.horizontal.RunObserver;
import io.meshfl.core.protocol.horizontal.RunOutcome;
import io.meshfl.core.protocol.psi.PsiRunner;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;

/**
 * The coordinator side of split neural-network training. After PSI alignment every domain runs
 * its own bottom network; per mini-batch the coordinator gets each party's cut-layer activations
 * in one parallel round trip (which also carries back the previous batch's cut gradient), runs the
 * top network and its optimizer, and computes the loss itself ({@code labels: coordinator}) or has
 * the label holder compute it from the logits. Initialisation, batches and optimizers follow
 * {@link SplitReference}, so with noise and clipping off the run equals the centralized one.
 */
public final class SplitRunner implements PartyStateRunner {

    static final String NEEDS_EVERY_PARTY = "a split network cannot go on without every party's bottom network";

    /** Rows per evaluation call, so that no single message grows with the data. */
    static final int EVAL_CHUNK = 8192;

    private final JobSpec job;
    private final JobSpec.SplitSettings s;
    private final Plan plan;
    private final Map<String, NodeChannel> byDomain;
    private final RunObserver observer;
    private final Duration timeout;
    /** What the top network's last layer predicts and trains on. */
    private final Head head;
    /** Whether the networks are an external trainer's: the bottoms on the parties, the top on the label holder, none here. */
    private final boolean external;
    /** Where the run goes on from after a restart of the coordinator or of a party. */
    private final PartyResume resume = new PartyResume();
    private PartyCalls calls;

    public SplitRunner(JobSpec job, Plan plan, Map<String, NodeChannel> byDomain, RunObserver observer) {
        this.job = job;
        this.s = job.split();
        this.plan = plan;
        this.byDomain = Map.copyOf(byDomain);
        this.observer = observer;
        this.timeout = Duration.ofMillis((long) (job.roundTimeoutSeconds() * 1000));
        this.head = Head.of(job.model());
        this.external = job.model().type() == io.meshfl.core.model.ModelSpec.Type.EXTERNAL;
        this.evaluation = new io.meshfl.core.protocol.EvaluationAlignment(job, plan);
        this.parties = new SplitParties(plan.participants().stream().map(Plan.Participant::domain).toList(),
                new io.meshfl.core.protocol.group.GroupRoster(plan.groups()));
    }

    /** The parties in the top network's input order; a group's members as one. */
    private final SplitParties parties;

    /** A participant's side of an alignment: a group's member aligns as part of its group's union. */
    private static PsiRunner.Party psiParty(Plan.Participant p, String product) {
        return new PsiRunner.Party(p.domain(), product).inGroup(p.group());
    }

    /**
     * Goes on after the committed epoch of {@code checkpoint} instead of starting afresh: the top
     * network and its optimizer come from the checkpoint, every party sets up again from the part it
     * persisted for that epoch (checked against the marker's SHA-256); {@code before} are the epochs
     * already recorded.
     */
    @Override
    public SplitRunner resume(RunCheckpoint checkpoint, List<RoundSummary> before) {
        resume.resume(checkpoint, before);
        return this;
    }

    /** A model every party starts its bottom from, and the top here, instead of fresh weights (see {@link io.meshfl.core.protocol.WarmStart}). */
    public SplitRunner warmStart(io.meshfl.core.protocol.WarmStart w) {
        this.warm = w;
        return this;
    }

    private io.meshfl.core.protocol.WarmStart warm;

    /** Lets the run go on from its last committed epoch after losing a party, when {@code r} has every party back. */
    @Override
    public SplitRunner recovery(PartyResume.Recovery r) {
        resume.recovery(r);
        return this;
    }

    @Override
    public RunOutcome run(String jobId, String runId) {
        return resume.run(() -> attempt(jobId, runId), () -> calls == null ? 0 : calls.payload(), observer);
    }

    private RunOutcome attempt(String jobId, String runId) {
        long t0 = resume.t0();
        List<Plan.Participant> parts = plan.participants();
        Plan.Participant holder = parts.get(0);
        boolean owner = s.labelOwnerComputesLoss();
        if (external && !owner) {
            throw new MeshflException(ErrorCode.PLAN_REFUSED, "split.labels is 'coordinator', but an external split network's top runs on "
                    + "the label holder, which keeps its labels: set split.labels to " + holder.domain());
        }
        if (owner && !s.labels().equals(holder.domain())) {
            throw new MeshflException(ErrorCode.PLAN_REFUSED, "split.labels is '" + s.labels() + "', but the label holder is "
                    + holder.domain());
        }
        calls = new PartyCalls(byDomain, timeout, NEEDS_EVERY_PARTY);
        try (PartyCalls calls = this.calls) {
            long[] start = resume.start(calls.traffic());
            RunCheckpoint from = resume.from();
            int n;
            PsiRunner psi = new PsiRunner(byDomain, timeout, observer::log, s.psiBatch()).seeded(job.seed());
            if (from == null) {
                // the label holder checks its label against the head before any entity is aligned
                io.meshfl.core.protocol.LabelCheck.ask(byDomain.get(holder.domain()), SplitSteps.PROTOCOL, jobId, runId, holder.productId(),
                        plan.label(), head.task(), head.outputs(), timeout);
                // out of time, only the label holder's rows up to the cut align for training
                n = psi.run(jobId, runId, evaluation.training(SplitRunner::psiParty), false).intersection();
            } else {
                // the entities stay aligned as every party persisted them: no second alignment
                n = (int) from.number("psi_intersection", -1);
                observer.log("resumed after epoch " + from.round() + " of " + s.epochs() + ", the last one every party had persisted");
            }
            // the evaluation entities, aligned apart (again on a resume: the parties keep only their training rows); every party puts
            // its rows of them after its training rows, where they are scored as held-out rows and never train
            evaluated = evaluation.align(psi, jobId, runId, byDomain, SplitSteps.PROTOCOL, timeout, observer::log, SplitRunner::psiParty);
            int rows = n + Math.max(0, evaluated);
            io.meshfl.core.protocol.WarmStart w = from == null ? warm : null;
            new SplitSetup(job, plan, head, parties, evaluation, holdout(), observer, w).run(calls, jobId, runId, rows, from);
            Training tr = new Training(calls, jobId, runId, parts.stream().map(Plan.Participant::domain).toList(), rows);
            if (from != null) tr.restore(from);
            else if (w != null) tr.warm(w);
            if (!owner) {
                tr.labels = calls.call(holder.domain(), request(jobId, runId, SplitSteps.LABELS, holder.domain(), Map.of()))
                        .tensor(SplitSteps.LABEL_TENSOR);
                if (tr.labels.length != rows) {
                    throw new MeshflException(ErrorCode.PROTOCOL_FAILURE, holder.domain() + " sent " + tr.labels.length + " labels for "
                            + rows + " aligned rows");
                }
            }
            observer.log("split: " + parties.size() + " parties, " + n + " aligned rows, " + (external ? "top network run by "
                    + holder.domain() + "'s trainer " + job.model().trainer() + ", which computes the loss"
                    : "top network " + tr.top.numParams() + " parameters, " + (owner ? "loss computed by label holder " + holder.domain()
                    : "labels shared with the coordinator")));

            List<RoundSummary> history = new ArrayList<>(resume.earlier());
            Map<String, Double> last = history.isEmpty() ? Map.of() : history.get(history.size() - 1).metrics();
            io.meshfl.core.protocol.Selection selection = io.meshfl.core.protocol.Selection.of(job);
            if (selection != null && from != null) selection.restore(from);
            for (int epoch = from == null ? 0 : from.round(); epoch < s.epochs(); epoch++) {
                long e0 = System.nanoTime();
                long[] b0 = calls.traffic();
                Map<String, Double> metrics = tr.epoch(epoch);
                metrics.putAll(tr.evaluate());
                tr.diagnostics.offer(epoch + 1, tr.lastDiagnostics, holder.domain());
                metrics.put("psi_intersection", (double) n);
                long[] b1 = calls.traffic();
                RoundSummary sum = new RoundSummary(epoch + 1, s.epochs(), (System.nanoTime() - e0) / 1e9, b1[0] - b0[0], b1[1] - b0[1],
                        parts.size(), List.of(), metrics);
                history.add(sum);
                last = metrics;
                observer.log(progress(epoch, metrics));
                // every party keeps the selected epoch's bottom before it persists its part, the top is kept here
                if (selection != null && selection.offer(epoch + 1, metrics)) {
                    calls.parallel(tr.domains, d -> request(jobId, runId, SplitSteps.KEEP, d, Map.of()));
                    tr.keptTop = tr.topParams.clone();
                }
                Map<String, String> persisted = resume.checkpointing() ? checkpoint(calls, jobId, runId, tr.domains, epoch + 1) : null;
                if (persisted == null) {
                    observer.round(sum);
                } else {
                    Map<String, double[]> top = new LinkedHashMap<>();
                    top.put("top", tr.topParams.clone());
                    tr.topOpt.state().forEach((k, v) -> top.put("top.opt." + k, v));
                    if (tr.keptTop != null) top.put("top.kept", tr.keptTop.clone());
                    Map<String, Double> numbers = new LinkedHashMap<>(Map.of("t", (double) tr.t, "psi_intersection", (double) n,
                            "bytes_sent", b1[0] - start[0] + before("bytes_sent"), "bytes_received", b1[1] - start[1] + before("bytes_received"),
                            "payload_bytes", calls.payload() + resume.carriedPayload() + before("payload_bytes"),
                            "seconds", (System.nanoTime() - t0) / 1e9 + before("seconds")));
                    if (selection != null) numbers.putAll(selection.state());
                    RunCheckpoint c = new RunCheckpoint(epoch + 1, top, numbers, persisted);
                    observer.round(sum, c);
                    resume.committed(c, history);
                }
                if (selection != null && selection.stops(epoch + 1, s.epochs(), "epoch", observer::log)) break;
            }
            // a job that selects stores the selected epoch's networks, every party its bottom and the top here
            boolean selected = selection != null && selection.bestRound() > 0;
            calls.parallel(tr.domains, d -> request(jobId, runId, SplitSteps.SAVE, d, Map.of("model_id", runId,
                    "selected", Boolean.toString(selected))));
            long[] bytes = calls.traffic();
            if (from != null) {
                last = new LinkedHashMap<>(last);
                last.put("resumed_from_round", (double) from.round());
            }
            if (selected) last = selection.report(last, history);
            return new RunOutcome(selected ? tr.keptTop : tr.topParams, last, history, bytes[0] - start[0] + (long) before("bytes_sent"),
                    bytes[1] - start[1] + (long) before("bytes_received"), calls.payload() + resume.carriedPayload() + (long) before("payload_bytes"),
                    (System.nanoTime() - t0) / 1e9 + before("seconds"),
                    history.isEmpty() ? null : tr.diagnostics.of(selected ? selection.bestRound() : history.get(history.size() - 1).round(),
                            evaluated >= 0 ? evaluation.over() : null));
        }
    }

    /** The held-out share of the aligned rows the job asks for (0: scored on its training rows). */
    private double holdout() {
        return io.meshfl.core.protocol.Holdout.share(job);
    }

    /** A number the run had reached before this coordinator took it up (0 for a fresh run). */
    private double before(String name) {
        return resume.before(name);
    }

    /** Has every party persist its part of {@code round}; each party's SHA-256 of it, or null (see {@link PartyResume#parts}). */
    private Map<String, String> checkpoint(PartyCalls calls, String jobId, String runId, List<String> domains, int round) {
        List<Message> replies = calls.parallel(domains, d -> request(jobId, runId, SplitSteps.CHECKPOINT, d, Map.of("round", Integer.toString(round))));
        Map<String, Message> byDomain = new LinkedHashMap<>();
        for (int k = 0; k < domains.size(); k++) byDomain.put(domains.get(k), replies.get(k));
        return resume.parts(byDomain, observer);
    }

    /** The coordinator's side of one training run: the top network, its optimizer, and the labels if they are shared. */
    /** The job's evaluation entities, aligned apart from the training rows. */
    private final io.meshfl.core.protocol.EvaluationAlignment evaluation;
    /** How many evaluation entities were aligned in this attempt, or -1 when the job scores none. */
    private int evaluated = -1;

    private final class Training {
        final PartyCalls calls;
        final String jobId;
        final String runId;
        final List<String> domains;
        final String holder;
        final int n;
        /** The first {@code train} aligned rows train; the rest are held out and only scored. */
        final int train;
        /** The top network, here unless an external trainer runs it on the label holder (then null, and no parameters here). */
        final Network top = external ? null : SplitArchitecture.top(parties.size(), s, head);
        final double[] topParams = new double[top == null ? 0 : top.numParams()];
        final Optimizer topOpt = SplitArchitecture.optimizer(s).create();
        final int[] widths;
        double[] labels;
        int t;
        /** The top network of the epoch the job's selection picked so far, or null. */
        double[] keptTop;

        Training(PartyCalls calls, String jobId, String runId, List<String> domains, int n) {
            this.calls = calls;
            this.jobId = jobId;
            this.runId = runId;
            this.domains = domains;
            this.holder = domains.get(0);
            this.n = n;
            this.train = evaluated >= 0 ? n - evaluated : io.meshfl.core.protocol.Holdout.trainRows(n, holdout());
            if (top != null) top.init(topParams, new Random(SplitReference.topSeed(job.seed())));
            widths = new int[parties.size()];
            Arrays.fill(widths, s.cutWidth());
        }

        /** The top network as the model a warm start names holds it; its optimizer starts afresh. */
        void warm(io.meshfl.core.protocol.WarmStart w) {
            if (w.coordinatorParams().length != topParams.length) {
                throw new MeshflException(ErrorCode.PLAN_REFUSED, "warmStart: model " + w.modelId() + " holds a top network of "
                        + w.coordinatorParams().length + " parameters; this job's has " + topParams.length);
            }
            System.arraycopy(w.coordinatorParams(), 0, topParams, 0, topParams.length);
            observer.log("split: warm start from model " + w.modelId() + ": every party's bottom network and the top network as it left them");
        }

        /** The top network, its optimizer and its step count as the checkpoint holds them. */
        void restore(RunCheckpoint c) {
            double[] p = c.tensor("top");
            if (p.length != topParams.length) {
                throw new MeshflException(ErrorCode.CATALOG_FAILURE, "the checkpoint of epoch " + c.round() + " holds a top network of "
                        + p.length + " parameters; the job's has " + topParams.length);
            }
            System.arraycopy(p, 0, topParams, 0, p.length);
            Map<String, double[]> opt = new LinkedHashMap<>();
            c.tensors().forEach((k, v) -> {
                if (k.startsWith("top.opt.")) opt.put(k.substring("top.opt.".length()), v);
            });
            topOpt.restore(opt);
            t = (int) c.number("t", 0);
            if (c.tensors().containsKey("top.kept")) keptTop = c.tensor("top.kept").clone();
        }

        /**
         * One pass over the aligned rows in {@link SplitReference#batches} order. Each batch is one
         * parallel round trip per party that also carries the previous batch's cut gradient; the
         * last gradient goes out with a backward-only call. Returns the epoch's training metrics.
         */
        Map<String, Double> epoch(int epoch) {
            long e0 = System.nanoTime();
            int[][] batches = SplitReference.batches(train, s.batchSize(), job.seed(), epoch);
            List<double[]> pending = null;
            double lossSum = 0;
            long clipped = 0, clipRows = 0;
            for (int b = 0; b < batches.length; b++) {
                int m = batches[b].length;
                Map<String, String> pos = Map.of("epoch", Integer.toString(epoch), "batch", Integer.toString(b));
                List<double[]> grads = pending;
                // a group's members first exchange their shares of the party's gradient, sealed among themselves
                Map<String, Map<String, byte[]>> shares = parties.shareGradients(calls, grads, (step, d) -> request(jobId, runId, step, d, Map.of()));
                List<Message> replies = calls.parallel(domains, d -> parties.withGradient(request(jobId, runId, SplitSteps.BATCH, d, pos), d,
                        grads, shares));
                double[] x = Columns.concat(parties.blocks(replies, domains, m, s.cutWidth(), "epoch " + (epoch + 1) + " batch " + (b + 1)),
                        widths, m);
                double[] gx;
                if (top == null) {
                    // the label holder's trainer steps its top and answers the batch's loss and the gradient w.r.t. the cut layers
                    Message r = calls.call(holder, request(jobId, runId, SplitSteps.TOP, holder, pos).withTensors(Map.of(SplitSteps.CUTS, x)));
                    gx = r.tensor(SplitSteps.GRAD);
                    Bottom.checkBlock("cut-layer gradient of the top", holder, gx, m, s.cutWidth() * parties.size());
                    Double loss = r.metrics().get("loss");
                    if (loss == null || !Double.isFinite(loss)) {
                        throw new MeshflException(ErrorCode.PROTOCOL_FAILURE, holder + " returned no finite loss for " + pos);
                    }
                    lossSum += loss * m;
                } else {
                    double[] logits = top.forward(topParams, x, m);
                    double[] dLogits = new double[m * head.outputs()];
                    lossSum += loss(pos, batches[b], logits, dLogits) * m;
                    double[] topGrad = new double[topParams.length];
                    gx = top.backward(topParams, dLogits, topGrad);
                    topOpt.step(topParams, topGrad, ++t);
                }
                pending = Columns.split(gx, widths, m);
                if (s.gradientClip() > 0) {
                    for (double[] g : pending) clipped += SplitParties.clip(g, m, s.cutWidth(), s.gradientClip());
                    clipRows += (long) m * parties.size();
                }
            }
            double secs = (System.nanoTime() - e0) / 1e9;
            List<double[]> lastGrads = pending;
            Map<String, Map<String, byte[]>> lastShares = parties.shareGradients(calls, lastGrads, (step, d) -> request(jobId, runId, step, d, Map.of()));
            List<Message> ends = calls.parallel(domains, d -> parties.withGradient(request(jobId, runId, SplitSteps.BACKWARD, d, Map.of()), d,
                    lastGrads, lastShares));
            Map<String, Double> m = new LinkedHashMap<>();
            m.put("loss", lossSum / train);
            m.put("samples_per_second", train / secs);
            m.put("activation_noise_sd", s.activationNoise());
            if (s.labelEpsilon() > 0) m.put("label_epsilon", s.labelEpsilon());
            if (s.activationNoise() > 0) {
                double ms = 0;
                for (Message r : ends) ms += r.metrics().getOrDefault("activation_mean_square", 0.0);
                m.put("activation_snr", ms / ends.size() / (s.activationNoise() * s.activationNoise()));
            }
            if (s.gradientClip() > 0) m.put("clipped_fraction", clipRows == 0 ? 0.0 : (double) clipped / clipRows);
            return m;
        }

        /** The head's batch-mean loss of {@code logits}, its gradient written to {@code dLogits}: here, or by the label holder that keeps its labels. */
        double loss(Map<String, String> pos, int[] batch, double[] logits, double[] dLogits) {
            int m = batch.length;
            if (labels != null) {
                double[] y = new double[m];
                for (int i = 0; i < m; i++) y[i] = labels[batch[i]];
                return head.loss(logits, y, dLogits);
            }
            Message r = calls.call(holder, request(jobId, runId, SplitSteps.LOSS, holder, pos).withTensors(Map.of(SplitSteps.LOGITS, logits)));
            double[] d = r.tensor(SplitSteps.DLOGITS);
            Bottom.checkBlock("loss gradient", holder, d, m, head.outputs());
            System.arraycopy(d, 0, dLogits, 0, d.length);
            Double loss = r.metrics().get("loss");
            if (loss == null || !Double.isFinite(loss)) {
                throw new MeshflException(ErrorCode.PROTOCOL_FAILURE, holder + " returned no finite loss for " + pos);
            }
            return loss;
        }

        /** The diagnostics of the last evaluation, made here or by the label holder; those of every epoch. */
        byte[] lastDiagnostics;
        final io.meshfl.core.protocol.RoundDiagnostics diagnostics = new io.meshfl.core.protocol.RoundDiagnostics();

        /** The current model's metrics over all aligned rows (held-out apart), from the shared labels or by the label holder. */
        Map<String, Double> evaluate() {
            java.util.function.BiFunction<String, int[], Message> forward = (d, r) -> request(jobId, runId, SplitSteps.EVALUATE, d,
                    Map.of("from", Integer.toString(r[0]), "to", Integer.toString(r[1])));
            double[] z = top != null ? parties.logits(calls, domains, n, s.cutWidth(), top.forPrediction(), topParams, forward)
                    : parties.logits(calls, domains, n, s.cutWidth(), head.outputs(), (x, rows) -> {
                        Message r = calls.call(holder, request(jobId, runId, SplitSteps.TOP_PREDICT, holder, Map.of("rows", Integer.toString(rows)))
                                .withTensors(Map.of(SplitSteps.CUTS, x)));
                        double[] logits = r.tensor(SplitSteps.LOGITS);
                        Bottom.checkBlock("logits of the top", holder, logits, rows, head.outputs());
                        return logits;
                    }, forward);
            if (labels == null) {
                Message r = calls.call(holder, request(jobId, runId, SplitSteps.METRICS, holder, Map.of()).withTensors(Map.of(SplitSteps.LOGITS, z)));
                lastDiagnostics = r.blob(io.meshfl.core.protocol.Holdout.DIAGNOSTICS);
                // the names are the head's own (see Holdout.metrics); a label holder that answers none is refused
                Map<String, Double> m = new LinkedHashMap<>(r.metrics());
                for (String k : io.meshfl.core.protocol.Selection.metrics(head.task())) {
                    if (head.task() == io.meshfl.core.model.ModelSpec.Task.BINARY && !k.equals("auc")) continue;
                    if (!m.containsKey(k)) throw new MeshflException(ErrorCode.PROTOCOL_FAILURE, holder + " returned no " + k + " of the model");
                }
                return m;
            }
            double[] pred = head.predict(z);
            lastDiagnostics = io.meshfl.core.protocol.Holdout.diagnostics(head.task(), pred, labels, train, head.outputs());
            return io.meshfl.core.protocol.Holdout.metrics(head.task(), pred, labels, train, head.outputs());
        }
    }

    private String progress(int epoch, Map<String, Double> m) {
        return String.format(Locale.ROOT, "split epoch %d/%d: %s, %.0f samples/s%s%s",
                epoch + 1, s.epochs(), io.meshfl.core.metrics.Metrics.describe(m, PROGRESS_OTHER), m.get("samples_per_second"),
                m.containsKey("activation_snr") ? String.format(Locale.ROOT, ", activation SNR %.3g", m.get("activation_snr")) : "",
                m.containsKey("clipped_fraction") ? String.format(Locale.ROOT, ", %.1f%% of gradient rows clipped", 100 * m.get("clipped_fraction")) : "");
    }

    /** What the progress line shows apart from the model's metrics, or not at all. */
    private static final java.util.Set<String> PROGRESS_OTHER = java.util.Set.of("samples_per_second", "activation_snr", "clipped_fraction",
            "activation_noise_sd", "label_epsilon", "holdout_rows", "psi_intersection");

    static Message request(String jobId, String runId, String step, String domain, Map<String, String> cfg) {
        return Message.request(jobId, runId, SplitSteps.PROTOCOL, step, 0, domain).withConfig(cfg);
    }
}

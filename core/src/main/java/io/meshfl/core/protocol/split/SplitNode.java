package io.meshfl.core.protocol.split;

import io.meshfl.core.ErrorCode;
import io.meshfl.core.MeshflException;
import io.meshfl.core.data.Dataset;
import io.meshfl.core.monitoring.DriftRecords;
import io.meshfl.core.model.Optimizer;
import io.meshfl.core.model.nn.Head;
import io.meshfl.core.model.nn.SplitReference;
import io.meshfl.core.protocol.Message;
import io.meshfl.core.protocol.NodeContext;
import io.meshfl.core.protocol.NodeProtocol;
import io.meshfl.core.protocol.RunCheckpoint;
import io.meshfl.core.protocol.RunParts;

import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The node side of split neural-network training. A party keeps its rows, its column encoding,
 * its bottom network and that network's optimizer; only cut-layer activations (noisy if asked)
 * leave it, and only cut-layer gradients come in. The label holder additionally either shares its
 * labels once ({@code labels: coordinator}) or keeps them and answers loss and metric requests
 * from logits.
 */
public final class SplitNode implements NodeProtocol {

    static final String STATE = "split.party";

    /** What a party keeps between training steps. */
    static final class Party {
        final String domain;
        final ColumnEncoding encoding;
        final Bottom bottom;
        final Optimizer opt;
        final double[] labels;
        /** What the loss is computed on: the labels, or once-randomized labels under label DP. */
        double[] trainLabels;
        final boolean sharesLabels;
        final int batchSize;
        final long batchSeed;
        final Map<String, String> shape;
        /** The bottom network of the epoch the job's selection picked so far, or null. */
        double[] kept;
        /** What the label holder's loss and metrics are of (binary for the other parties). */
        Head head = Head.BINARY;
        /** Which of the product's rows, in the run's order (kept in the party's checkpoints). */
        int[] aligned;
        /** The first {@code train} aligned rows train; batches never reach the rest. */
        int train;
        int t;
        int pendingRows = -1;
        int epoch = -1;
        int[][] batches;
        /** A member of a party made of several products (null otherwise): its seat, its rows, its sealing key and peers. */
        SplitGroup.Seat seat;
        /** The rows of the batch forwarded last, and a member's share of the party's gradient for it. */
        int[] pendingBatch;
        double[] share;
        /** How many evaluations this party answered: a member's masks differ for each. */
        int evaluations;
        /** The party's networks as its external trainer runs them (null for MeshFL's own bottom), and the kept epoch's state. */
        ExternalParty external;
        Map<String, double[]> keptState;

        Party(String domain, ColumnEncoding encoding, Bottom bottom, Optimizer opt, double[] labels, boolean sharesLabels,
              int batchSize, long batchSeed, Map<String, String> shape) {
            this.domain = domain;
            this.encoding = encoding;
            this.bottom = bottom;
            this.opt = opt;
            this.labels = labels;
            this.trainLabels = labels;
            this.sharesLabels = sharesLabels;
            this.batchSize = batchSize;
            this.batchSeed = batchSeed;
            this.shape = shape;
        }

        /** Row indices of batch {@code b} of epoch {@code e}, computed like the coordinator does. */
        int[] batch(int e, int b) {
            if (e != epoch) {
                batches = SplitReference.batches(train, batchSize, batchSeed, e);
                epoch = e;
            }
            if (b < 0 || b >= batches.length) {
                throw new MeshflException(ErrorCode.PROTOCOL_FAILURE, "batch " + b + " of epoch " + e + " does not exist; "
                        + train + " training rows make " + batches.length + " batches");
            }
            return batches[b];
        }

        /** Backpropagates the cut gradient of the pending batch and steps the optimizer. */
        void apply(double[] cutGrad) {
            if (external != null) {
                external.backward(cutGrad);
                pendingRows = -1;
                return;
            }
            step(gradient(cutGrad));
        }

        /** Training-mode cut activations of {@code rows}, protected. */
        double[] forward(int[] rows) {
            return external != null ? external.forward(rows) : bottom.forward(rows);
        }

        /** Prediction-mode cut activations of aligned rows {@code [from, to)}, protected. */
        double[] predict(int from, int to) {
            return external != null ? external.predict(from, to) : bottom.predict(from, to);
        }

        int cutWidth() {
            return external != null ? external.cutWidth() : bottom.cutWidth();
        }

        double takeMeanSquare() {
            return external != null ? external.takeMeanSquare() : bottom.takeMeanSquare();
        }

        /** Keeps the current epoch's networks as the selected ones. */
        void keep() {
            if (external != null) keptState = external.state();
            else kept = bottom.params.clone();
        }

        /** The bottom network's parameter gradient for the cut gradient of the pending batch. */
        double[] gradient(double[] cutGrad) {
            if (pendingRows < 0) throw new MeshflException(ErrorCode.OUT_OF_ORDER, "cut gradient for " + domain + " with no batch forwarded");
            Bottom.checkBlock("cut gradient", domain, cutGrad, pendingRows, bottom.cutWidth());
            double[] g = new double[bottom.params.length];
            bottom.net.backwardParams(bottom.params, bottom.backThroughBound(cutGrad), g);
            return g;
        }

        /** Steps the optimizer with the pending batch's parameter gradient {@code g}. */
        void step(double[] g) {
            opt.step(bottom.params, g, ++t);
            pendingRows = -1;
            share = null;
        }

        double[] labelsOf(int[] rows) {
            double[] y = new double[rows.length];
            for (int i = 0; i < rows.length; i++) y[i] = trainLabels[rows[i]];
            return y;
        }
    }

    @Override
    public String name() {
        return SplitSteps.PROTOCOL;
    }

    @Override
    public Message handle(Message req, NodeContext ctx) {
        return switch (req.step()) {
            case SplitSteps.SETUP -> setup(req, ctx);
            case io.meshfl.core.protocol.LabelCheck.STEP -> io.meshfl.core.protocol.LabelCheck.answer(req, ctx);
            case SplitSteps.LABELS -> {
                Party p = labelHolder(req, ctx);
                if (!p.sharesLabels) {
                    throw new MeshflException(ErrorCode.POLICY_VIOLATION, p.domain + " keeps its labels in this job (split.labels: "
                            + p.domain + ") and does not send them");
                }
                yield req.reply(ctx.nodeId(), Map.of(), Map.of(SplitSteps.LABEL_TENSOR, p.labels.clone()));
            }
            case SplitSteps.GROUP_SHARE -> SplitGroup.share(req, ctx, pending(req, ctx));
            case SplitSteps.GROUP_JOIN -> SplitGroup.join(req, ctx, pending(req, ctx));
            case SplitSteps.GROUP_GRAD -> SplitGroup.gradient(req, party(req, ctx));
            case SplitSteps.BATCH -> {
                Party p = party(req, ctx);
                double[] g = req.tensors().get(SplitSteps.GRAD);
                if (g != null) p.apply(g);
                if (p.seat != null && p.share != null) p.step(SplitGroup.total(req, p));
                int[] rows = p.batch(intCfg(req, "epoch"), intCfg(req, "batch"));
                double[] act = p.forward(rows);
                p.pendingRows = rows.length;
                p.pendingBatch = rows;
                // a group member's block: its own rows only, masked so that only the members' sum means anything
                if (p.seat != null) {
                    yield req.reply(ctx.nodeId(), Map.of(), Map.of(), Map.of(SplitSteps.ACT, p.seat.masked(req.jobId() + "/split/act/"
                            + req.cfg("epoch") + "/" + req.cfg("batch"), act, rows, p.bottom.cutWidth())));
                }
                yield req.reply(ctx.nodeId(), Map.of(), Map.of(SplitSteps.ACT, act));
            }
            case SplitSteps.BACKWARD -> {
                Party p = party(req, ctx);
                if (p.seat != null) p.step(SplitGroup.total(req, p));
                else p.apply(req.tensor(SplitSteps.GRAD));
                yield req.reply(ctx.nodeId(), Map.of("activation_mean_square", p.takeMeanSquare()), Map.of());
            }
            case SplitSteps.LOSS -> loss(req, labelHolder(req, ctx));
            case SplitSteps.TOP -> {
                Party p = labelHolder(req, ctx);
                int[] rows = p.batch(intCfg(req, "epoch"), intCfg(req, "batch"));
                io.meshfl.core.protocol.external.ExternalTrainer.TopStep step = topOf(p).top(rows, req.tensor(SplitSteps.CUTS));
                yield req.reply(p.domain, Map.of("loss", step.loss()), Map.of(SplitSteps.GRAD, step.inputGradient()));
            }
            case SplitSteps.TOP_PREDICT -> {
                Party p = labelHolder(req, ctx);
                double[] x = req.tensor(SplitSteps.CUTS);
                yield req.reply(p.domain, Map.of(), Map.of(SplitSteps.LOGITS, topOf(p).topPredict(x, intCfg(req, "rows"))));
            }
            case SplitSteps.EVALUATE -> {
                Party p = party(req, ctx);
                int from = intCfg(req, "from"), to = intCfg(req, "to");
                double[] act = p.predict(from, to);
                if (p.seat != null) {
                    yield req.reply(ctx.nodeId(), Map.of(), Map.of(), Map.of(SplitSteps.ACT, p.seat.masked(req.jobId() + "/split/eval/"
                            + (p.evaluations++) + "/" + from, act, SplitGroup.range(from, to), p.bottom.cutWidth())));
                }
                yield req.reply(ctx.nodeId(), Map.of(), Map.of(SplitSteps.ACT, act));
            }
            case SplitSteps.METRICS -> metrics(req, labelHolder(req, ctx));
            case SplitSteps.CHECKPOINT -> checkpoint(req, ctx, party(req, ctx));
            case SplitSteps.KEEP -> {
                party(req, ctx).keep();
                yield req.reply(ctx.nodeId(), Map.of(), Map.of());
            }
            case SplitSteps.SAVE -> {
                Party p = party(req, ctx);
                if (p.external != null) yield ExternalSplitPart.save(req, ctx, p);
                Map<String, String> s = p.shape;
                boolean selected = Boolean.parseBoolean(req.cfg("selected", "false"));
                if (selected && p.kept == null) {
                    throw new MeshflException(ErrorCode.OUT_OF_ORDER, p.domain + " was asked to save the selected epoch's bottom network but kept none");
                }
                SplitPart part = new SplitPart(p.domain, p.encoding, parseInts(s.get("bottom_hidden")), Integer.parseInt(s.get("cut_width")),
                        s.get("activation"), Integer.parseInt(s.get("embedding_dim")), p.bottom.noiseSd, (selected ? p.kept : p.bottom.params).clone());
                ctx.saveModelPart(req.cfg("model_id"), part.toJson());
                DriftRecords.saveKept(ctx, ctx.jobState(req.jobId()), req.cfg("model_id"));
                ctx.endJob(req.jobId());
                yield req.reply(ctx.nodeId(), Map.of("params", (double) p.bottom.params.length), Map.of());
            }
            default -> req.failure(ctx.nodeId(), ErrorCode.PROTOCOL_FAILURE, "unknown split step '" + req.step() + "'");
        };
    }

    private Message setup(Message req, NodeContext ctx) {
        Map<String, Object> job = ctx.jobState(req.jobId());
        String product = req.cfg("product");
        // a run going on under a new coordinator: rows, network, optimizer and labels as this party persisted them
        RunCheckpoint resumed = RunParts.resumed(req, ctx, PART);
        int[] aligned = RunParts.alignedRows(resumed, job, product, "split");
        // held-out rows go last, in the order every party derives from the seed (a resumed party's order already is)
        io.meshfl.core.protocol.Holdout.Rows held = io.meshfl.core.protocol.Holdout.of(req, aligned, resumed != null);
        aligned = held.aligned();
        int train = held.train();
        List<String> features = csv(req.cfg("features", ""));
        if (features.isEmpty()) {
            throw new MeshflException(ErrorCode.PROTOCOL_FAILURE, "split setup for " + product + " on " + ctx.domain() + " names no columns");
        }
        String label = req.cfg("label", "");
        String group = req.cfg("group", null);
        String y = label.isEmpty() ? null : label;
        // a group member holds the common order sparsely (zero rows where another member holds the entity); each party reads
        // only its aligned rows
        Dataset rows = io.meshfl.core.protocol.EvaluationAlignment.append(req, ctx, group == null ? ctx.loadRows(product, features, y, aligned)
                : ctx.loadSparse(product, features, y, aligned), features, y);
        // the reference of drift: the raw training rows (evaluation rows come after them), a group member's own entities only
        job.put(DriftRecords.JOB_PROFILES, DriftRecords.profiles(group == null ? held.training(rows)
                : rows.select(io.meshfl.core.protocol.Holdout.ownTraining(aligned, train))));
        if (group != null) {
            if (req.cfg(io.meshfl.core.protocol.WarmStart.FROM, null) != null) {
                throw new MeshflException(ErrorCode.PLAN_REFUSED, "warmStart: " + ctx.domain() + " takes part as a member of group " + group
                        + "; a party made of several products starts afresh");
            }
            // its encoding and network wait for the other members' column statistics (group-share, group-join)
            SplitGroup.Pending pending = new SplitGroup.Pending(req, rows, aligned, train, resumed, new SplitGroup.Seat(
                    new io.meshfl.core.protocol.group.GroupMember(group, csv(req.cfg("group_members")), ctx.domain()),
                    io.meshfl.core.protocol.group.GroupMember.present(io.meshfl.core.protocol.EvaluationAlignment.withEvaluationRows(req, ctx, aligned))));
            job.put(SplitGroup.PENDING, pending);
            return req.reply(ctx.nodeId(), Map.of("rows", (double) rows.rows(), "columns", (double) features.size()), Map.of(),
                    Map.of("seal_pk", pending.seat().seal.publicKey()));
        }
        // the encoding (scaling, categories) is learned from the training rows alone; a warm start keeps its part's, which its
        // network's inputs mean
        SplitPart warm = resumed == null ? BottomSetup.warmPart(req, ctx, features) : null;
        ColumnEncoding enc = warm != null ? warm.encoding() : ColumnEncoding.fit(held.training(rows), csv(req.cfg("categorical", "")));
        return BottomSetup.build(req, ctx, rows, enc, aligned, train, resumed, null, warm);
    }

    /**
     * Persists this party's part of the epoch just ended in its own run folder (its aligned rows,
     * bottom network, optimizer state and, under label DP, the once-randomized labels, so a resumed
     * run spends no second draw), forced to the disk; answers with its SHA-256, or that it keeps no
     * state folder ({@code persisted} 0).
     */
    private Message checkpoint(Message req, NodeContext ctx, Party p) {
        if (p.pendingRows >= 0) throw new MeshflException(ErrorCode.OUT_OF_ORDER, "checkpoint of " + p.domain + " with a batch in flight");
        return RunParts.answer(req, ctx, PART, round -> {
            Map<String, double[]> t = new LinkedHashMap<>();
            t.put("aligned", RunParts.values(p.aligned));
            if (p.external != null) {
                p.external.state().forEach((k, v) -> t.put("external." + k, v));
                if (p.keptState != null) p.keptState.forEach((k, v) -> t.put("kept." + k, v));
            } else {
                t.put("params", p.bottom.params.clone());
                p.opt.state().forEach((k, v) -> t.put("opt." + k, v));
            }
            if (p.trainLabels != null && p.trainLabels != p.labels) t.put("train_labels", p.trainLabels.clone());
            if (p.kept != null) t.put("kept", p.kept.clone());
            return new RunCheckpoint(round, t, Map.of("t", (double) p.t));
        });
    }

    /** The head a setup request names ({@code objective}, {@code classes}); binary when it names none. */
    static Head head(Message req) {
        String name = req.cfg("objective", "binary");
        try {
            return new Head(io.meshfl.core.model.ModelSpec.Task.valueOf(name.toUpperCase(java.util.Locale.ROOT)),
                    Integer.parseInt(req.cfg("classes", "1")));
        } catch (IllegalArgumentException e) {
            throw new MeshflException(ErrorCode.PROTOCOL_FAILURE, "unknown split-network objective '" + name + "' (" + e.getMessage() + ")");
        }
    }

    /** The name of this protocol's parts in a party's run folder. */
    private static final String PART = "split";

    /**
     * Binary randomized response: each label flipped once, independently, with probability
     * 1 / (1 + e^epsilon). Everything later derived from the result (loss gradients) is then
     * epsilon-label-differentially private, however many epochs reuse it.
     */
    static double[] randomizedResponse(double[] y, double epsilon, java.util.Random rnd) {
        double flip = 1 / (1 + Math.exp(epsilon));
        double[] out = y.clone();
        for (int i = 0; i < out.length; i++) if (rnd.nextDouble() < flip) out[i] = 1 - out[i];
        return out;
    }

    private Message loss(Message req, Party p) {
        int[] rows = p.batch(intCfg(req, "epoch"), intCfg(req, "batch"));
        double[] logits = req.tensor(SplitSteps.LOGITS);
        int k = p.head.outputs();
        Bottom.checkBlock("logits", "the coordinator", logits, rows.length, k);
        double[] d = new double[rows.length * k];
        double loss = p.head.loss(logits, p.labelsOf(rows), d);
        return req.reply(p.domain, Map.of("loss", loss), Map.of(SplitSteps.DLOGITS, d));
    }

    private Message metrics(Message req, Party p) {
        double[] logits = req.tensor(SplitSteps.LOGITS);
        int k = p.head.outputs();
        Bottom.checkBlock("logits", "the coordinator", logits, p.labels.length, k);
        double[] pred = p.head.predict(logits);
        return req.reply(p.domain, io.meshfl.core.protocol.Holdout.metrics(p.head.task(), pred, p.labels, p.train, k), Map.of(),
                Map.of(io.meshfl.core.protocol.Holdout.DIAGNOSTICS, io.meshfl.core.protocol.Holdout.diagnostics(p.head.task(), pred, p.labels, p.train, k)));
    }

    /** The label holder's top network, which only an external split network runs on a node. */
    private static ExternalParty topOf(Party p) {
        if (p.external == null || !p.external.holdsTop()) {
            throw new MeshflException(ErrorCode.PROTOCOL_FAILURE, "a top-network step was asked of " + p.domain + ", whose split network's top "
                    + "runs on the coordinator");
        }
        return p.external;
    }

    private static SplitGroup.Pending pending(Message req, NodeContext ctx) {
        Object p = ctx.jobState(req.jobId()).get(SplitGroup.PENDING);
        if (p == null) throw new MeshflException(ErrorCode.OUT_OF_ORDER, "split step '" + req.step() + "' for a group member arrived before its setup");
        return (SplitGroup.Pending) p;
    }

    static Party party(Message req, NodeContext ctx) {
        Object p = ctx.jobState(req.jobId()).get(STATE);
        if (p == null) {
            throw new MeshflException(ErrorCode.OUT_OF_ORDER, "split step '" + req.step() + "' of job " + req.jobId() + " arrived before setup");
        }
        return (Party) p;
    }

    private static Party labelHolder(Message req, NodeContext ctx) {
        Party p = party(req, ctx);
        if (p.labels == null) {
            throw new MeshflException(ErrorCode.PROTOCOL_FAILURE, "split step '" + req.step() + "' asked of " + p.domain + ", which holds no label");
        }
        return p;
    }

    static int intCfg(Message req, String key) {
        try {
            return Integer.parseInt(req.cfg(key));
        } catch (NumberFormatException e) {
            throw new MeshflException(ErrorCode.PROTOCOL_FAILURE, "split/" + req.step() + ": config '" + key + "' is not an integer");
        }
    }

    static List<String> csv(String s) {
        if (s == null || s.isBlank()) return List.of();
        return Arrays.stream(s.split(",")).map(String::trim).filter(v -> !v.isEmpty()).toList();
    }

    static List<Integer> parseInts(String s) {
        return csv(s).stream().map(Integer::valueOf).toList();
    }
}

package io.meshfl.core.protocol.split;

import io.meshfl.core.ErrorCode;
import io.meshfl.core.MeshflException;
import io.meshfl.core.data.Dataset;
import io.meshfl.core.model.ModelSpec;
import io.meshfl.core.model.TensorSpec;
import io.meshfl.core.model.nn.Head;
import io.meshfl.core.protocol.external.ExternalTrainer;
import io.meshfl.core.protocol.external.TrainerChecks;

import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A party's split networks as its external trainer runs them: the bottom on every party, the top
 * on the label holder. The node stays the governor: the trainer gets the party's encoded aligned
 * rows once (the label only on the label holder, and under label DP only the once-randomized
 * labels), must declare exactly the tensors the signed job declares for its role, and everything it
 * answers is checked (shapes, finite values) before it leaves the node. Noise on the cut layer is
 * added here, by the node, as for MeshFL's own bottoms ({@link CutProtection}).
 */
final class ExternalParty {

    private final ExternalTrainer trainer;
    private final String name;
    private final String jobId;
    private final String domain;
    private final int rows;
    private final int cut;
    private final CutProtection protection;
    /** The declared tensors of this party's bottom, and of the top on the label holder (else null). */
    final List<TensorSpec> bottomTensors;
    final List<TensorSpec> topTensors;
    private final int topWidth;
    private final int outputs;
    private int pending = -1;

    private ExternalParty(ExternalTrainer trainer, String name, String jobId, String domain, int rows, int cut, double noiseSd,
                          List<TensorSpec> bottomTensors, List<TensorSpec> topTensors, int topWidth, int outputs) {
        this.trainer = trainer;
        this.name = name;
        this.jobId = jobId;
        this.domain = domain;
        this.rows = rows;
        this.cut = cut;
        this.protection = new CutProtection(cut, noiseSd);
        this.bottomTensors = bottomTensors;
        this.topTensors = topTensors;
        this.topWidth = topWidth;
        this.outputs = outputs;
    }

    /**
     * Starts the party's trainer for a split job, hands it the encoded aligned rows ({@code labels}
     * only on the label holder) and sets up its bottom (and top, when {@code topTensors} is given),
     * each checked against the job's declaration.
     */
    static ExternalParty open(io.meshfl.core.protocol.NodeContext ctx, ModelSpec model, String jobId, String domain, String party, Dataset encoded, String labelName,
                              double[] labels, Head head, SplitTensors declared, int cut, int parties, String optimizer, double lr, long seed,
                              long topSeed, double noiseSd, Duration timeout) {
        ExternalTrainer t = ctx.trainer(model.trainer(), jobId, timeout);
        List<TensorSpec> bottom = declared.bottom(party);
        List<TensorSpec> top = labels == null ? null : declared.top();
        load(t, model.trainer(), jobId, encoded, labelName, labels, head);
        TrainerChecks.declaration(model.trainer() + " (bottom of " + party + ")", bottom, t.splitSetup(new ExternalTrainer.SplitSetup(jobId,
                ExternalTrainer.Role.BOTTOM, encoded.cols(), cut, head.task(), head.outputs(), optimizer, lr, seed)));
        if (top != null) {
            TrainerChecks.declaration(model.trainer() + " (top)", top, t.splitSetup(new ExternalTrainer.SplitSetup(jobId,
                    ExternalTrainer.Role.TOP, cut * parties, head.outputs(), head.task(), head.outputs(), optimizer, lr, topSeed)));
        }
        return new ExternalParty(t, model.trainer(), jobId, domain, encoded.rows(), cut, noiseSd, bottom, top, cut * parties, head.outputs());
    }

    /** Hands the trainer the party's encoded rows as its training part ({@code labels} only on the label holder); refuses a count it did not get. */
    private static void load(ExternalTrainer t, String trainer, String jobId, Dataset encoded, String labelName, double[] labels, Head head) {
        long n = t.load(new ExternalTrainer.Part(jobId, io.meshfl.core.protocol.external.ExternalTraining.TRAIN, encoded.features(), encoded.x(),
                encoded.rows(), labelName, labels, head.task(), head.task() == ModelSpec.Task.MULTICLASS ? head.outputs() : 0));
        if (n != encoded.rows()) {
            throw new MeshflException(ErrorCode.POLICY_VIOLATION, "the trainer " + trainer + " says it loaded " + n + " rows; it was given "
                    + encoded.rows() + "; refused");
        }
    }

    int cutWidth() {
        return cut;
    }

    /** The parties whose cut layers the top takes side by side. */
    int parties() {
        return topWidth / cut;
    }

    /**
     * A party's stored networks put back into its trainer for scoring job {@code jobId}: the scoring
     * rows ({@code encoded}, no label) handed over, each role set up and checked against the stored
     * declaration, then the stored parameters set (no optimizer state: nothing steps while scoring).
     */
    static ExternalParty forScoring(io.meshfl.core.protocol.NodeContext ctx, ExternalSplitPart part, String jobId, Dataset encoded,
                                    Duration timeout) {
        ExternalTrainer t = ctx.trainer(part.trainer(), jobId, timeout);
        Head head = part.head();
        load(t, part.trainer(), jobId, encoded, null, null, head);
        // the optimizer a role is set up with never steps here; the stored parameters replace the initial ones
        TrainerChecks.declaration(part.trainer() + " (bottom of " + part.domain() + ")", part.bottomTensors(), t.splitSetup(
                new ExternalTrainer.SplitSetup(jobId, ExternalTrainer.Role.BOTTOM, encoded.cols(), part.cutWidth(), head.task(), head.outputs(),
                        "sgd", 1e-3, 0)));
        if (part.topTensors() != null) {
            TrainerChecks.declaration(part.trainer() + " (top)", part.topTensors(), t.splitSetup(new ExternalTrainer.SplitSetup(jobId,
                    ExternalTrainer.Role.TOP, part.cutWidth() * part.parties(), head.outputs(), head.task(), head.outputs(), "sgd", 1e-3, 0)));
        }
        ExternalParty p = new ExternalParty(t, part.trainer(), jobId, part.domain(), encoded.rows(), part.cutWidth(), part.activationNoise(),
                part.bottomTensors(), part.topTensors(), part.cutWidth() * part.parties(), head.outputs());
        Map<String, double[]> state = new LinkedHashMap<>();
        state.put("bottom", part.bottom());
        if (part.topTensors() != null) state.put("top", part.top());
        p.restore(state);
        return p;
    }

    String trainerName() {
        return name;
    }

    double noiseSd() {
        return protection.noiseSd;
    }

    /** The bottom's training-mode outputs of {@code batch}, checked, then bounded and noised as the job asks. */
    double[] forward(int[] batch) {
        double[] a = trainer.forward(jobId, batch, true);
        TrainerChecks.block(name, "its bottom's cut layer for a batch", a, batch.length, cut);
        pending = batch.length;
        return protection.training(a, batch.length);
    }

    /** Prediction-mode outputs of aligned rows {@code [from, to)}, checked and protected. */
    double[] predict(int from, int to) {
        if (from < 0 || to > rows || from >= to) {
            throw new MeshflException(ErrorCode.PROTOCOL_FAILURE, "row range [" + from + ", " + to + ") is outside the " + rows
                    + " aligned rows of " + domain);
        }
        int[] idx = new int[to - from];
        for (int i = 0; i < idx.length; i++) idx[i] = from + i;
        double[] a = trainer.forward(jobId, idx, false);
        TrainerChecks.block(name, "its bottom's cut layer for rows " + from + ".." + to, a, idx.length, cut);
        return protection.prediction(a, idx.length);
    }

    /** Hands the gradient of the last training batch (through the noise bound) to the bottom, which steps. */
    void backward(double[] cutGrad) {
        if (pending < 0) throw new MeshflException(ErrorCode.OUT_OF_ORDER, "cut gradient for " + domain + " with no batch forwarded");
        Bottom.checkBlock("cut gradient", domain, cutGrad, pending, cut);
        trainer.backward(jobId, protection.backward(cutGrad), pending, cut);
        pending = -1;
    }

    double takeMeanSquare() {
        return protection.takeMeanSquare();
    }

    /** One training step of the top over the parties' side-by-side cut layers {@code x} for {@code batch}: its loss and input gradient. */
    ExternalTrainer.TopStep top(int[] batch, double[] x) {
        requireTop();
        Bottom.checkBlock("the parties' cut layers", "the coordinator", x, batch.length, topWidth);
        ExternalTrainer.TopStep s = trainer.topStep(jobId, batch, x, topWidth);
        if (!Double.isFinite(s.loss())) throw TrainerChecks.refuse(name, "returned a non-finite loss from its top");
        TrainerChecks.block(name, "its top's input gradient", s.inputGradient(), batch.length, topWidth);
        return s;
    }

    /** The top's outputs (logits) for {@code x} of {@code n} rows, checked. */
    double[] topPredict(double[] x, int n) {
        requireTop();
        Bottom.checkBlock("the parties' cut layers", "the coordinator", x, n, topWidth);
        double[] z = trainer.topPredict(jobId, x, n, topWidth);
        TrainerChecks.block(name, "its top's outputs", z, n, outputs);
        return z;
    }

    boolean holdsTop() {
        return topTensors != null;
    }

    /**
     * The networks' parameters (checked against the declaration) and optimizer states, as tensors of
     * a checkpoint or a kept epoch: {@code bottom}, {@code bottom.opt}, and {@code top}, {@code top.opt}.
     */
    Map<String, double[]> state() {
        Map<String, double[]> out = new LinkedHashMap<>();
        put(out, "bottom", ExternalTrainer.Role.BOTTOM, bottomTensors);
        if (topTensors != null) put(out, "top", ExternalTrainer.Role.TOP, topTensors);
        return out;
    }

    private void put(Map<String, double[]> out, String key, ExternalTrainer.Role role, List<TensorSpec> declared) {
        ExternalTrainer.State s = trainer.state(jobId, role);
        out.put(key, TrainerChecks.flatten(name, "GetState (" + role.wire() + ")", declared, s.parameters()));
        out.put(key + ".opt", OpaqueBytes.values(s.optimizer()));
    }

    /** Puts back what {@link #state()} returned: a resumed run, or the kept epoch before it is saved. */
    void restore(Map<String, double[]> state) {
        restore(state, "bottom", ExternalTrainer.Role.BOTTOM, bottomTensors);
        if (topTensors != null) restore(state, "top", ExternalTrainer.Role.TOP, topTensors);
    }

    private void restore(Map<String, double[]> state, String key, ExternalTrainer.Role role, List<TensorSpec> declared) {
        double[] params = state.get(key);
        if (params == null || params.length != TensorSpec.total(declared)) {
            throw new MeshflException(ErrorCode.OUT_OF_ORDER, "the kept state of " + domain + "'s " + role.wire() + " holds "
                    + (params == null ? "no" : params.length) + " parameters; its declaration " + TensorSpec.total(declared));
        }
        byte[] opt = state.containsKey(key + ".opt") ? OpaqueBytes.bytes(state.get(key + ".opt")) : new byte[0];
        trainer.restore(jobId, role, new ExternalTrainer.State(TrainerChecks.split(declared, params), opt));
    }

    private void requireTop() {
        if (topTensors == null) {
            throw new MeshflException(ErrorCode.PROTOCOL_FAILURE, "a top-network step was asked of " + domain + ", which holds no label "
                    + "and so runs no top network");
        }
    }
}

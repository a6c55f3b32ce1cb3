package io.meshfl.core.protocol.external;

import io.meshfl.core.data.Dataset;
import io.meshfl.core.model.ExternalModel;
import io.meshfl.core.model.LocalConfig;
import io.meshfl.core.model.LocalResult;
import io.meshfl.core.model.ModelSpec;
import io.meshfl.core.protocol.NodeContext;

import java.time.Duration;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * A node's training of an external model for one job, where its own models use
 * {@link io.meshfl.core.model.LocalTrainer} and {@link io.meshfl.core.model.Model#predict}: the
 * trainer must declare the job's parameters; each part of the rows is handed over once (again if the
 * node's rows for it changed, as after scaling); every answer is checked by {@link TrainerChecks}.
 * The label goes only with the training part: evaluation labels stay in the node, which computes
 * the metrics from the trainer's scores itself.
 */
public final class ExternalTraining {

    /** The part the trainer trains on. */
    public static final String TRAIN = "train";

    private final ExternalModel model;
    private final ExternalTrainer trainer;
    private final String jobId;
    private final String labelName;
    /** The rows each part was loaded from, by identity, and how many the trainer took. */
    private final Map<String, Dataset> loaded = new LinkedHashMap<>();
    private final Map<Dataset, Long> rows = new IdentityHashMap<>();

    private ExternalTraining(ExternalModel model, ExternalTrainer trainer, String jobId, String labelName) {
        this.labelName = labelName;
        this.model = model;
        this.trainer = trainer;
        this.jobId = jobId;
    }

    /**
     * The node's trainer for {@code model} in job {@code jobId}, started if need be, after checking
     * that it declares the job's parameters; {@code labelName} names the label column it is given.
     */
    public static ExternalTraining open(NodeContext ctx, ExternalModel model, String jobId, String labelName, Duration timeout) {
        ExternalTrainer t = ctx.trainer(model.trainer(), jobId, timeout);
        ExternalTrainer.Description d = t.describe();
        TrainerChecks.declaration(model.trainer(), model.parameters(), d.parameters());
        return new ExternalTraining(model, t, jobId, labelName);
    }

    /** One round's local training from {@code global} on the node's training rows, checked; the loss only when the trainer gave a finite one. */
    public LocalResult fit(double[] global, Dataset train, LocalConfig cfg, int round) {
        long n = load(TRAIN, train, true);
        ExternalTrainer.Fitted f = trainer.fit(new ExternalTrainer.Fit(jobId, round, TrainerChecks.split(model.parameters(), global),
                cfg.epochs(), cfg.batchSize(), cfg.optimizer().lr(), cfg.optimizer().name(), cfg.optimizer().momentum(), cfg.seed(),
                cfg.l2(), cfg.proximalMu()));
        double[] params = TrainerChecks.flatten(model.trainer(), "Fit", model.parameters(), f.parameters());
        TrainerChecks.examples(model.trainer(), f.examples(), n);
        Double loss = f.metrics() == null ? null : f.metrics().get("loss");
        return new LocalResult(params, loss != null && Double.isFinite(loss) ? loss : Double.NaN, f.examples(), 0);
    }

    /** Scores of every row of {@code data}, the part {@code part} (its label not handed over unless it is the training part), checked. */
    public double[] predict(String part, Dataset data, double[] params) {
        load(part, data, part.equals(TRAIN));
        ExternalTrainer.Scores s = trainer.predict(jobId, part, TrainerChecks.split(model.parameters(), params));
        return TrainerChecks.scores(model.trainer(), part, s, data.rows(), model.outputs(), model.spec().task());
    }

    private long load(String part, Dataset data, boolean withLabel) {
        if (loaded.get(part) == data) return rows.get(data);
        ModelSpec spec = model.spec();
        long n = trainer.load(new ExternalTrainer.Part(jobId, part, data.features(), data.x(), data.rows(), labelName, withLabel ? data.y() : null,
                spec.task(), spec.task() == ModelSpec.Task.MULTICLASS ? spec.classes() : 0));
        if (n != data.rows()) {
            throw new io.meshfl.core.MeshflException(io.meshfl.core.ErrorCode.POLICY_VIOLATION, "the trainer " + model.trainer()
                    + " says it loaded " + n + " rows of part " + part + "; it was given " + data.rows() + "; refused");
        }
        Dataset before = loaded.put(part, data);
        if (before != null) rows.remove(before);
        rows.put(data, n);
        return n;
    }
}

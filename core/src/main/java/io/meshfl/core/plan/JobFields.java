package io.meshfl.core.plan;

import io.meshfl.core.schema.SchemaField;
import io.meshfl.core.schema.Schemas;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/**
 * Every field of a job file: its path, kind, default and meaning. {@link JobLoader} takes the
 * names it accepts in each section from here, the JSON Schema of job files and the job section of
 * docs/reference.md are generated from it ({@link JobSchema}), and a test checks each documented
 * default against what the loader does when the field is left out.
 */
public final class JobFields {

    private static final List<SchemaField> ALL = new ArrayList<>();

    /** Fields the file must give (when their section is there). */
    private static final Set<String> REQUIRED = Set.of("name", "products", "label", "model", "model.type", "selection.metric",
            "evaluation.outOfTime.column", "evaluation.outOfTime.after", "retrain.metric");

    private static void f(String path, String kind, String fallback, String about, String... choices) {
        ALL.add(new SchemaField(path, kind, fallback, about.replace(" Required.", ""), List.of(choices), REQUIRED.contains(path)));
    }

    static {
        f("name", "string", null, "The job's name, shown in runs, reports and the catalog. Required.");
        f("description", "string", null, "Free text kept with the job.");
        f("products", "list", null, "Data products to train on, by id; `id@version` pins a contract version. Required.");
        f("groups", "groups", null, "Vertical linear models, split networks and boosted trees: parties made of several products with the same feature columns, each on its own "
                + "node (regions of one domain, banks holding the same columns for other customers), as `name: [product, product]`; each "
                + "product is also listed in `products`, and no entity is in two of them.");
        f("label", "string", null, "The label column; it must be the declared `meshfl.label` of the product that holds it. Required.");
        f("features", "list", "every allowed column", "Feature columns, or `\"*\"`: every column the contracts allow as a feature.");
        f("strategy", "string", "auto", "How to train; `auto` lets the planner choose from the layout, the policies and the cost model.",
                "auto", "horizontal", "vertical", "split", "secureboost", "materialized", "factorized", "federated-factorized");
        f("rounds", "integer", "10", "Horizontal: rounds of federated training.");
        f("roundTimeoutSeconds", "number", "120.0", "Seconds the coordinator waits for a node's answer to one step.");
        f("seed", "integer", "42", "Seed of every random choice (batches, sampling, initial weights, holdouts): the same seed, job and data train the same model.");
        f("scaling", "string", "standard", "Horizontal: standardize features with federated statistics (`standard`) or use them as they are (`none`).",
                "standard", "none");
        f("integration", "string", null, "A registered mesh integration (join) to train over; required by materialized, factorized and federated-factorized.");
        f("model", "mapping", null, "What to train. Required.");
        f("model.type", "string", null, "The model family (`external`: a model the nodes train through a trainer beside them, see "
                + "docs/trainers.md). Required.", "logistic", "softmax", "linear", "poisson", "mlp", "splitnn", "gbdt", "external");
        f("model.hidden", "widths", "[]", "Hidden layer widths of an `mlp`.");
        f("model.classes", "integer", "2", "Number of classes of a `softmax` or `mlp` model, or of gbdt / splitnn with objective multiclass.");
        f("model.l2", "number", "0.0", "L2 penalty (read by no trainer: use the protocol's own l2).");
        f("model.objective", "string", "the type's own", "The kind of target of a gbdt, splitnn or external model (external: binary by default).",
                "binary", "multiclass", "regression", "count");
        f("model.trainer", "string", null, "An `external` model: the trainer's name, as each node configures it with `--trainer NAME=COMMAND`.");
        f("model.parameters", "objects", null, "An `external` model: its parameter tensors in the order of the flat parameter vector "
                + "(each row-major); the trainer must declare exactly these. An external split network (vertical layout) declares each "
                + "party's bottom as `DOMAIN/NAME` and the top, which runs on the label holder, as `top/NAME`.");
        f("model.parameters.name", "string", null, "The tensor's name, as the trainer declares it (e.g. `fc1.weight`).");
        f("model.parameters.shape", "widths", null, "The tensor's dimensions, e.g. `[16, 23]` (`[]`: a scalar).");
        f("aggregator", "mapping", null, "Horizontal: how the coordinator combines the nodes' updates.");
        f("aggregator.name", "string", "fedavg", "The aggregation rule.", "fedavg", "fedprox", "fedadam", "fedyogi", "fedmedian", "trimmedmean",
                "krum", "multikrum");
        f("aggregator.fraction", "number", "1.0", "Share of the nodes asked to train each round.");
        f("aggregator.minNodes", "integer", "1", "Fewest nodes a round needs to count.");
        f("aggregator.proximalMu", "number", "0.01", "FedProx: weight of the proximal term.");
        f("aggregator.serverLr", "number", "0.1", "FedAdam / FedYogi: the server's learning rate.");
        f("aggregator.beta1", "number", "0.9", "FedAdam / FedYogi: first-moment decay.");
        f("aggregator.beta2", "number", "0.99", "FedAdam / FedYogi: second-moment decay.");
        f("aggregator.tau", "number", "0.001", "FedAdam / FedYogi: adaptivity (epsilon).");
        f("aggregator.trimBeta", "number", "0.1", "Trimmed mean: share trimmed at each end, per coordinate.");
        f("aggregator.byzantine", "integer", "-1", "Krum / Multi-Krum: the number of Byzantine nodes tolerated (-1: the most the node count allows).");
        f("aggregator.selected", "integer", "0", "Multi-Krum: updates averaged (0: n - f).");
        f("aggregator.normBound", "number", "0.0", "Clip every update's L2 norm to this bound before aggregating (0: no bound).");
        f("local", "mapping", null, "Horizontal: the training each node runs per round.");
        f("local.epochs", "integer", "1", "Local epochs per round.");
        f("local.batchSize", "integer", "32", "Local mini-batch size.");
        f("local.optimizer", "string", "sgd", "Local optimizer.", "sgd", "adam");
        f("local.lr", "number", "0.1", "Local learning rate.");
        f("local.momentum", "number", "0.0", "SGD momentum.");
        f("local.l2", "number", "0.0", "L2 penalty on weights (not biases).");
        f("evaluation", "mapping", null, "Which rows score the model.");
        f("evaluation.holdout", "number", "0.2", "Share of rows held out from training and scored, every node or party deriving the same seeded split; "
                + "horizontal nodes use it when no evaluation products are named, vertical jobs only when the file sets it.");
        f("evaluation.products", "list", "[]", "Products that only score the model: horizontal, on their nodes; vertical jobs (linear, split network, "
                + "boosted trees), aligned by a second private set intersection (the label holder's must be among them); `id@version` pins a "
                + "contract version, as in products.");
        f("evaluation.outOfTime", "mapping", null, "Vertical jobs (linear, split network, boosted trees): the label holder's rows later than a cut score the "
                + "model, the earlier ones train.");
        f("evaluation.outOfTime.column", "string", null, "A date, timestamp or number column of the label holder's product. Required.");
        f("evaluation.outOfTime.after", "string", null, "The cut: a number, an ISO date (2024-06-30) or timestamp. Required.");
        f("selection", "mapping", null, "Best round and early stopping: the stored model is the best round's on held-out rows.");
        f("selection.metric", "string", null, "A metric the model's evaluation reports (auc, log_loss, accuracy, rmse, r2, loss, ...). Required.");
        f("selection.patience", "integer", "0", "Stop after this many rounds without improvement (0: never stop early).");
        f("privacy", "mapping", null, "Horizontal: differential privacy of the aggregate (averaging aggregators only).");
        f("privacy.mode", "string", "central", "Noise added by the coordinator to the sum (`central`) or by every node to its update (`local`).",
                "central", "local");
        f("privacy.clipping", "string", "fixed", "Clip updates at a fixed norm or at an adaptive quantile.", "fixed", "adaptive");
        f("privacy.clipAt", "string", "server", "Where updates are clipped.", "server", "node");
        f("privacy.clip", "number", "1.0", "The clipping norm (the initial one when adaptive).");
        f("privacy.noiseMultiplier", "number", null, "Noise standard deviation over the clipping norm; give this or targetEpsilon.");
        f("privacy.targetEpsilon", "number", null, "The epsilon the run may spend; the noise is chosen to meet it. Give this or noiseMultiplier.");
        f("privacy.targetQuantile", "number", "0.5", "Adaptive clipping: the share of updates left unclipped.");
        f("privacy.clipLr", "number", "0.2", "Adaptive clipping: learning rate of the clipping norm.");
        f("privacy.delta", "number", "1.0E-5", "The delta of (epsilon, delta)-DP.");
        f("secureAggregation", "mapping", null, "Horizontal: SecAgg+ masking, so the coordinator sees only the sum of the updates.");
        f("secureAggregation.enabled", "boolean", "true", "Set false to keep the block but switch masking off.");
        f("secureAggregation.degree", "integer", "0", "Neighbours each node masks with (0: chosen from the node count).");
        f("secureAggregation.threshold", "integer", "0", "Shares needed to recover a dropped node's mask (0: chosen from the degree).");
        f("secureAggregation.modulusBits", "integer", "32", "Bits of the masked fixed-point arithmetic.");
        f("secureAggregation.clip", "number", "1.0", "Bound on every coordinate of an update before it is encoded.");
        f("secureAggregation.maxExamples", "integer", "0", "Largest example count a node may report (0: from the products' row counts).");
        f("vertical", "mapping", null, "Vertical linear models under Paillier (logistic, softmax, linear, poisson).");
        f("vertical.epochs", "integer", "10", "Epochs over the aligned rows.");
        f("vertical.batchSize", "integer", "1024", "Rows per mini-batch.");
        f("vertical.lr", "number", "0.15", "Learning rate.");
        f("vertical.decay", "number", "0.0", "Learning-rate decay: lr / (1 + decay x epoch).");
        f("vertical.l1", "number", "0.0", "L1 penalty (soft thresholding).");
        f("vertical.l2", "number", "0.0", "L2 penalty.");
        f("vertical.tol", "number", "1.0E-6", "Stop when an epoch's squared weight change falls below this.");
        f("vertical.keyBits", "integer", "2048", "Paillier key size in bits (1024-3072).");
        f("vertical.fracBits", "integer", "24", "Fractional bits of the fixed-point encoding (8-40).");
        f("vertical.psiBatch", "integer", "65536", "Keys per batch of the private set intersection.");
        f("vertical.cardinalityOnly", "boolean", "false", "Only count the common entities (no training).");
        f("vertical.optimizer", "string", "sgd", "Every party's optimizer over its own weights.", "sgd", "adam");
        f("vertical.momentum", "number", "0.0", "SGD momentum.");
        f("split", "mapping", null, "Split neural networks: a bottom network per domain, the top at the coordinator (an external "
                + "model's top runs on the label holder).");
        f("split.bottomHidden", "widths", "[32]", "Hidden layer widths of every domain's bottom network.");
        f("split.cutWidth", "integer", "8", "Width of the cut layer each bottom sends.");
        f("split.topHidden", "widths", "[16]", "Hidden layer widths of the top network.");
        f("split.activation", "string", "relu", "Activation of the hidden layers.", "relu", "tanh");
        f("split.epochs", "integer", "10", "Epochs.");
        f("split.batchSize", "integer", "128", "Rows per batch.");
        f("split.lr", "number", "0.01", "Learning rate of every network.");
        f("split.optimizer", "string", "adam", "Optimizer of every network.", "sgd", "adam");
        f("split.labels", "string", "coordinator", "Who computes the loss: `coordinator` (the labels are shared with it) or the label holder's domain "
                + "(the labels stay there).");
        f("split.categorical", "list", "[]", "Categorical columns, as column or domain:column, embedded by their domain.");
        f("split.embeddingDim", "integer", "4", "Width of a categorical column's embedding.");
        f("split.activationNoise", "number", "0.0", "Gaussian noise (sd) on every cut-layer row, after bounding it to L2 norm 1.");
        f("split.gradientClip", "number", "0.0", "Clip the gradients sent back to the bottoms to this L2 norm per row (0: none).");
        f("split.labelEpsilon", "number", "0.0", "Label DP by randomized response at the label holder, binary labels only (0: none).");
        f("split.psiBatch", "integer", "65536", "Keys per batch of the private set intersection.");
        f("boost", "mapping", null, "SecureBoost: gradient-boosted trees over vertically split columns.");
        f("boost.trees", "integer", "50", "Boosting rounds (one tree per round, one per class and round for multiclass).");
        f("boost.depth", "integer", "3", "Tree depth.");
        f("boost.lr", "number", "0.3", "Learning rate (shrinkage).");
        f("boost.bins", "integer", "32", "Quantile bins per feature.");
        f("boost.minChildWeight", "number", "0.001", "Smallest hessian sum of a child.");
        f("boost.l2", "number", "1.0", "L2 regularization of leaf weights.");
        f("boost.minGain", "number", "0.0", "Smallest gain of a split.");
        f("boost.keyBits", "integer", "2048", "Paillier key size in bits.");
        f("boost.psiBatch", "integer", "65536", "Keys per batch of the private set intersection.");
        f("joined", "mapping", null, "Training over an integration's join (materialized, factorized, federated-factorized): full-batch gradient descent.");
        f("joined.iterations", "integer", "200", "Full-batch iterations.");
        f("joined.lr", "number", "0.5", "Learning rate.");
        f("joined.l2", "number", "0.0", "L2 penalty.");
        f("joined.momentum", "number", "0.9", "Nesterov momentum.");
        f("warmStart", "string", null, "Horizontal models, vertical logistic, linear and Poisson models and split networks: the id of a model in "
                + "the catalog to start from instead of fresh weights (continual training, e.g. window after window of a stream). It must "
                + "have been trained by the same strategy and model on the same features (vertical and split: on the same products, any "
                + "versions, with the same columns per party, every party starting from the part it kept); the run keeps the model's "
                + "scaling (and a split network's categories) and starts a fresh optimizer.");
        f("retrain", "mapping", null, "Train the model again as a challenger of the version in production, on a new version of an input "
                + "product and/or a schedule; it replaces the champion only if it beats it on a held-out metric by the margin (docs/registry.md).");
        f("retrain.on", "string", null, "`product-version`: retrain when a node registers a new version of any product the champion learned "
                + "from (the job's products must not be pinned).", "product-version");
        f("retrain.cron", "string", null, "Retrain on this five-field cron schedule, in UTC (`0 3 * * 1`: Mondays at 03:00).");
        f("retrain.metric", "string", null, "The held-out metric champion and challenger are compared on (auc, log_loss, rmse, ...). Required.");
        f("retrain.margin", "number", "0.0", "How much better the challenger must be on the metric, in the metric's own direction.");
    }

    private JobFields() {
    }

    /** Every field, in the order of the reference. */
    public static List<SchemaField> all() {
        return List.copyOf(ALL);
    }

    /** The names {@link JobLoader} accepts in {@code section} ("" for the top of the file). */
    static Set<String> names(String section) {
        return Schemas.names(ALL, section);
    }
}

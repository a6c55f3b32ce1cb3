package io.meshfl.core.plan;

import io.meshfl.core.model.ModelSpec;
import io.meshfl.core.protocol.horizontal.LocalSettings;
import io.meshfl.core.protocol.horizontal.privacy.PrivacySettings;

import java.util.List;

/**
 * A training job as a data scientist writes it: which products, which label and features, what
 * model, how to train. Read from YAML by {@link JobLoader}, validated field by field.
 *
 * @param features the feature columns, or empty for "every column all products allow"
 * @param strategy the execution strategy asked for: {@code auto}, {@code horizontal}, {@code vertical},
 *                 {@code split}, {@code secureboost}, {@code materialized}, {@code factorized} (both over a join in one
 *                 place) or {@code federated-factorized} (over a join whose sources stay in their domains)
 * @param vertical settings of vertical linear training (used when the plan is vertical)
 * @param split    settings of split neural-network training (model type splitnn)
 * @param boost    settings of vertical boosted trees (model type gbdt)
 * @param integration the registered mesh integration whose join is the training table, or null
 * @param joined   settings of training over that join (materialized or factorized)
 * @param privacy  client-level differential privacy of horizontal training, or null when off
 * @param secureAggregation SecAgg+ settings of a horizontal job, or null when updates are aggregated in the clear
 * @param given    the fields the job file set, as dotted paths in file order ({@code local.epochs}); the planner refuses
 *                 any the chosen plan would not read
 * @param pins     product id to the contract version the job pins ({@code products: [id@1.0.0]}); unpinned products plan
 *                 against the version their node serves
 * @param groups   vertical parties made of several products with the same columns, each held by its own node (regions of
 *                 one domain, banks holding the same columns for other customers): a name to its products, in file order
 * @param retrain  when the job's model is trained again as a challenger of the version in production, or null: never
 * @param warmStart the id of a model in the catalog the run starts from instead of fresh weights (vertical linear models and
 *                 split networks), or null: a fresh start
 */
public record JobSpec(String name, List<String> products, String label, List<String> features,
                      ModelSpec model, String strategy, AggregatorSpec aggregator, LocalSettings local,
                      int rounds, EvaluationSpec evaluation, double roundTimeoutSeconds, long seed,
                      boolean standardize, String sourceFile, VerticalSettings vertical, SplitSettings split,
                      BoostSettings boost, String integration, JoinedSettings joined, PrivacySettings privacy,
                      SecureAggregationSpec secureAggregation, java.util.Set<String> given,
                      java.util.Map<String, String> pins, java.util.Map<String, List<String>> groups, RetrainPolicy retrain,
                      String warmStart) {

    public JobSpec {
        products = List.copyOf(products);
        features = List.copyOf(features);
        given = java.util.Collections.unmodifiableSet(new java.util.LinkedHashSet<>(given));
        pins = java.util.Map.copyOf(pins);
        java.util.Map<String, List<String>> g = new java.util.LinkedHashMap<>();
        groups.forEach((k, v) -> g.put(k, List.copyOf(v)));
        groups = java.util.Collections.unmodifiableMap(g);
    }

    /** A job whose every party is one product. */
    public JobSpec(String name, List<String> products, String label, List<String> features,
                   ModelSpec model, String strategy, AggregatorSpec aggregator, LocalSettings local,
                   int rounds, EvaluationSpec evaluation, double roundTimeoutSeconds, long seed,
                   boolean standardize, String sourceFile, VerticalSettings vertical, SplitSettings split,
                   BoostSettings boost, String integration, JoinedSettings joined, PrivacySettings privacy,
                   SecureAggregationSpec secureAggregation, java.util.Set<String> given,
                   java.util.Map<String, String> pins) {
        this(name, products, label, features, model, strategy, aggregator, local, rounds, evaluation, roundTimeoutSeconds, seed,
                standardize, sourceFile, vertical, split, boost, integration, joined, privacy, secureAggregation, given, pins, java.util.Map.of(), null, null);
    }

    /** The group a product belongs to, or null when it is a party of its own. */
    public String groupOf(String productId) {
        for (var e : groups.entrySet()) if (e.getValue().contains(productId)) return e.getKey();
        return null;
    }

    /** This job trained over the join of mesh integration {@code id}. */
    public JobSpec withIntegration(String id) {
        return new JobSpec(name, products, label, features, model, strategy, aggregator, local, rounds, evaluation,
                roundTimeoutSeconds, seed, standardize, sourceFile, vertical, split, boost, id, joined, privacy, secureAggregation, given, pins, groups, retrain, warmStart);
    }

    /** This job with other split-network settings. */
    public JobSpec withSplit(SplitSettings s) {
        return new JobSpec(name, products, label, features, model, strategy, aggregator, local, rounds, evaluation,
                roundTimeoutSeconds, seed, standardize, sourceFile, vertical, s, boost, integration, joined, privacy, secureAggregation, given, pins, groups, retrain, warmStart);
    }

    /**
     * The server-side aggregation rule and its settings.
     *
     * @param byzantine Krum's assumed number of Byzantine updates f, or -1 for the most a round's
     *                  update count k allows (the largest f with k &gt; 2f + 2)
     * @param selected  how many updates Multi-Krum averages, or 0 for k - f
     * @param normBound the largest L2 norm of an update's change to the global model before any
     *                  rule aggregates it (longer changes are scaled down to it), or 0 for no bound
     */
    public record AggregatorSpec(String name, double fraction, int minNodes, double proximalMu,
                                 double serverLr, double beta1, double beta2, double tau, double trimBeta,
                                 int byzantine, int selected, double normBound) {
        public static AggregatorSpec fedavg(int minNodes) {
            return new AggregatorSpec("fedavg", 1.0, minNodes, 0.0, 0.1, 0.9, 0.99, 1e-3, 0.1, -1, 0, 0.0);
        }
    }

    /**
     * Vertical training settings: passes over the aligned rows, mini-batch size, learning rate
     * with decay {@code lr / (1 + decay * epoch)}, L1/L2 penalties, early stopping when the
     * squared change of all weights over an epoch falls below {@code tol}, the party-side optimizer
     * (sgd with optional momentum, or adam; both elementwise, so each party steps only its own
     * coordinates exactly as a centralized optimizer would), the Paillier key size
     * of the arbiter, fixed-point fraction bits, and the PSI batch size.
     */
    public record VerticalSettings(int epochs, int batchSize, double lr, double decay, double l1, double l2, double tol,
                                   int keyBits, int fracBits, int psiBatch, boolean cardinalityOnly, String optimizer,
                                   double momentum) {
        public VerticalSettings {
            if (epochs < 1) throw new IllegalArgumentException("vertical.epochs must be >= 1, got " + epochs);
            if (batchSize < 1) throw new IllegalArgumentException("vertical.batchSize must be >= 1, got " + batchSize);
            if (!(lr > 0)) throw new IllegalArgumentException("vertical.lr must be > 0, got " + lr);
            if (decay < 0) throw new IllegalArgumentException("vertical.decay must be >= 0, got " + decay);
            if (l1 < 0 || l2 < 0) throw new IllegalArgumentException("vertical.l1 and vertical.l2 must be >= 0");
            if (keyBits < 1024 || keyBits > 3072) {
                throw new IllegalArgumentException("vertical.keyBits must be in 1024..3072, got " + keyBits);
            }
            if (fracBits < 8 || fracBits > 40) throw new IllegalArgumentException("vertical.fracBits must be in 8..40, got " + fracBits);
            if (psiBatch < 1) throw new IllegalArgumentException("vertical.psiBatch must be >= 1, got " + psiBatch);
            if (!optimizer.equals("sgd") && !optimizer.equals("adam")) {
                throw new IllegalArgumentException("vertical.optimizer must be sgd or adam, got '" + optimizer + "'");
            }
            if (momentum < 0 || momentum >= 1) throw new IllegalArgumentException("vertical.momentum must be in [0, 1), got " + momentum);
        }

        public static VerticalSettings defaults() {
            return new VerticalSettings(10, 1024, 0.15, 0.0, 0.0, 0.0, 1e-6, 2048, 24, 1 << 16, false, "sgd", 0.0);
        }
    }

    /**
     * Split neural-network settings. Every domain runs a bottom MLP ({@code bottomHidden} widths,
     * then a cut layer of {@code cutWidth}) on its own columns, categorical columns through
     * embeddings of {@code embeddingDim}; the coordinator runs the top MLP ({@code topHidden}, one
     * logit); a {@code categorical} entry is a column name or {@code domain:column}. {@code labels} is {@code coordinator} (the label holder shares its labels with the
     * coordinator, which computes the loss) or the label holder's domain name (the coordinator sends
     * logits there and gets the loss gradient back; it never sees a label). {@code activationNoise}
     * is the standard deviation of Gaussian noise each domain adds to its cut-layer output,
     * {@code gradientClip} the L2 bound per row of the cut-layer gradient sent back (0 = off), and
     * {@code labelEpsilon} (label-owner mode; 0 = off) has the label holder train on labels passed
     * once through randomized response, so the loss gradients it returns are epsilon-label-DP:
     * their signs would otherwise give the coordinator every training label.
     */
    public record SplitSettings(List<Integer> bottomHidden, int cutWidth, List<Integer> topHidden, String activation,
                                int epochs, int batchSize, double lr, String optimizer, String labels,
                                List<String> categorical, int embeddingDim, double activationNoise, double gradientClip,
                                double labelEpsilon, int psiBatch) {
        public SplitSettings {
            bottomHidden = List.copyOf(bottomHidden);
            topHidden = List.copyOf(topHidden);
            categorical = List.copyOf(categorical);
            for (int h : bottomHidden) if (h <= 0) throw new IllegalArgumentException("split.bottomHidden: widths must be > 0, got " + h);
            for (int h : topHidden) if (h <= 0) throw new IllegalArgumentException("split.topHidden: widths must be > 0, got " + h);
            if (cutWidth < 1) throw new IllegalArgumentException("split.cutWidth must be >= 1, got " + cutWidth);
            if (!activation.equals("relu") && !activation.equals("tanh")) {
                throw new IllegalArgumentException("split.activation must be relu or tanh, got '" + activation + "'");
            }
            if (epochs < 1) throw new IllegalArgumentException("split.epochs must be >= 1, got " + epochs);
            if (batchSize < 1) throw new IllegalArgumentException("split.batchSize must be >= 1, got " + batchSize);
            if (!(lr > 0)) throw new IllegalArgumentException("split.lr must be > 0, got " + lr);
            if (!optimizer.equals("sgd") && !optimizer.equals("adam")) {
                throw new IllegalArgumentException("split.optimizer must be sgd or adam, got '" + optimizer + "'");
            }
            if (labels == null || labels.isBlank()) throw new IllegalArgumentException("split.labels must be coordinator or a domain");
            if (embeddingDim < 1) throw new IllegalArgumentException("split.embeddingDim must be >= 1, got " + embeddingDim);
            if (!(activationNoise >= 0)) throw new IllegalArgumentException("split.activationNoise must be >= 0, got " + activationNoise);
            if (!(gradientClip >= 0)) throw new IllegalArgumentException("split.gradientClip must be >= 0, got " + gradientClip);
            if (!(labelEpsilon >= 0)) throw new IllegalArgumentException("split.labelEpsilon must be >= 0, got " + labelEpsilon);
            if (labelEpsilon > 0 && labels.equals("coordinator")) {
                throw new IllegalArgumentException("split.labelEpsilon protects labels kept by their domain; set split.labels to the "
                        + "label holder's domain, not coordinator");
            }
            if (psiBatch < 1) throw new IllegalArgumentException("split.psiBatch must be >= 1, got " + psiBatch);
        }

        /** These settings with another standard deviation of the noise on cut-layer outputs. */
        public SplitSettings withActivationNoise(double sd) {
            return new SplitSettings(bottomHidden, cutWidth, topHidden, activation, epochs, batchSize, lr, optimizer, labels,
                    categorical, embeddingDim, sd, gradientClip, labelEpsilon, psiBatch);
        }

        /** Whether {@code column} of {@code domain} is embedded: listed as {@code column} or as {@code domain:column}. */
        public boolean isCategorical(String domain, String column) {
            return categorical.contains(column) || categorical.contains(domain + ":" + column);
        }

        /** True when the label holder keeps its labels and computes the loss itself. */
        public boolean labelOwnerComputesLoss() {
            return !labels.equals("coordinator");
        }

        public static SplitSettings defaults() {
            return new SplitSettings(List.of(32), 8, List.of(16), "relu", 10, 128, 0.01, "adam", "coordinator", List.of(), 4,
                    0.0, 0.0, 0.0, 1 << 16);
        }
    }

    /**
     * Vertical gradient-boosted trees (SecureBoost): {@code trees} rounds of depth-{@code depth}
     * trees, shrinkage {@code lr}, {@code bins} quantile bins per feature, a child needs a hessian
     * sum of at least {@code minChildWeight}, L2 penalty {@code l2} on leaf weights, a split needs a
     * gain above {@code minGain}. Gradients cross as Paillier-{@code keyBits} ciphertexts of the
     * label holder's key.
     */
    public record BoostSettings(int trees, int depth, double lr, int bins, double minChildWeight, double l2, double minGain,
                                int keyBits, int psiBatch) {
        public BoostSettings {
            if (trees < 1) throw new IllegalArgumentException("boost.trees must be >= 1, got " + trees);
            if (depth < 1 || depth > 12) throw new IllegalArgumentException("boost.depth must be in 1..12, got " + depth);
            if (!(lr > 0) || lr > 1) throw new IllegalArgumentException("boost.lr must be in (0, 1], got " + lr);
            if (bins < 2 || bins > 256) throw new IllegalArgumentException("boost.bins must be in 2..256, got " + bins);
            if (!(minChildWeight >= 0)) throw new IllegalArgumentException("boost.minChildWeight must be >= 0, got " + minChildWeight);
            if (!(l2 >= 0)) throw new IllegalArgumentException("boost.l2 must be >= 0, got " + l2);
            if (!(minGain >= 0)) throw new IllegalArgumentException("boost.minGain must be >= 0, got " + minGain);
            if (keyBits < 1024 || keyBits > 3072) throw new IllegalArgumentException("boost.keyBits must be in 1024..3072, got " + keyBits);
            if (psiBatch < 1) throw new IllegalArgumentException("boost.psiBatch must be >= 1, got " + psiBatch);
        }

        public static BoostSettings defaults() {
            return new BoostSettings(50, 3, 0.3, 32, 1e-3, 1.0, 0.0, 2048, 1 << 16);
        }
    }

    /**
     * Training over the join a mesh integration describes: full-batch gradient descent of
     * {@code iterations} steps of size {@code lr} (optional Nesterov {@code momentum}, L2 penalty
     * {@code l2}) on standardized target columns, identical whether the join is built
     * (materialized) or not (factorized).
     */
    public record JoinedSettings(int iterations, double lr, double l2, double momentum) {
        public JoinedSettings {
            if (iterations < 1) throw new IllegalArgumentException("joined.iterations must be >= 1, got " + iterations);
            if (!(lr > 0)) throw new IllegalArgumentException("joined.lr must be > 0, got " + lr);
            if (!(l2 >= 0)) throw new IllegalArgumentException("joined.l2 must be >= 0, got " + l2);
            if (momentum < 0 || momentum >= 1) throw new IllegalArgumentException("joined.momentum must be in [0, 1), got " + momentum);
        }

        public static JoinedSettings defaults() {
            return new JoinedSettings(200, 0.5, 0.0, 0.9);
        }
    }

    /**
     * Where the model is scored: named test products, or a seeded holdout of each training product
     * (of the aligned rows, in a vertical job); and, when {@code selection} is set, which round's
     * model is kept and when training stops early.
     */
    public record EvaluationSpec(List<String> products, double holdout, io.meshfl.core.protocol.Selection.Spec selection,
                                 OutOfTime outOfTime) {
        public EvaluationSpec {
            products = List.copyOf(products);
        }

        public EvaluationSpec(List<String> products, double holdout, io.meshfl.core.protocol.Selection.Spec selection) {
            this(products, holdout, selection, null);
        }

        public EvaluationSpec(List<String> products, double holdout) {
            this(products, holdout, null, null);
        }
    }

    /**
     * Out-of-time evaluation: the label holder's rows whose {@code column} (a date, timestamp or
     * number it keeps) is later than {@code after} score the model; the others train.
     */
    public record OutOfTime(String column, String after) {
        public OutOfTime {
            if (column == null || column.isBlank()) throw new IllegalArgumentException("evaluation.outOfTime.column is required");
            if (after == null || after.isBlank()) throw new IllegalArgumentException("evaluation.outOfTime.after is required");
        }
    }
}

package io.meshfl.core.plan;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import io.meshfl.core.ErrorCode;
import io.meshfl.core.MeshflException;
import io.meshfl.core.model.ModelSpec;
import io.meshfl.core.protocol.horizontal.LocalSettings;
import io.meshfl.core.protocol.horizontal.privacy.PrivacySettings;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/** Reads and validates job files; every error names the file and the field. */
public final class JobLoader {

    private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());
    // the names each section accepts: one list of every field with its default and meaning (JobFields)
    private static final Set<String> TOP = JobFields.names("");
    private static final Set<String> PRIVACY = JobFields.names("privacy");
    /** Aggregators that average, so clipping bounds one node's pull on the result by C/k; a median has no such bound. */
    private static final Set<String> DP_AGGREGATORS = Set.of("fedavg", "fedprox", "fedadam", "fedyogi");
    private static final Set<String> JOINED = JobFields.names("joined");
    private static final Set<String> SECAGG = JobFields.names("secureAggregation");
    private static final Set<String> SPLIT = JobFields.names("split");
    private static final Set<String> BOOST = JobFields.names("boost");
    private static final Set<String> VERTICAL = JobFields.names("vertical");
    private static final Set<String> MODEL = JobFields.names("model");
    private static final Set<String> PARAMETER = JobFields.names("model.parameters");
    private static final Set<String> AGG = JobFields.names("aggregator");
    private static final Set<String> LOCAL = JobFields.names("local");
    private static final Set<String> EVAL = JobFields.names("evaluation");
    private static final Set<String> OUT_OF_TIME = JobFields.names("evaluation.outOfTime");
    private static final Set<String> SELECTION = JobFields.names("selection");
    private static final Set<String> AGGREGATORS = Set.of("fedavg", "fedprox", "fedadam", "fedyogi", "fedmedian", "trimmedmean",
            "krum", "multikrum");

    private JobLoader() {
    }

    public static JobSpec load(Path file) {
        if (!Files.isRegularFile(file)) {
            throw new MeshflException(ErrorCode.JOB_INVALID, "job file " + file + " does not exist");
        }
        try {
            return parse(Files.readString(file), file.toString());
        } catch (IOException e) {
            throw new MeshflException(ErrorCode.JOB_INVALID, "cannot read job file " + file + ": " + e.getMessage(), e);
        }
    }

    public static JobSpec parse(String yaml, String source) {
        JsonNode root;
        try {
            root = YAML.readTree(yaml);
        } catch (JsonProcessingException e) {
            var loc = e.getLocation();
            String where = loc == null ? "" : " at line " + loc.getLineNr() + ", column " + loc.getColumnNr();
            throw new MeshflException(ErrorCode.JOB_INVALID, source + ": malformed YAML" + where + ": " + e.getOriginalMessage());
        }
        if (root == null || !root.isObject()) {
            throw new MeshflException(ErrorCode.JOB_INVALID, source + ": a job file must be a YAML mapping");
        }
        Fields f = new Fields(source);
        f.known(root, "", TOP);
        String name = f.text(root, "name", true, null);
        java.util.Map<String, String> pins = new java.util.LinkedHashMap<>();
        List<String> products = pinned(f, "products", f.list(root, "products", true), pins);
        if (products.isEmpty()) throw f.error("products", "must name at least one data product");
        java.util.Map<String, List<String>> groups = groups(f, root, products);
        String label = f.text(root, "label", true, null);
        List<String> features = root.has("features") && root.get("features").isTextual()
                && root.get("features").asText().equals("*") ? List.of() : f.list(root, "features", false);

        JsonNode m = f.object(root, "model", true);
        f.known(m, "model.", MODEL);
        String typeText = f.text(m, "model.type", "type", true, null);
        ModelSpec.Type type;
        try {
            type = ModelSpec.Type.valueOf(typeText.toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw f.error("model.type", "unknown model type '" + typeText + "'; use one of logistic, softmax, linear, poisson, mlp, splitnn, gbdt, external");
        }
        List<Integer> hidden = new ArrayList<>();
        if (m.has("hidden")) {
            if (!m.get("hidden").isArray()) throw f.error("model.hidden", "must be a list of layer widths");
            for (JsonNode h : m.get("hidden")) {
                if (!h.canConvertToInt()) throw f.error("model.hidden", "layer widths must be integers, got " + h);
                hidden.add(h.asInt());
            }
        }
        ModelSpec model;
        try {
            model = new ModelSpec(type, hidden, f.integer(m, "model.classes", "classes", type == ModelSpec.Type.SOFTMAX ? 2 : 2),
                    f.number(m, "model.l2", "l2", 0.0), objective(f, m),
                    m.has("trainer") ? f.text(m, "model.trainer", "trainer", true, null) : null, parameters(f, m));
        } catch (IllegalArgumentException e) {
            throw new MeshflException(ErrorCode.JOB_INVALID, source + ": " + e.getMessage());
        }

        String strategy = f.text(root, "strategy", false, "auto").toLowerCase(Locale.ROOT);
        if (!Set.of("auto", "horizontal", "vertical", "split", "secureboost", "materialized", "factorized", "federated-factorized")
                .contains(strategy)) {
            throw f.error("strategy", "unknown strategy '" + strategy + "'; use auto, horizontal, vertical, split, secureboost, "
                    + "materialized, factorized or federated-factorized");
        }
        JsonNode a = root.has("aggregator") ? f.object(root, "aggregator", false) : YAML.createObjectNode();
        f.known(a, "aggregator.", AGG);
        String aggName = f.text(a, "aggregator.name", "name", false, "fedavg").toLowerCase(Locale.ROOT);
        if (!AGGREGATORS.contains(aggName)) {
            throw f.error("aggregator.name", "unknown aggregator '" + aggName + "'; use one of " + new java.util.TreeSet<>(AGGREGATORS));
        }
        var agg = new JobSpec.AggregatorSpec(aggName, f.number(a, "aggregator.fraction", "fraction", 1.0),
                f.integer(a, "aggregator.minNodes", "minNodes", 1), f.number(a, "aggregator.proximalMu", "proximalMu", 0.01),
                f.number(a, "aggregator.serverLr", "serverLr", 0.1), f.number(a, "aggregator.beta1", "beta1", 0.9),
                f.number(a, "aggregator.beta2", "beta2", 0.99), f.number(a, "aggregator.tau", "tau", 1e-3),
                f.number(a, "aggregator.trimBeta", "trimBeta", 0.1), f.integer(a, "aggregator.byzantine", "byzantine", -1),
                f.integer(a, "aggregator.selected", "selected", 0), f.number(a, "aggregator.normBound", "normBound", 0.0));
        PrivacySettings privacy = privacy(f, root, source, aggName);
        robust(f, agg, a, products.size());

        JsonNode l = root.has("local") ? f.object(root, "local", false) : YAML.createObjectNode();
        f.known(l, "local.", LOCAL);
        LocalSettings local;
        try {
            local = new LocalSettings(f.integer(l, "local.epochs", "epochs", 1), f.integer(l, "local.batchSize", "batchSize", 32),
                    f.text(l, "local.optimizer", "optimizer", false, "sgd").toLowerCase(Locale.ROOT),
                    f.number(l, "local.lr", "lr", 0.1), f.number(l, "local.momentum", "momentum", 0.0),
                    f.number(l, "local.l2", "l2", 0.0));
        } catch (IllegalArgumentException e) {
            throw new MeshflException(ErrorCode.JOB_INVALID, source + ": " + e.getMessage());
        }
        int rounds = f.integer(root, "rounds", "rounds", 10);
        if (rounds < 1) throw f.error("rounds", "must be >= 1, got " + rounds);

        JsonNode e = root.has("evaluation") ? f.object(root, "evaluation", false) : YAML.createObjectNode();
        f.known(e, "evaluation.", EVAL);
        double holdout = f.number(e, "evaluation.holdout", "holdout", 0.2);
        if (holdout < 0 || holdout >= 1) throw f.error("evaluation.holdout", "must be in [0, 1), got " + holdout);
        JobSpec.OutOfTime outOfTime = null;
        if (e.has("outOfTime")) {
            JsonNode o = e.get("outOfTime");
            if (!o.isObject()) throw f.error("evaluation.outOfTime", "must be a mapping: {column: <the label holder's time column>, after: <date or number>}");
            f.known(o, "evaluation.outOfTime.", OUT_OF_TIME);
            outOfTime = new JobSpec.OutOfTime(f.text(o, "evaluation.outOfTime.column", "column", true, null),
                    f.text(o, "evaluation.outOfTime.after", "after", true, null));
            if (e.has("products")) throw f.error("evaluation.outOfTime", "give evaluation.products or evaluation.outOfTime, not both");
        }
        List<String> evalProducts = pinned(f, "evaluation.products", f.list(e, "evaluation.products", "products", false), pins);
        var eval = new JobSpec.EvaluationSpec(evalProducts, holdout, selection(f, root, model), outOfTime);

        double timeout = f.number(root, "roundTimeoutSeconds", "roundTimeoutSeconds", 120.0);
        if (!(timeout > 0)) throw f.error("roundTimeoutSeconds", "must be > 0, got " + timeout);
        long seed = root.has("seed") ? f.integer(root, "seed", "seed", 42) : 42;
        String scaling = f.text(root, "scaling", false, "standard");
        if (!scaling.equals("standard") && !scaling.equals("none")) {
            throw f.error("scaling", "must be standard or none, got '" + scaling + "'");
        }
        JsonNode v = root.has("vertical") ? f.object(root, "vertical", false) : YAML.createObjectNode();
        f.known(v, "vertical.", VERTICAL);
        JobSpec.VerticalSettings vd = JobSpec.VerticalSettings.defaults();
        JobSpec.VerticalSettings vertical;
        try {
            vertical = new JobSpec.VerticalSettings(f.integer(v, "vertical.epochs", "epochs", vd.epochs()),
                    f.integer(v, "vertical.batchSize", "batchSize", vd.batchSize()), f.number(v, "vertical.lr", "lr", vd.lr()),
                    f.number(v, "vertical.decay", "decay", vd.decay()), f.number(v, "vertical.l1", "l1", vd.l1()),
                    f.number(v, "vertical.l2", "l2", vd.l2()), f.number(v, "vertical.tol", "tol", vd.tol()),
                    f.integer(v, "vertical.keyBits", "keyBits", vd.keyBits()), f.integer(v, "vertical.fracBits", "fracBits", vd.fracBits()),
                    f.integer(v, "vertical.psiBatch", "psiBatch", vd.psiBatch()),
                    v.has("cardinalityOnly") && v.get("cardinalityOnly").asBoolean(),
                    f.text(v, "vertical.optimizer", "optimizer", false, "sgd").toLowerCase(Locale.ROOT),
                    f.number(v, "vertical.momentum", "momentum", 0.0));
        } catch (IllegalArgumentException bad) {
            throw new MeshflException(ErrorCode.JOB_INVALID, source + ": " + bad.getMessage());
        }
        JobSpec.SplitSettings split = split(f, root, source);
        JobSpec.BoostSettings boost = boost(f, root, source);
        String integration = f.text(root, "integration", false, null);
        if ((strategy.equals("materialized") || strategy.equals("factorized") || strategy.equals("federated-factorized"))
                && integration == null) {
            throw f.error("strategy", "'" + strategy + "' trains over the join a mesh integration describes; name it in 'integration'");
        }
        JsonNode jn = root.has("joined") ? f.object(root, "joined", false) : YAML.createObjectNode();
        f.known(jn, "joined.", JOINED);
        JobSpec.JoinedSettings jd = JobSpec.JoinedSettings.defaults();
        JobSpec.JoinedSettings joined;
        try {
            joined = new JobSpec.JoinedSettings(f.integer(jn, "joined.iterations", "iterations", jd.iterations()),
                    f.number(jn, "joined.lr", "lr", jd.lr()), f.number(jn, "joined.l2", "l2", jd.l2()),
                    f.number(jn, "joined.momentum", "momentum", jd.momentum()));
        } catch (IllegalArgumentException bad) {
            throw new MeshflException(ErrorCode.JOB_INVALID, source + ": " + bad.getMessage());
        }
        return new JobSpec(name, products, label, features, model, strategy, agg, local, rounds, eval, timeout, seed,
                scaling.equals("standard"), source, vertical, split, boost, integration, joined, privacy,
                secureAggregation(f, root, source), given(root), pins, groups, RetrainPolicy.read(root, source, model, eval, pins),
                warmStart(f, root));
    }

    /** {@code warmStart}: the id of a model in the catalog, or null; whether it fits the job is the coordinator's to check. */
    private static String warmStart(Fields f, JsonNode root) {
        String id = f.text(root, "warmStart", false, null);
        if (id != null && (id.isBlank() || !id.equals(id.strip()))) throw f.error("warmStart", "must be a model id as the catalog lists it, got '" + id + "'");
        return id;
    }

    /** Product ids of a list whose entries may be pinned as {@code id@version}; the pins go to {@code pins}. */
    private static List<String> pinned(Fields f, String field, List<String> entries, java.util.Map<String, String> pins) {
        List<String> ids = new ArrayList<>();
        for (String entry : entries) {
            int at = entry.indexOf('@');
            String id = at < 0 ? entry : entry.substring(0, at);
            if (at >= 0) {
                String version = entry.substring(at + 1);
                if (id.isBlank() || version.isBlank() || version.contains("@")) {
                    throw f.error(field, "'" + entry + "' must be a product id, optionally pinned to a version as id@version");
                }
                pins.put(id, version);
            }
            if (ids.contains(id)) throw f.error(field, "product '" + id + "' is listed twice");
            ids.add(id);
        }
        return ids;
    }

    /** {@code groups:} parties of two or more of the job's products each; a product is in one group at most. */
    private static java.util.Map<String, List<String>> groups(Fields f, JsonNode root, List<String> products) {
        JsonNode g = root.get("groups");
        if (g == null || g.isNull()) return java.util.Map.of();
        if (!g.isObject()) throw f.error("groups", "must be a mapping of a party's name to its products, e.g. billing: [a.usage, b.usage]");
        java.util.Map<String, List<String>> out = new java.util.LinkedHashMap<>();
        Set<String> seen = new java.util.HashSet<>();
        for (Iterator<java.util.Map.Entry<String, JsonNode>> it = g.fields(); it.hasNext(); ) {
            var e = it.next();
            String at = "groups." + e.getKey();
            List<String> members = f.list(g, at, e.getKey(), true);
            if (members.size() < 2) throw f.error(at, "a group is a party of at least two products, got " + members.size());
            for (String m : members) {
                if (!products.contains(m)) throw f.error(at, "'" + m + "' is not among the job's products " + products);
                if (!seen.add(m)) throw f.error(at, "product '" + m + "' is in a group twice");
            }
            out.put(e.getKey(), members);
        }
        return out;
    }

    private static final Set<String> SECTIONS = Set.of("model", "aggregator", "local", "evaluation", "vertical", "split", "boost",
            "joined", "privacy", "secureAggregation", "selection", "retrain");

    /** The fields the file set, as dotted paths in file order; a switched-off block sets nothing. */
    private static Set<String> given(JsonNode root) {
        Set<String> out = new java.util.LinkedHashSet<>();
        for (Iterator<java.util.Map.Entry<String, JsonNode>> it = root.fields(); it.hasNext(); ) {
            var e = it.next();
            JsonNode v = e.getValue();
            if (v == null || v.isNull()) continue;
            if (SECTIONS.contains(e.getKey()) && v.isObject()) {
                if (e.getKey().equals("secureAggregation") && v.has("enabled") && !v.get("enabled").asBoolean(true)) continue;
                for (Iterator<String> names = v.fieldNames(); names.hasNext(); ) {
                    String k = names.next();
                    if (!v.get(k).isNull()) out.add(e.getKey() + "." + k);
                }
            } else {
                out.add(e.getKey());
            }
        }
        return out;
    }

    /** {@code model.parameters}: an external model's tensors in order, each {@code {name, shape}}; empty when not given. */
    private static List<io.meshfl.core.model.TensorSpec> parameters(Fields f, JsonNode m) {
        List<io.meshfl.core.model.TensorSpec> out = new ArrayList<>();
        if (!m.has("parameters")) return out;
        JsonNode list = m.get("parameters");
        if (!list.isArray()) throw f.error("model.parameters", "must be a list of {name, shape} in the order of the model's flat parameters");
        int i = 0;
        for (JsonNode t : list) {
            String at = "model.parameters[" + i + "]";
            if (!t.isObject()) throw f.error(at, "must be a mapping {name: ..., shape: [...]}");
            f.known(t, at + ".", PARAMETER);
            String name = f.text(t, at + ".name", "name", true, null);
            if (!t.has("shape") || !t.get("shape").isArray()) throw f.error(at + ".shape", "must be a list of dimensions, e.g. [16, 23]");
            List<Integer> shape = new ArrayList<>();
            for (JsonNode d : t.get("shape")) {
                if (!d.canConvertToInt() || d.asInt() < 1) throw f.error(at + ".shape", "dimensions must be integers >= 1, got " + d);
                shape.add(d.asInt());
            }
            try {
                out.add(new io.meshfl.core.model.TensorSpec(name, shape));
            } catch (IllegalArgumentException e) {
                throw f.error(at, e.getMessage());
            }
            i++;
        }
        return out;
    }

    /** The {@code selection:} block: a metric the model's evaluation reports, and the patience of early stopping. */
    /** {@code model.objective}: the kind of target a boosted model learns (binary, multiclass, regression, count), or null. */
    private static ModelSpec.Task objective(Fields f, JsonNode m) {
        if (!m.has("objective")) return null;
        String v = f.text(m, "model.objective", "objective", true, null);
        for (ModelSpec.Task t : ModelSpec.Task.values()) {
            if (t.name().equalsIgnoreCase(v)) return t;
        }
        throw f.error("model.objective", "unknown objective '" + v + "'; use binary, multiclass, regression or count");
    }

    private static io.meshfl.core.protocol.Selection.Spec selection(Fields f, JsonNode root, ModelSpec model) {
        if (!root.has("selection")) return null;
        JsonNode s = f.object(root, "selection", false);
        f.known(s, "selection.", SELECTION);
        String metric = f.text(s, "selection.metric", "metric", true, null);
        List<String> offered = io.meshfl.core.protocol.Selection.metrics(model);
        if (!offered.contains(metric)) {
            throw f.error("selection.metric", "a " + model.type().name().toLowerCase(Locale.ROOT) + " model is evaluated by " + offered
                    + ", not '" + metric + "'");
        }
        int patience = f.integer(s, "selection.patience", "patience", 0);
        if (patience < 0) throw f.error("selection.patience", "must be >= 0 (0: no early stopping), got " + patience);
        return new io.meshfl.core.protocol.Selection.Spec(metric, patience);
    }

    private static PrivacySettings privacy(Fields f, JsonNode root, String source, String aggregator) {
        if (!root.has("privacy") || root.get("privacy").isNull()) return null;
        JsonNode p = f.object(root, "privacy", false);
        f.known(p, "privacy.", PRIVACY);
        if (!DP_AGGREGATORS.contains(aggregator)) {
            throw f.error("privacy", "differential privacy wraps averaging aggregators " + new java.util.TreeSet<>(DP_AGGREGATORS)
                    + "; aggregator '" + aggregator + "' has no bounded sensitivity");
        }
        PrivacySettings.Mode mode = choice(f, p, "mode", "central", PrivacySettings.Mode.class);
        PrivacySettings.Clipping clipping = choice(f, p, "clipping", "fixed", PrivacySettings.Clipping.class);
        String clipAt = f.text(p, "privacy.clipAt", "clipAt", false, "server").toLowerCase(Locale.ROOT);
        if (!clipAt.equals("server") && !clipAt.equals("node")) throw f.error("privacy.clipAt", "must be server or node, got '" + clipAt + "'");
        if (p.has("noiseMultiplier") == p.has("targetEpsilon")) {
            throw f.error("privacy.noiseMultiplier", "give exactly one of privacy.noiseMultiplier and privacy.targetEpsilon");
        }
        try {
            return new PrivacySettings(mode, clipping, clipAt.equals("node"), f.number(p, "privacy.clip", "clip", 1.0),
                    f.number(p, "privacy.noiseMultiplier", "noiseMultiplier", Double.NaN),
                    f.number(p, "privacy.targetQuantile", "targetQuantile", 0.5), f.number(p, "privacy.clipLr", "clipLr", 0.2),
                    f.number(p, "privacy.delta", "delta", 1e-5), f.number(p, "privacy.targetEpsilon", "targetEpsilon", Double.NaN));
        } catch (IllegalArgumentException bad) {
            throw new MeshflException(ErrorCode.JOB_INVALID, source + ": " + bad.getMessage());
        }
    }

    private static <E extends Enum<E>> E choice(Fields f, JsonNode parent, String field, String fallback, Class<E> type) {
        String v = f.text(parent, "privacy." + field, field, false, fallback);
        for (E e : type.getEnumConstants()) {
            if (e.name().equalsIgnoreCase(v)) return e;
        }
        throw f.error("privacy." + field, "unknown value '" + v + "'; use one of "
                + java.util.Arrays.stream(type.getEnumConstants()).map(e -> e.name().toLowerCase(Locale.ROOT)).toList());
    }

    /**
     * Checks the robust-aggregation settings against what the rule can tolerate: Krum needs more
     * than 2f + 2 updates, so a job whose products are too few for its {@code byzantine} is refused
     * before it starts rather than in its first round.
     */
    private static void robust(Fields f, JobSpec.AggregatorSpec agg, JsonNode a, int products) {
        boolean krum = agg.name().equals("krum") || agg.name().equals("multikrum");
        if (a.has("byzantine") && !krum) throw f.error("aggregator.byzantine", "only applies to krum and multikrum, not " + agg.name());
        if (a.has("selected") && !agg.name().equals("multikrum")) {
            throw f.error("aggregator.selected", "only applies to multikrum, not " + agg.name());
        }
        if (a.has("byzantine") && agg.byzantine() < 0) {
            throw f.error("aggregator.byzantine", "must be >= 0, got " + agg.byzantine());
        }
        if (krum && agg.byzantine() >= 0 && products <= 2 * agg.byzantine() + 2) {
            throw f.error("aggregator.byzantine", agg.name() + " with byzantine: " + agg.byzantine() + " needs more than 2f + 2 = "
                    + (2 * agg.byzantine() + 2) + " nodes, the job has " + products + " product(s)");
        }
        if (krum && products < 3) {
            throw f.error("aggregator.name", agg.name() + " needs at least 3 nodes (more than 2f + 2 with f = 0), the job has " + products);
        }
        if (a.has("selected") && agg.selected() < 1) {
            throw f.error("aggregator.selected", "must be >= 1, got " + agg.selected());
        }
        if (agg.selected() > 0 && agg.byzantine() >= 0 && agg.selected() > products - agg.byzantine()) {
            throw f.error("aggregator.selected", "multikrum averages at most n - f = " + (products - agg.byzantine())
                    + " updates (n = " + products + " products, f = " + agg.byzantine() + "), got " + agg.selected());
        }
        // a robust rule over too few updates is the plain mean in disguise: refuse it rather than let it pass for robust
        int perRound = Math.min(products, Math.max(agg.minNodes(), (int) Math.ceil(agg.fraction() * products)));
        if (agg.name().equals("fedmedian") && perRound < 3) {
            throw f.error("aggregator.name", "fedmedian over " + perRound + " update(s) per round is their mean, not a robust rule; "
                    + "it needs at least 3 nodes per round");
        }
        if (agg.name().equals("trimmedmean") && Math.floor(agg.trimBeta() * perRound) < 1) {
            throw f.error("aggregator.trimBeta", "trimmedmean with trimBeta " + agg.trimBeta() + " over " + perRound
                    + " update(s) per round trims none (floor(" + agg.trimBeta() + " x " + perRound + ") = 0 at each end): it is the plain "
                    + "mean; raise trimBeta to at least " + String.format(Locale.ROOT, "%.3g", 1.0 / perRound) + " (below 0.5) or add nodes");
        }
        if (!(agg.normBound() >= 0) || Double.isInfinite(agg.normBound())) {
            throw f.error("aggregator.normBound", "must be a finite number >= 0 (0 = no bound), got " + agg.normBound());
        }
    }

    /** The {@code secureAggregation:} block, or null when it is absent or {@code enabled: false}. */
    private static SecureAggregationSpec secureAggregation(Fields f, JsonNode root, String source) {
        if (!root.has("secureAggregation")) return null;
        JsonNode s = f.object(root, "secureAggregation", false);
        f.known(s, "secureAggregation.", SECAGG);
        if (s.has("enabled") && !s.get("enabled").isBoolean()) {
            throw f.error("secureAggregation.enabled", "must be true or false, got " + s.get("enabled"));
        }
        if (s.has("enabled") && !s.get("enabled").asBoolean()) return null;
        SecureAggregationSpec d = SecureAggregationSpec.defaults();
        int degree = f.integer(s, "secureAggregation.degree", "degree", d.degree());
        int threshold = f.integer(s, "secureAggregation.threshold", "threshold", d.threshold());
        int bits = f.integer(s, "secureAggregation.modulusBits", "modulusBits", d.modulusBits());
        double clip = f.number(s, "secureAggregation.clip", "clip", d.clip());
        JsonNode me = s.get("maxExamples");
        if (me != null && (!me.isIntegralNumber() || !me.canConvertToLong())) {
            throw f.error("secureAggregation.maxExamples", "must be an integer, got " + me);
        }
        try {
            return new SecureAggregationSpec(degree, threshold, bits, clip, me == null ? d.maxExamples() : me.asLong());
        } catch (IllegalArgumentException bad) {
            throw new MeshflException(ErrorCode.JOB_INVALID, source + ": " + bad.getMessage());
        }
    }

    private static JobSpec.SplitSettings split(Fields f, JsonNode root, String source) {
        JsonNode s = root.has("split") ? f.object(root, "split", false) : YAML.createObjectNode();
        f.known(s, "split.", SPLIT);
        JobSpec.SplitSettings d = JobSpec.SplitSettings.defaults();
        try {
            return new JobSpec.SplitSettings(f.widths(s, "split.bottomHidden", "bottomHidden", d.bottomHidden()),
                    f.integer(s, "split.cutWidth", "cutWidth", d.cutWidth()),
                    f.widths(s, "split.topHidden", "topHidden", d.topHidden()),
                    f.text(s, "split.activation", "activation", false, d.activation()).toLowerCase(Locale.ROOT),
                    f.integer(s, "split.epochs", "epochs", d.epochs()), f.integer(s, "split.batchSize", "batchSize", d.batchSize()),
                    f.number(s, "split.lr", "lr", d.lr()),
                    f.text(s, "split.optimizer", "optimizer", false, d.optimizer()).toLowerCase(Locale.ROOT),
                    f.text(s, "split.labels", "labels", false, d.labels()),
                    f.list(s, "split.categorical", "categorical", false),
                    f.integer(s, "split.embeddingDim", "embeddingDim", d.embeddingDim()),
                    f.number(s, "split.activationNoise", "activationNoise", d.activationNoise()),
                    f.number(s, "split.gradientClip", "gradientClip", d.gradientClip()),
                    f.number(s, "split.labelEpsilon", "labelEpsilon", d.labelEpsilon()),
                    f.integer(s, "split.psiBatch", "psiBatch", d.psiBatch()));
        } catch (IllegalArgumentException bad) {
            throw new MeshflException(ErrorCode.JOB_INVALID, source + ": " + bad.getMessage());
        }
    }

    private static JobSpec.BoostSettings boost(Fields f, JsonNode root, String source) {
        JsonNode b = root.has("boost") ? f.object(root, "boost", false) : YAML.createObjectNode();
        f.known(b, "boost.", BOOST);
        JobSpec.BoostSettings d = JobSpec.BoostSettings.defaults();
        try {
            return new JobSpec.BoostSettings(f.integer(b, "boost.trees", "trees", d.trees()), f.integer(b, "boost.depth", "depth", d.depth()),
                    f.number(b, "boost.lr", "lr", d.lr()), f.integer(b, "boost.bins", "bins", d.bins()),
                    f.number(b, "boost.minChildWeight", "minChildWeight", d.minChildWeight()), f.number(b, "boost.l2", "l2", d.l2()),
                    f.number(b, "boost.minGain", "minGain", d.minGain()), f.integer(b, "boost.keyBits", "keyBits", d.keyBits()),
                    f.integer(b, "boost.psiBatch", "psiBatch", d.psiBatch()));
        } catch (IllegalArgumentException bad) {
            throw new MeshflException(ErrorCode.JOB_INVALID, source + ": " + bad.getMessage());
        }
    }

    /** Field readers that name the file and the field in every error. */
    private record Fields(String source) {

        MeshflException error(String field, String what) {
            return new MeshflException(ErrorCode.JOB_INVALID, source + ": field '" + field + "': " + what);
        }

        void known(JsonNode node, String prefix, Set<String> allowed) {
            for (Iterator<String> it = node.fieldNames(); it.hasNext(); ) {
                String k = it.next();
                if (!allowed.contains(k)) {
                    throw error(prefix + k, "unknown field; expected one of " + new java.util.TreeSet<>(allowed));
                }
            }
        }

        JsonNode object(JsonNode parent, String field, boolean required) {
            JsonNode n = parent.get(field);
            if (n == null) {
                if (required) throw error(field, "is required");
                return null;
            }
            if (!n.isObject()) throw error(field, "must be a mapping");
            return n;
        }

        String text(JsonNode parent, String field, boolean required, String fallback) {
            return text(parent, field, field, required, fallback);
        }

        String text(JsonNode parent, String path, String field, boolean required, String fallback) {
            JsonNode n = parent.get(field);
            if (n == null || n.isNull()) {
                if (required) throw error(path, "is required");
                return fallback;
            }
            if (!n.isValueNode()) throw error(path, "must be a text value");
            return n.asText();
        }

        List<String> list(JsonNode parent, String field, boolean required) {
            return list(parent, field, field, required);
        }

        List<String> list(JsonNode parent, String path, String field, boolean required) {
            JsonNode n = parent.get(field);
            if (n == null) {
                if (required) throw error(path, "is required");
                return List.of();
            }
            if (!n.isArray()) throw error(path, "must be a list");
            List<String> out = new ArrayList<>();
            for (JsonNode v : n) {
                if (!v.isValueNode()) throw error(path, "entries must be names, got " + v);
                out.add(v.asText());
            }
            return out;
        }

        int integer(JsonNode parent, String path, String field, int fallback) {
            JsonNode n = parent.get(field);
            if (n == null) return fallback;
            if (!n.isIntegralNumber() || !n.canConvertToInt()) throw error(path, "must be an integer, got " + n);
            return n.asInt();
        }

        List<Integer> widths(JsonNode parent, String path, String field, List<Integer> fallback) {
            JsonNode n = parent.get(field);
            if (n == null) return fallback;
            if (!n.isArray()) throw error(path, "must be a list of layer widths");
            List<Integer> out = new ArrayList<>();
            for (JsonNode h : n) {
                if (!h.isIntegralNumber() || !h.canConvertToInt()) throw error(path, "layer widths must be integers, got " + h);
                out.add(h.asInt());
            }
            return out;
        }

        double number(JsonNode parent, String path, String field, double fallback) {
            JsonNode n = parent.get(field);
            if (n == null) return fallback;
            if (!n.isNumber()) throw error(path, "must be a number, got " + n);
            return n.asDouble();
        }
    }
}

package io.meshfl.core.monitoring;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.meshfl.core.ErrorCode;
import io.meshfl.core.MeshflException;
import io.meshfl.core.data.Dataset;
import io.meshfl.core.protocol.NodeContext;

import java.io.IOException;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * What a node keeps and answers about drift: the profile of each of its model features over its
 * training rows, kept beside its part of the model; the PSI of the rows it scores against it; and,
 * on the requester, the profile of a model's first batch of scores and the PSI of each later batch.
 * Profiles (bin edges are values of the domain's rows) stay in the node; only the indices leave it,
 * as reply metrics named {@code drift_psi:DOMAIN:FEATURE} and {@code drift_psi:score}.
 */
public final class DriftRecords {

    /** A reply metric: a feature's PSI is {@code drift_psi:DOMAIN:FEATURE}, the score's {@code drift_psi:score}. */
    public static final String PSI = "drift_psi:";
    /** {@code drift_no_profile:DOMAIN} = 1: the domain's part was saved before drift was measured, so it has no reference. */
    public static final String NO_PROFILE = "drift_no_profile:";
    /** 1 on the first batch of a model's scores, which becomes the reference of the later batches. */
    public static final String BASELINE = "drift_baseline";
    /** The name the score's PSI goes by in place of a domain and feature. */
    public static final String SCORE = "score";

    private static final String PROFILE_KEY = ".drift-profile";
    private static final String BASELINE_KEY = ".score-baseline";
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final TypeReference<LinkedHashMap<String, Drift.Profile>> PROFILES = new TypeReference<>() {
    };

    private DriftRecords() {
    }

    /** The profile of each column of {@code training} (a party's training rows, raw values); a column without a value has none. */
    public static Map<String, Drift.Profile> profiles(Dataset training) {
        Map<String, Drift.Profile> out = new LinkedHashMap<>();
        for (int j = 0; j < training.cols(); j++) {
            double[] col = column(training, j);
            if (java.util.Arrays.stream(col).anyMatch(x -> !Double.isNaN(x))) out.put(training.features().get(j), Drift.profile(col));
        }
        return out;
    }

    /** The profile of each column over the first {@code first} of {@code rows} (raw values), one column at a time. */
    public static Map<String, Drift.Profile> profiles(io.meshfl.core.data.AlignedRows rows, int first) {
        Map<String, Drift.Profile> out = new LinkedHashMap<>();
        for (int j = 0; j < rows.features().size(); j++) {
            double[] col = rows.column(j, first);
            if (java.util.Arrays.stream(col).anyMatch(x -> !Double.isNaN(x))) out.put(rows.features().get(j), Drift.profile(col));
        }
        return out;
    }

    /** Keeps {@code profiles} (see {@link #profiles}) beside model part {@code modelId}, in the node only. */
    public static void saveProfiles(NodeContext ctx, String modelId, Map<String, Drift.Profile> profiles) {
        ctx.saveModelPart(modelId + PROFILE_KEY, write(profiles, modelId));
    }

    /** Where a party keeps its profiles in a training job's state, from its setup until it saves its part. */
    public static final String JOB_PROFILES = "drift.profiles";

    /**
     * Saves the profiles a party kept in its training job's state ({@link #JOB_PROFILES}) beside model
     * part {@code modelId}; a party whose setup kept none says so rather than saving a part without them.
     */
    public static void saveKept(NodeContext ctx, Map<String, Object> job, String modelId) {
        Object kept = job.get(JOB_PROFILES);
        if (kept == null) throw new MeshflException(ErrorCode.OUT_OF_ORDER, "the party of " + ctx.domain() + " kept no drift profile of model " + modelId);
        @SuppressWarnings("unchecked")
        Map<String, Drift.Profile> profiles = (Map<String, Drift.Profile>) kept;
        saveProfiles(ctx, modelId, profiles);
    }

    /**
     * The PSI of each column of {@code scored} (the rows this party scores in the batch, raw values)
     * against the profile kept with model part {@code modelId}, as reply metrics; a part saved before
     * profiles were kept answers {@code drift_no_profile:DOMAIN} instead.
     */
    public static Map<String, Double> features(NodeContext ctx, String modelId, Dataset scored) {
        Map<String, Double> out = new LinkedHashMap<>();
        byte[] bytes = stored(ctx, modelId + PROFILE_KEY);
        if (bytes == null) {
            out.put(NO_PROFILE + ctx.domain(), 1.0);
            return out;
        }
        Map<String, Drift.Profile> profiles = read(bytes, modelId);
        for (int j = 0; j < scored.cols(); j++) {
            Drift.Profile p = profiles.get(scored.features().get(j));
            if (p == null) continue;
            double psi = Drift.psi(p, column(scored, j));
            if (!Double.isNaN(psi)) out.put(PSI + ctx.domain() + ":" + scored.features().get(j), psi);
        }
        return out;
    }

    /**
     * On the requester: the first batch of model {@code modelId}'s scores ({@code outputs} per row,
     * NaN for a row left unscored) becomes the reference ({@code drift_baseline} 1); each later batch
     * answers its PSI against it ({@code drift_psi:score}). A multiclass model's score is the top class's
     * probability. A batch without a scored row changes nothing.
     */
    public static Map<String, Double> score(NodeContext ctx, String modelId, double[] pred, int outputs) {
        double[] s = new double[pred.length / outputs];
        for (int i = 0; i < s.length; i++) {
            double top = pred[i * outputs];
            for (int c = 1; c < outputs; c++) top = Math.max(top, pred[i * outputs + c]);
            s[i] = top;
        }
        Map<String, Double> out = new LinkedHashMap<>();
        if (java.util.Arrays.stream(s).allMatch(Double::isNaN)) return out;
        byte[] bytes = stored(ctx, modelId + BASELINE_KEY);
        if (bytes == null) {
            ctx.saveModelPart(modelId + BASELINE_KEY, write(Map.of(SCORE, Drift.profile(s)), modelId));
            out.put(BASELINE, 1.0);
        } else {
            Drift.Profile p = read(bytes, modelId).get(SCORE);
            if (p == null) throw new MeshflException(ErrorCode.NODE_FAILURE, "the score baseline of model " + modelId + " holds no score profile");
            out.put(PSI + SCORE, Drift.psi(p, s));
        }
        return out;
    }

    /** The drift metrics among a node's reply metrics. */
    public static Map<String, Double> of(Map<String, Double> metrics) {
        Map<String, Double> out = new LinkedHashMap<>();
        metrics.forEach((k, v) -> {
            if (k.startsWith(PSI) || k.startsWith(NO_PROFILE) || k.equals(BASELINE)) out.put(k, v);
        });
        return out;
    }

    /**
     * The scoring's metrics: the requester's ({@code done}, with the score's drift) and the parties'
     * feature drift; says in the log which domains' parts have no reference, and when this batch
     * becomes the score's baseline, so that no measure is skipped silently.
     */
    public static Map<String, Double> merge(Map<String, Double> done, Map<String, Double> drift, java.util.function.Consumer<String> log) {
        Map<String, Double> out = new LinkedHashMap<>(done);
        out.putAll(drift);
        java.util.List<String> none = drift.keySet().stream().filter(k -> k.startsWith(NO_PROFILE)).map(k -> k.substring(NO_PROFILE.length())).toList();
        if (!none.isEmpty()) {
            log.accept("drift: the model parts of " + String.join(", ", none) + " were saved before drift was measured and keep no reference "
                    + "profile; their features' drift is not measured (scored as usual)");
        }
        if (out.containsKey(BASELINE)) log.accept("drift: this batch's scores are the baseline the model's later batches are compared with");
        return out;
    }

    private static byte[] stored(NodeContext ctx, String key) {
        try {
            return ctx.modelPart(key);
        } catch (MeshflException e) {
            if (e.code() == ErrorCode.CATALOG_NOT_FOUND) return null;
            throw e;
        }
    }

    private static double[] column(Dataset d, int j) {
        double[] c = new double[d.rows()];
        for (int i = 0; i < c.length; i++) c[i] = d.get(i, j);
        return c;
    }

    private static byte[] write(Map<String, Drift.Profile> profiles, String modelId) {
        try {
            return JSON.writeValueAsBytes(profiles);
        } catch (IOException e) {
            throw new MeshflException(ErrorCode.INTERNAL, "cannot serialize the drift profile of model " + modelId, e);
        }
    }

    private static Map<String, Drift.Profile> read(byte[] bytes, String modelId) {
        try {
            return JSON.readValue(bytes, PROFILES);
        } catch (IOException e) {
            // the message names the model only: a parser's message may quote the profile, whose edges are values of rows
            throw new MeshflException(ErrorCode.NODE_FAILURE, "the drift profile of model " + modelId + " is unreadable", e);
        }
    }
}

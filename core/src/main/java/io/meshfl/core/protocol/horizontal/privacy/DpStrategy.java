package io.meshfl.core.protocol.horizontal.privacy;

import io.meshfl.core.crypto.dp.AdaptiveClipping;
import io.meshfl.core.crypto.dp.GaussianMechanism;
import io.meshfl.core.crypto.dp.RdpAccountant;
import io.meshfl.core.protocol.horizontal.Aggregated;
import io.meshfl.core.protocol.horizontal.Failure;
import io.meshfl.core.protocol.horizontal.FitInstruction;
import io.meshfl.core.protocol.horizontal.FitResult;
import io.meshfl.core.protocol.horizontal.Strategy;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;

/**
 * Client-level DP-FedAvg (McMahan et al. 2018) as a wrapper around any averaging strategy, as in
 * Flower's {@code DifferentialPrivacyServerSide/ClientSideFixedClipping}: each node's delta from the
 * global parameters is clipped to norm C (here, or on the node), every result gets weight 1, and
 * Gaussian noise of sd z·C/k is added to the mean of the k results. The noise is spread over the
 * results before the inner strategy sees them, so it enters before any server optimizer
 * (FedAdam, FedYogi) rather than after it. Example weighting is dropped because a node with many
 * rows would otherwise move the mean by more than C/k.
 *
 * <p>Adaptive clipping (Andrew et al. 2021) moves C toward the target quantile of update norms from
 * a noised count of unclipped updates; the count's noise is paid for out of the same total z.
 * In local mode the nodes clip and noise their own updates and this wrapper only accounts.
 *
 * <p>Every round reports {@code dp_epsilon} (spent so far at {@code dp_delta}), {@code dp_clip},
 * {@code dp_noise_sd} and the sampling rate {@code dp_q}.
 */
public final class DpStrategy implements Strategy {

    private final Strategy inner;
    private final PrivacySettings settings;
    private final double fraction;
    private final int minNodes;
    private final int rounds;
    private final Random noise;
    private double z = Double.NaN;
    private double clip;
    private double roundQ;
    private RdpAccountant accountant = new RdpAccountant();
    /** Local mode: the rounds each node trained, since each node's ε grows only when it is sampled. */
    private final Map<String, Integer> participations = new HashMap<>();
    /** The nodes asked to train this round: under secure aggregation, who is in the sum is all the coordinator can count. */
    private List<String> ordered = List.of();

    /**
     * @param fraction, minNodes the sampling of the inner strategy, which sets the accountant's q
     * @param noise    the noise source: a {@link java.security.SecureRandom} outside tests
     */
    public DpStrategy(Strategy inner, PrivacySettings settings, double fraction, int minNodes, int rounds, Random noise) {
        this.inner = inner;
        this.settings = settings;
        this.fraction = fraction;
        this.minNodes = minNodes;
        this.rounds = rounds;
        this.noise = noise;
        this.clip = settings.clip();
    }

    @Override
    public String name() {
        return "dp-" + inner.name();
    }

    /** The wrapped strategy. */
    public Strategy inner() {
        return inner;
    }

    /** The total noise multiplier, once the first round has fixed it. */
    public double noiseMultiplier() {
        return z;
    }

    /** The clipping norm the next round uses. */
    public double clip() {
        return clip;
    }

    @Override
    public List<FitInstruction> configureFit(int round, double[] global, List<String> available, Random rng) {
        if (Double.isNaN(z)) {
            // a target ε is solved once, for the federation the run starts with
            z = settings.noiseFor(settings.samplingRate(fraction, minNodes, available.size()), rounds);
        }
        List<FitInstruction> orders = inner.configureFit(round, global, available, rng);
        roundQ = settings.mode() == PrivacySettings.Mode.LOCAL ? 1.0 : Math.min(1.0, (double) orders.size() / Math.max(1, available.size()));
        ordered = orders.stream().map(FitInstruction::nodeId).toList();
        List<FitInstruction> out = new ArrayList<>(orders.size());
        for (FitInstruction o : orders) {
            Map<String, String> cfg = new LinkedHashMap<>(o.config());
            cfg.put(PlannedPrivacy.CLIP, Double.toString(clip));
            if (settings.clipAtNode()) cfg.put(NodeProtections.CLIP_AT_NODE, "true");
            out.add(new FitInstruction(o.nodeId(), cfg));
        }
        return out;
    }

    @Override
    public Aggregated aggregateFit(int round, double[] global, List<FitResult> results, List<Failure> failures) {
        Map<String, Double> metrics = new LinkedHashMap<>();
        metrics.put("dp_clip", clip);
        int k = results.size();
        List<FitResult> prepared = new ArrayList<>(k);
        int unclipped = 0;
        if (settings.mode() == PrivacySettings.Mode.LOCAL) {
            for (FitResult r : results) {
                prepared.add(unitWeight(r, r.params()));
                participations.merge(r.nodeId(), 1, Integer::sum);
            }
        } else {
            double zUpdates = settings.clipping() == PrivacySettings.Clipping.ADAPTIVE ? adaptive(k).updateNoiseMultiplier(z) : z;
            double perResultSd = k == 0 ? 0 : zUpdates * clip / Math.sqrt(k);
            for (FitResult r : results) {
                double[] delta = new double[global.length];
                for (int i = 0; i < delta.length; i++) delta[i] = r.params()[i] - global[i];
                // a node that says it clipped is clipped again: harmless if it did, a bound if it did not
                boolean shortDelta = GaussianMechanism.l2Norm(delta) <= clip;
                unclipped += settings.clipAtNode() ? r.metrics().getOrDefault(NodeClipping.UNCLIPPED, shortDelta ? 1.0 : 0.0).intValue()
                        : (shortDelta ? 1 : 0);
                GaussianMechanism.clip(delta, clip);
                // k shares of variance (zC)²/k sum to (zC)² on the sum, hence sd zC/k on the mean
                for (int i = 0; i < delta.length; i++) delta[i] = global[i] + delta[i] + perResultSd * noise.nextGaussian();
                prepared.add(unitWeight(r, delta));
            }
            metrics.put("dp_noise_sd", k == 0 ? 0 : zUpdates * clip / k);
        }
        Aggregated agg = inner.aggregateFit(round, global, prepared, failures);
        if (settings.mode() == PrivacySettings.Mode.CENTRAL && settings.clipping() == PrivacySettings.Clipping.ADAPTIVE && k > 0) {
            AdaptiveClipping next = adaptive(k).next(unclipped, noise);
            metrics.put("dp_unclipped_fraction", (double) unclipped / k);
            clip = next.clipNorm();
        }
        return accounted(agg, metrics);
    }

    /**
     * A round under secure aggregation: the coordinator holds only the unit-weighted mean of the
     * {@code nodes} surviving updates, which the nodes clipped themselves (the planner requires
     * {@code clipAt: node} and fixed clipping, and the secure round weighs every node 1). Central
     * mode adds noise of sd z·C/k to that mean, local mode only accounts; then the inner strategy
     * applies its rule to the mean.
     */
    @Override
    public Aggregated aggregateMean(int round, double[] global, double[] mean, int nodes, List<Failure> failures) {
        Map<String, Double> metrics = new LinkedHashMap<>();
        metrics.put("dp_clip", clip);
        double[] noised = mean.clone();
        if (settings.mode() == PrivacySettings.Mode.LOCAL) {
            // which nodes survived is hidden; counting every node asked is the bound that cannot undercount
            for (String n : ordered) participations.merge(n, 1, Integer::sum);
        } else {
            double sd = nodes == 0 ? 0 : z * clip / nodes;
            for (int i = 0; i < noised.length; i++) noised[i] += sd * noise.nextGaussian();
            metrics.put("dp_noise_sd", sd);
        }
        Aggregated agg = inner.aggregateMean(round, global, noised, nodes, failures);
        return accounted(agg, metrics);
    }

    /** Charges the round to the accountant and adds what it spent to the round's metrics. */
    private Aggregated accounted(Aggregated agg, Map<String, Double> metrics) {
        accountant = accountant.compose(roundQ, z, 1);
        metrics.put("dp_q", roundQ);
        metrics.put("dp_noise_multiplier", z);
        metrics.put("dp_delta", settings.delta());
        metrics.put("dp_epsilon", epsilon());
        Map<String, Double> all = new LinkedHashMap<>(agg.metrics());
        all.putAll(metrics);
        return new Aggregated(agg.params(), all);
    }

    /** ε spent so far: of the run (central), or of the most-sampled node (local). */
    public double epsilon() {
        if (settings.mode() == PrivacySettings.Mode.LOCAL) {
            int most = participations.values().stream().mapToInt(Integer::intValue).max().orElse(0);
            return new RdpAccountant().compose(1.0, z, most).epsilon(settings.delta());
        }
        return accountant.epsilon(settings.delta());
    }

    /** The adaptive state for this round; count noise at least z, so the update noise stays finite for small federations. */
    private AdaptiveClipping adaptive(int k) {
        double countSd = Math.max(k / 20.0, z);
        return new AdaptiveClipping(clip, settings.targetQuantile(), settings.clipLr(), countSd, Math.max(1, k));
    }

    private static FitResult unitWeight(FitResult r, double[] params) {
        Map<String, Double> m = new LinkedHashMap<>(r.metrics());
        m.remove(NodeClipping.UNCLIPPED);
        return new FitResult(r.nodeId(), params, 1, m);
    }

    @Override
    public List<String> configureEvaluate(int round, List<String> available, Random rng) {
        return inner.configureEvaluate(round, available, rng);
    }
}

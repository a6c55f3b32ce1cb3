package io.meshfl.core.protocol.horizontal;

import io.meshfl.core.plan.JobSpec;
import io.meshfl.core.protocol.horizontal.privacy.DpStrategy;

/** Builds the strategy a job asks for. */
public final class Strategies {

    private Strategies() {
    }

    public static Strategy create(JobSpec job) {
        JobSpec.AggregatorSpec a = job.aggregator();
        Sampling s = new Sampling(a.fraction(), a.minNodes());
        LocalSettings l = job.local();
        long seed = job.seed();
        Strategy base = switch (a.name()) {
            case "fedavg" -> new FedAvg(s, l, seed);
            case "fedprox" -> new FedProx(s, l, seed, a.proximalMu());
            case "fedadam" -> new FedOpt(s, l, seed, FedOpt.Rule.ADAM, a.serverLr(), a.beta1(), a.beta2(), a.tau());
            case "fedyogi" -> new FedOpt(s, l, seed, FedOpt.Rule.YOGI, a.serverLr(), a.beta1(), a.beta2(), a.tau());
            case "fedmedian" -> new FedMedian(s, l, seed);
            case "trimmedmean" -> new TrimmedMean(s, l, seed, a.trimBeta());
            case "krum" -> new Krum(s, l, seed, a.byzantine(), 1, false);
            case "multikrum" -> new Krum(s, l, seed, a.byzantine(), a.selected(), true);
            default -> throw new IllegalArgumentException("aggregator.name: unknown aggregator '" + a.name() + "'");
        };
        // bounding wraps whichever rule was chosen, so it composes with every one of them; privacy
        // goes outside it, so its clipping and noise apply to the updates as the nodes sent them
        Strategy bounded = a.normBound() > 0 ? new NormBounded(base, a.normBound()) : base;
        return job.privacy() == null ? bounded
                : new DpStrategy(bounded, job.privacy(), a.fraction(), a.minNodes(), job.rounds(), new java.security.SecureRandom());
    }
}

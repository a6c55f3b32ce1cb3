package io.meshfl.core.plan;

import io.meshfl.core.ErrorCode;
import io.meshfl.core.MeshflException;
import io.meshfl.core.contract.DataContract;
import io.meshfl.core.protocol.horizontal.privacy.PlannedPrivacy;

import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * What the planner decides about differential privacy: a product with an ε budget takes part in
 * differentially private horizontal jobs only, and never in one whose planned ε exceeds its
 * total budget. What earlier runs spent is the catalog ledger's business, checked when a run starts.
 */
final class PrivacyPlanning {

    private PrivacyPlanning() {
    }

    /** Refuses jobs that cannot be private, or that are not and touch a product with a budget. */
    static void admit(JobSpec job, Map<String, Planner.ProductView> catalog) {
        if (job.privacy() != null && job.integration() != null) {
            throw refused(job, "privacy", "differential privacy is offered for horizontal training only; this job trains over "
                    + "the join of integration '" + job.integration() + "'");
        }
        if (job.privacy() != null) return;
        for (String id : job.products()) {
            Planner.ProductView v = catalog.get(id);
            if (v == null || !v.contract().policy().hasEpsilonBudget()) continue;
            DataContract c = v.contract();
            throw refused(job, "privacy", "product " + id + " has a privacy budget (meshfl.epsilonBudget " + fmt(c.policy().epsilonBudget())
                    + " in " + c.sourceName() + ") and takes part only in differentially private jobs; add a 'privacy:' block");
        }
    }

    /** Refuses a private job that planned as another strategy than horizontal. */
    static void requireHorizontal(JobSpec job, String strategy) {
        if (job.privacy() != null && !strategy.equals("horizontal")) {
            throw refused(job, "privacy", "differential privacy is offered for horizontal training only; this job plans as " + strategy);
        }
    }

    /** The EXPLAIN line of a private horizontal job, after refusing it if its ε exceeds a product's total budget. */
    static String check(JobSpec job, List<DataContract> training) {
        JobSpec.AggregatorSpec a = job.aggregator();
        PlannedPrivacy p;
        try {
            p = job.privacy().plan(a.fraction(), a.minNodes(), training.size(), job.rounds());
        } catch (MeshflException e) {
            throw refused(job, "privacy.targetEpsilon", e.getMessage());
        }
        for (DataContract c : training) {
            Double budget = c.policy().epsilonBudget();
            if (budget != null && p.epsilon() > budget) {
                throw refused(job, "privacy", "product " + c.id() + " has a privacy budget of epsilon " + fmt(budget)
                        + " in total; this job requests epsilon " + fmt(p.epsilon()) + " at delta " + p.delta());
            }
        }
        return job.privacy().describe(p.q(), p.noiseMultiplier(), job.rounds());
    }

    /**
     * A warning when the noise a private round adds to the aggregate is expected to be longer than
     * the longest mean update it could carry: each update is clipped to C, so the mean of k updates
     * is at most C long, while Gaussian noise of standard deviation zC/k (central) or zC/sqrt(k)
     * (local) per coordinate has a norm of about zC sqrt(d)/k (or zC sqrt(d/k)) over d parameters.
     * With few nodes that ratio is large and the model learns little; the user should know first.
     */
    static java.util.Optional<String> noiseWarning(JobSpec job, int nodes, int params) {
        JobSpec.AggregatorSpec a = job.aggregator();
        PlannedPrivacy p = job.privacy().plan(a.fraction(), a.minNodes(), nodes, job.rounds());
        int perRound = Math.max(1, Math.min(nodes, Math.max(a.minNodes(), (int) Math.ceil(a.fraction() * nodes))));
        boolean local = p.mode() == io.meshfl.core.protocol.horizontal.privacy.PrivacySettings.Mode.LOCAL;
        double ratio = p.noiseMultiplier() * Math.sqrt(params) / (local ? Math.sqrt(perRound) : perRound);
        if (!(ratio > 1)) return java.util.Optional.empty();
        return java.util.Optional.of(String.format(Locale.ROOT, "privacy: the noise on each round's aggregate is expected to be %.1fx "
                + "the longest mean update it carries (noise multiplier %.3g, %s noise, %d node(s) per round, %d parameters): with this "
                + "few nodes expect the model to learn little; more nodes, fewer rounds or a larger epsilon lower it",
                ratio, p.noiseMultiplier(), local ? "local" : "central", perRound, params));
    }

    private static MeshflException refused(JobSpec job, String field, String what) {
        return new MeshflException(ErrorCode.PLAN_REFUSED, job.sourceFile() + ": " + field + ": " + what);
    }

    static String fmt(double v) {
        return String.format(Locale.ROOT, "%.4g", v);
    }
}

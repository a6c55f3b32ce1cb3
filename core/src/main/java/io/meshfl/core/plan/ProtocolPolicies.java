package io.meshfl.core.plan;

import io.meshfl.core.ErrorCode;
import io.meshfl.core.MeshflException;
import io.meshfl.core.contract.DataContract;
import io.meshfl.core.contract.FlPolicy;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * The planner's side of what a product's contract says about protocols: the strategy of a plan
 * must be one every product allows ({@code meshfl.protocols}), and the job must apply every
 * protection a product requires ({@code meshfl.requires}). Nodes check the same again on every
 * request; refusing here names the policy before anything runs.
 */
final class ProtocolPolicies {

    private ProtocolPolicies() {
    }

    /** {@code plan}, or a refusal naming each product whose policy it breaks. */
    static Plan admit(Plan plan, JobSpec job, Map<String, Planner.ProductView> catalog) {
        String family = family(plan.strategy());
        List<String> broken = new ArrayList<>();
        List<Plan.Participant> all = new ArrayList<>(plan.participants());
        all.addAll(plan.evaluation());
        for (Plan.Participant part : all) {
            Planner.ProductView v = catalog.get(part.productId());
            if (v == null) continue;
            DataContract c = v.contract();
            FlPolicy p = c.policy();
            if (!p.allows(family)) {
                broken.add(c.id() + " takes part only in " + p.protocols() + " (meshfl.protocols of " + c.sourceName() + ")");
            }
            for (String r : p.requires()) {
                String why = missing(r, plan.strategy(), job);
                if (why != null) broken.add(c.id() + " requires " + r + " (meshfl.requires of " + c.sourceName() + "): " + why);
            }
        }
        if (!broken.isEmpty()) {
            throw new MeshflException(ErrorCode.PLAN_REFUSED, job.sourceFile() + ": strategy " + plan.strategy() + " is refused by "
                    + "the products' policies: " + String.join("; ", broken));
        }
        return plan;
    }

    /** The protocol family contracts name for a plan's strategy. */
    static String family(String strategy) {
        return switch (strategy) {
            case "materialized", "factorized" -> "pooled";
            default -> strategy;
        };
    }

    private static String missing(String requirement, String strategy, JobSpec job) {
        return switch (requirement) {
            case "differential-privacy" -> !strategy.equals("horizontal") ? "only horizontal training offers differential privacy"
                    : job.privacy() == null ? "the job sets no privacy block" : null;
            case "secure-aggregation" -> strategy.equals("horizontal") && !secureAggregation(job)
                    ? "the job sets no secureAggregation block" : null;
            default -> "unknown requirement";
        };
    }

    private static boolean secureAggregation(JobSpec job) {
        return job.secureAggregation() != null;
    }
}

package io.meshfl.core.plan;

import io.meshfl.core.model.ModelSpec;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * How a job will run, decided by the {@link Planner}: the execution strategy, who takes part,
 * the columns, the model, the candidates considered and why this one was chosen.
 */
public record Plan(String strategy, String aggregator, List<Participant> participants, List<Participant> evaluation,
                   List<String> features, String label, ModelSpec model, int numParams, int rounds,
                   List<Candidate> candidates, List<String> reasons) {

    public Plan {
        participants = List.copyOf(participants);
        evaluation = List.copyOf(evaluation);
        features = List.copyOf(features);
        candidates = List.copyOf(candidates);
        reasons = List.copyOf(reasons);
    }

    /**
     * One data product in a run, pinned to the contract version the plan was made from.
     *
     * @param role     {@code train} or {@code evaluate} (horizontal); {@code guest} (label holder) or {@code host} (vertical)
     * @param features the columns this product contributes (vertical); empty where the plan's features apply
     */
    public record Participant(String productId, String domain, String version, long rows, String role, List<String> features) {
        public Participant {
            features = List.copyOf(features);
        }

        public Participant(String productId, String domain, String version, long rows) {
            this(productId, domain, version, rows, "train", List.of());
        }
    }

    /** A way the job could run, its estimated cost, and the rule that ruled it out if any. */
    public record Candidate(String strategy, boolean feasible, String ruledOutBy, double estBytesPerRound, double estSeconds) {
    }

    public List<String> domains() {
        List<String> out = new ArrayList<>();
        for (Participant p : participants) if (!out.contains(p.domain())) out.add(p.domain());
        for (Participant p : evaluation) if (!out.contains(p.domain())) out.add(p.domain());
        return out;
    }

    /** The plan as a database-style EXPLAIN. */
    public String explain() {
        StringBuilder sb = new StringBuilder();
        sb.append("PLAN  strategy=").append(strategy).append("  aggregator=").append(aggregator)
                .append("  model=").append(model.type().name().toLowerCase(Locale.ROOT))
                .append(model.hidden().isEmpty() ? "" : model.hidden().toString())
                .append("  params=").append(numParams).append("  rounds=").append(rounds).append('\n');
        sb.append("  label: ").append(label).append("   features (").append(features.size()).append("): ")
                .append(features.size() > 8 ? String.join(",", features.subList(0, 8)) + ",..." : String.join(",", features))
                .append('\n');
        for (Participant p : participants) {
            sb.append(String.format(Locale.ROOT, "  %-8s ", p.role())).append(p.productId()).append(" v").append(p.version())
                    .append("  @").append(p.domain()).append(p.rows() >= 0 ? "  rows=" + p.rows() : "");
            if (!p.features().isEmpty()) sb.append("  features=").append(p.features().size());
            sb.append('\n');
        }
        for (Participant p : evaluation) {
            sb.append("  evaluate ").append(p.productId()).append(" v").append(p.version()).append("  @").append(p.domain())
                    .append(p.rows() >= 0 ? "  rows=" + p.rows() : "").append('\n');
        }
        sb.append("  candidates:\n");
        for (Candidate c : candidates) {
            sb.append(String.format(Locale.ROOT, "    %-13s %s", c.strategy(), c.feasible()
                    ? String.format(Locale.ROOT, "est. %.1f KB/round, %.2f s", c.estBytesPerRound() / 1024, c.estSeconds())
                    : "ruled out: " + c.ruledOutBy()));
            if (c.strategy().equals(strategy)) sb.append("   <- chosen");
            sb.append('\n');
        }
        for (String r : reasons) sb.append("  why: ").append(r).append('\n');
        return sb.toString();
    }
}

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
                   List<Candidate> candidates, List<String> reasons, List<String> warnings) {

    public Plan {
        participants = List.copyOf(participants);
        evaluation = List.copyOf(evaluation);
        features = List.copyOf(features);
        candidates = List.copyOf(candidates);
        reasons = List.copyOf(reasons);
        warnings = List.copyOf(warnings);
    }

    /** A plan with nothing for its submitter to accept. */
    public Plan(String strategy, String aggregator, List<Participant> participants, List<Participant> evaluation,
                List<String> features, String label, ModelSpec model, int numParams, int rounds,
                List<Candidate> candidates, List<String> reasons) {
        this(strategy, aggregator, participants, evaluation, features, label, model, numParams, rounds, candidates, reasons, List.of());
    }

    /**
     * One data product in a run, pinned to the contract version the plan was made from.
     *
     * @param role     {@code train} or {@code evaluate} (horizontal); {@code guest} (label holder) or {@code host} (vertical)
     * @param features the columns this product contributes (vertical); empty where the plan's features apply
     * @param group    the vertical party this product is one member of (the job's {@code groups}), or null for a party of its own
     */
    public record Participant(String productId, String domain, String version, long rows, String role, List<String> features,
                              String group) {
        public Participant {
            features = List.copyOf(features);
        }

        public Participant(String productId, String domain, String version, long rows, String role, List<String> features) {
            this(productId, domain, version, rows, role, features, null);
        }

        public Participant(String productId, String domain, String version, long rows) {
            this(productId, domain, version, rows, "train", List.of());
        }
    }

    /** A way the job could run, its estimated cost, and the rule that ruled it out if any. */
    public record Candidate(String strategy, boolean feasible, String ruledOutBy, double estBytesPerRound, double estSeconds) {
    }

    /** This plan with one more line of its explanation. */
    public Plan withReason(String reason) {
        List<String> more = new ArrayList<>(reasons);
        more.add(reason);
        return new Plan(strategy, aggregator, participants, evaluation, features, label, model, numParams, rounds, candidates, more, warnings);
    }

    /**
     * This plan with a warning: something the run would do that the submitter may not expect (a
     * column left out, noise that drowns the signal). A plan with warnings runs only when its
     * submitter accepts them.
     */
    public Plan withWarning(String warning) {
        List<String> more = new ArrayList<>(warnings);
        more.add(warning);
        return new Plan(strategy, aggregator, participants, evaluation, features, label, model, numParams, rounds, candidates, reasons, more);
    }

    /** Refuses to run this plan when it has warnings its submitter did not accept. */
    public void requireAccepted(boolean accepted, String source) {
        if (warnings.isEmpty() || accepted) return;
        throw new io.meshfl.core.MeshflException(io.meshfl.core.ErrorCode.PLAN_REFUSED, source + ": the plan has " + warnings.size()
                + " warning(s) to accept before it runs: " + String.join("; ", warnings) + ". Run again with --accept-warnings to accept them");
    }

    /** The domains of each party made of several members (the job's groups), by the party's name, in plan order. */
    public java.util.Map<String, List<String>> groups() {
        java.util.Map<String, List<String>> out = new java.util.LinkedHashMap<>();
        for (Participant p : participants) if (p.group() != null) out.computeIfAbsent(p.group(), g -> new ArrayList<>()).add(p.domain());
        return out;
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
            if (p.group() != null) sb.append("  group=").append(p.group());
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
        for (String w : warnings) sb.append("  WARNING: ").append(w).append('\n');
        return sb.toString();
    }
}

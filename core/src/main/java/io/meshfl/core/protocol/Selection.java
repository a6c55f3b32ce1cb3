package io.meshfl.core.protocol;

import io.meshfl.core.ErrorCode;
import io.meshfl.core.MeshflException;
import io.meshfl.core.model.ModelSpec;

import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Best-round selection and early stopping: follows one evaluation metric round by round, knows
 * which round was best so far, and says when {@code patience} rounds in a row did not improve on
 * it. The stored model is the best round's, not the last one's.
 */
public final class Selection {

    /**
     * What to select on: a metric of the run's evaluation and how many rounds without improvement
     * end the run (0: every round runs, the best is still the one kept).
     */
    public record Spec(String metric, int patience) {
        public Spec {
            if (patience < 0) throw new IllegalArgumentException("selection.patience must be >= 0, got " + patience);
        }

        /** Whether a larger value of the metric is better. */
        public boolean higherIsBetter() {
            return !LOWER_IS_BETTER.contains(metric);
        }
    }

    private static final Set<String> LOWER_IS_BETTER = Set.of("loss", "rmse", "poisson_deviance", "log_loss");

    /** The evaluation metrics a model of {@code spec} reports, each a valid selection metric. */
    public static List<String> metrics(ModelSpec spec) {
        // binary trees and split networks report their own pair each round; other objectives report what every model of their task does
        boolean ownPair = spec.type() == ModelSpec.Type.GBDT || spec.type() == ModelSpec.Type.SPLITNN;
        return ownPair && spec.task() == ModelSpec.Task.BINARY ? List.of("auc", "log_loss") : metrics(spec.task());
    }

    /** The evaluation metrics a model of {@code task} reports, each a valid selection metric. */
    public static List<String> metrics(ModelSpec.Task task) {
        return switch (task) {
            case BINARY -> List.of("auc", "loss", "accuracy", "f1");
            case MULTICLASS -> List.of("accuracy", "loss");
            case REGRESSION -> List.of("rmse", "r2", "loss");
            case COUNT -> List.of("poisson_deviance", "rmse", "r2", "loss");
        };
    }

    private final Spec spec;
    private int bestRound;
    private double best;
    private int since;
    private int stoppedAfter;

    public Selection(Spec spec) {
        this.spec = spec;
    }

    /** The selection {@code job} asks for, or null when it asks for none. */
    public static Selection of(io.meshfl.core.plan.JobSpec job) {
        return job.evaluation() == null || job.evaluation().selection() == null ? null : new Selection(job.evaluation().selection());
    }

    /**
     * Whether the run stops after {@code round} of {@code rounds}: patience ran out before the last
     * round. Says so in the run's log, naming the round's {@code unit} (round, epoch, tree).
     */
    public boolean stops(int round, int rounds, String unit, java.util.function.Consumer<String> log) {
        if (!exhausted() || round >= rounds) return false;
        stoppedAfter = round;
        log.accept(String.format(java.util.Locale.ROOT, "stopped early after %s %d: %s has not improved on %s %d's %.4f for %d %ss",
                unit, round, spec.metric(), unit, bestRound, best, spec.patience(), unit));
        return true;
    }

    /**
     * The run's metrics as a selecting run reports them: {@code base} overlaid with the selected
     * round's metrics from {@code history}, then which round that was, how many ran and, when the
     * run stopped early, after which.
     */
    public Map<String, Double> report(Map<String, Double> base, List<io.meshfl.core.protocol.horizontal.RoundSummary> history) {
        Map<String, Double> out = new java.util.LinkedHashMap<>(base);
        out.putAll(history.stream().filter(h -> h.round() == bestRound).findFirst().orElseThrow().metrics());
        out.put("selected_round", (double) bestRound);
        out.put("rounds_run", (double) history.size());
        if (stoppedAfter > 0) out.put("stopped_early_after_round", (double) stoppedAfter);
        return out;
    }

    public Spec spec() {
        return spec;
    }

    /** Takes round {@code round}'s metrics; true when it is the best round so far. A round without the metric is an error. */
    public boolean offer(int round, Map<String, Double> metrics) {
        Double v = metrics.get(spec.metric());
        if (v == null || v.isNaN()) {
            throw new MeshflException(ErrorCode.PROTOCOL_FAILURE, "selection.metric: round " + round + " reported no " + spec.metric()
                    + "; it reported " + new java.util.TreeSet<>(metrics.keySet()));
        }
        boolean better = bestRound == 0 || (spec.higherIsBetter() ? v > best : v < best);
        if (better) {
            bestRound = round;
            best = v;
            since = 0;
        } else {
            since++;
        }
        return better;
    }

    /** True once {@code patience} rounds in a row have not improved on the best. */
    public boolean exhausted() {
        return spec.patience() > 0 && since >= spec.patience();
    }

    /** The best round so far (0 before any). */
    public int bestRound() {
        return bestRound;
    }

    public double best() {
        return best;
    }

    /** What a checkpoint keeps of it, as numbers. */
    public Map<String, Double> state() {
        return Map.of("selection.best_round", (double) bestRound, "selection.best", best, "selection.since", (double) since);
    }

    /** Goes on from {@link #state()} as a checkpoint kept it. */
    public void restore(RunCheckpoint from) {
        bestRound = (int) from.number("selection.best_round", 0);
        best = from.number("selection.best", 0);
        since = (int) from.number("selection.since", 0);
    }
}

package io.meshfl.core.plan;

import io.meshfl.core.ErrorCode;
import io.meshfl.core.MeshflException;
import io.meshfl.core.model.ModelSpec;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * Refuses job settings the chosen plan would not read. A setting written in a job file that the
 * run then ignores is a silent fallback: the user believes the model was trained with it. Every
 * field the file gave is checked against the strategy, model type and aggregator the plan chose,
 * and the first field that does not apply is named with where it does apply.
 */
public final class Applicability {

    private static final Set<String> HORIZONTAL_ONLY = Set.of("local", "aggregator", "rounds", "privacy", "secureAggregation",
            "evaluation");
    /** Vertical settings that still apply when the parties are linked by an integration's join (its steps come from {@code joined}). */
    private static final Set<String> VERTICAL_CRYPTO = Set.of("vertical.keyBits", "vertical.fracBits", "vertical.psiBatch");
    private static final Set<String> FEDOPT = Set.of("fedadam", "fedyogi");

    private Applicability() {
    }

    /**
     * The plan, with a line for every given setting that applies only to another candidate the
     * planner weighed for a job of strategy {@code auto}; throws {@link ErrorCode#JOB_INVALID}
     * naming every given field that applies to nothing the plan could have chosen.
     */
    public static Plan check(JobSpec job, Plan plan) {
        List<String> problems = new ArrayList<>();
        List<String> unused = new ArrayList<>();
        for (String field : job.given()) {
            String problem = problem(job, field, plan.strategy(), plan);
            if (problem == null) continue;
            List<String> elsewhere = job.strategy().equals("auto") ? plan.candidates().stream()
                    .filter(c -> c.feasible() && !c.strategy().equals(plan.strategy()))
                    .map(Plan.Candidate::strategy).filter(c -> problem(job, field, c, plan) == null).toList() : List.of();
            if (elsewhere.isEmpty()) {
                problems.add("field '" + field + "' " + problem);
            } else {
                unused.add(field + " (applies to " + String.join(" and ", elsewhere) + ")");
            }
        }
        if (!problems.isEmpty()) {
            throw new MeshflException(ErrorCode.JOB_INVALID, job.sourceFile() + ": " + problems.get(0)
                    + (problems.size() > 1 ? " (and " + (problems.size() - 1) + " more: " + String.join("; ", problems.subList(1, problems.size())) + ")" : ""));
        }
        return unused.isEmpty() ? plan : plan.withReason("settings not used by the chosen " + plan.strategy() + " plan, written for "
                + "other candidates of strategy auto: " + String.join(", ", unused));
    }

    /** Why {@code field} does not apply when the job runs as {@code strategy}, or null when it does. */
    private static String problem(JobSpec job, String field, String strategy, Plan plan) {
        boolean joinedRun = job.integration() != null;
        String layout = strategy + (joinedRun ? " training over integration " + job.integration() : " training");
        String why = plan.reasons().isEmpty() || !strategy.equals(plan.strategy()) ? "" : " (" + plan.reasons().get(0) + ")";
        String section = field.contains(".") ? field.substring(0, field.indexOf('.')) : field;
        if (field.equals("groups")) {
            return (strategy.equals("vertical") || strategy.equals("secureboost") || strategy.equals("split")) && !joinedRun ? null
                    : "applies to vertical linear jobs (logistic, softmax, linear, poisson), split networks and boosted trees: a party made "
                    + "of several nodes trains no other way yet; this job plans as " + layout;
        }
        if (field.equals("warmStart")) {
            if (joinedRun || !(strategy.equals("vertical") || strategy.equals("split") || strategy.equals("horizontal"))) {
                return "applies to horizontal models, vertical linear models and split networks; this job plans as " + layout;
            }
            if (!job.groups().isEmpty()) return "does not apply to a job with parties made of several products (groups); they start afresh";
            if (job.model().type() == ModelSpec.Type.SOFTMAX) {
                return "does not apply to multinomial logistic regression, whose guest expands the softmax about the scores of the "
                        + "epoch before; it starts afresh";
            }
            if (job.model().type() == ModelSpec.Type.EXTERNAL) return "does not apply to an external model, whose trainer keeps its own state";
            return null;
        }
        if (section.equals("selection")) {
            if (strategy.equals("horizontal")) return null;
            if (!(strategy.equals("vertical") || strategy.equals("secureboost") || strategy.equals("split")) || joinedRun) {
                return "applies to horizontal, vertical linear, split-network and boosted-tree jobs; this job plans as " + layout;
            }
            return job.given().contains("evaluation.holdout") && job.evaluation().holdout() > 0
                    || !job.evaluation().products().isEmpty() || job.evaluation().outOfTime() != null ? null
                    : "of a " + strategy + " job needs held-out rows to select on (evaluation.holdout, evaluation.products or "
                    + "evaluation.outOfTime); on its training rows the last round would look best";
        }
        if (field.equals("evaluation.holdout") && (strategy.equals("vertical") || strategy.equals("secureboost") || strategy.equals("split"))
                && !joinedRun) {
            return null; // every vertical protocol holds out a seeded share of the aligned rows
        } else if ((field.equals("evaluation.products") || field.equals("evaluation.outOfTime")) && !joinedRun
                && (strategy.equals("vertical") || strategy.equals("secureboost") || strategy.equals("split"))) {
            return null; // vertical jobs score evaluation products, or out-of-time rows, aligned apart
        } else if (field.equals("evaluation.outOfTime")) {
            return "applies to vertical jobs (linear, split network, boosted trees); this job plans as " + layout + why;
        } else if (HORIZONTAL_ONLY.contains(section) && !strategy.equals("horizontal")) {
            return (field.equals("evaluation.holdout") ? "applies to horizontal and vertical jobs"
                    : field.equals("evaluation.products") ? "applies to horizontal and vertical jobs" : "applies to horizontal jobs")
                    + "; this job plans as " + layout + why;
        } else if (section.equals("vertical")) {
            boolean linked = strategy.equals("federated-factorized") || (strategy.equals("vertical") && joinedRun);
            if (!strategy.equals("vertical") && !linked) {
                return "applies to vertical training; this job plans as " + layout;
            } else if (linked && !VERTICAL_CRYPTO.contains(field) && !strategy.equals("vertical")) {
                return "does not apply to " + layout + ": its steps are set by joined.iterations, joined.lr, joined.l2 and "
                        + "joined.momentum; only " + VERTICAL_CRYPTO.stream().sorted().toList() + " apply";
            } else if (field.equals("vertical.momentum") && !job.vertical().optimizer().equals("sgd")) {
                return "applies to vertical.optimizer sgd; adam keeps its own moments";
            }
            return null;
        } else if (section.equals("split") && !strategy.equals("split")) {
            return "applies to split-network jobs (model.type splitnn); this job plans as " + layout;
        } else if (section.equals("boost") && !strategy.equals("secureboost")) {
            return "applies to boosted-tree jobs (model.type gbdt); this job plans as " + layout;
        } else if (section.equals("joined") && (!joinedRun || strategy.equals("vertical"))) {
            return joinedRun ? "applies to materialized, factorized and federated-factorized training; this job plans as " + layout
                    : "applies to training over a mesh integration's join (name it in 'integration'); this job plans as " + layout;
        } else if (field.equals("scaling") && !job.standardize() && !strategy.equals("horizontal")) {
            return "scaling none applies to horizontal jobs; " + layout + " always standardizes each party's own columns";
        }
        String problem = model(field, job.model());
        return problem == null && strategy.equals("horizontal") ? horizontal(field, job) : problem;
    }

    private static String model(String field, ModelSpec m) {
        String type = m.type().name().toLowerCase(Locale.ROOT);
        return switch (field) {
            case "model.hidden" -> m.type() == ModelSpec.Type.MLP ? null
                    : "applies to model type mlp, not " + type + (m.type() == ModelSpec.Type.SPLITNN ? " (use split.bottomHidden and split.topHidden)" : "");
            case "model.classes" -> m.type() == ModelSpec.Type.SOFTMAX || m.type() == ModelSpec.Type.MLP || m.task() == ModelSpec.Task.MULTICLASS ? null
                    : "applies to model types softmax and mlp and to gbdt with objective multiclass; " + type + " predicts a "
                    + m.task().name().toLowerCase(Locale.ROOT) + " target";
            case "split.bottomHidden", "split.topHidden", "split.activation", "split.embeddingDim", "split.categorical" ->
                    m.type() != ModelSpec.Type.EXTERNAL ? null : "applies to MeshFL's own split networks (model.type splitnn); an external "
                    + "split network's layers are its trainer's, declared in model.parameters";
            case "split.labelEpsilon" -> m.task() == ModelSpec.Task.BINARY ? null
                    : "randomized response protects binary labels; this job's are " + m.task().name().toLowerCase(Locale.ROOT);
            case "model.l2" -> "is read by no trainer; set the penalty where the training is: local.l2 (horizontal), vertical.l2, boost.l2 or joined.l2";
            default -> null;
        };
    }

    private static String horizontal(String field, JobSpec job) {
        String agg = job.aggregator().name();
        return switch (field) {
            case "aggregator.proximalMu" -> agg.equals("fedprox") ? null : "applies to aggregator fedprox, not " + agg;
            case "aggregator.serverLr", "aggregator.beta1", "aggregator.beta2", "aggregator.tau" ->
                    FEDOPT.contains(agg) ? null : "applies to aggregators fedadam and fedyogi, not " + agg;
            case "aggregator.trimBeta" -> agg.equals("trimmedmean") ? null : "applies to aggregator trimmedmean, not " + agg;
            case "local.momentum" -> job.local().optimizer().equals("sgd") ? null : "applies to local.optimizer sgd; adam keeps its own moments";
            case "evaluation.holdout" -> job.evaluation().products().isEmpty() ? null
                    : "does not apply when evaluation.products are named: the model is scored on those products, not on a holdout";
            default -> null;
        };
    }
}

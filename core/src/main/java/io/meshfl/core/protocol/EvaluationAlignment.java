package io.meshfl.core.protocol;

import io.meshfl.core.data.Dataset;
import io.meshfl.core.plan.JobSpec;
import io.meshfl.core.plan.Plan;
import io.meshfl.core.protocol.psi.PsiRunner;
import io.meshfl.core.protocol.psi.PsiSteps;

import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.BiFunction;
import java.util.function.Consumer;

/**
 * The evaluation entities of a vertical job (vertical linear, split network, boosted trees): with
 * {@code evaluation.products} the label holder's evaluation product and every other party's
 * evaluation product (or its training product) are aligned apart, in a slot of their own; with
 * {@code evaluation.outOfTime} every party's training product, the label holder offering only its
 * rows after the cut there and only the earlier ones in the training alignment. The evaluation
 * entities never train.
 */
public final class EvaluationAlignment {

    /** The alignment slot of the evaluation entities. */
    public static final String SLOT = "eval";

    private final JobSpec job;
    private final Plan plan;

    public EvaluationAlignment(JobSpec job, Plan plan) {
        this.job = job;
        this.plan = plan;
    }

    /** The job's out-of-time cut, or null. */
    public JobSpec.OutOfTime outOfTime() {
        return job.evaluation() == null ? null : job.evaluation().outOfTime();
    }

    /** Every party's product for the evaluation alignment, by domain; empty when the job scores no evaluation entities. */
    public Map<String, String> products() {
        Map<String, String> out = new LinkedHashMap<>();
        if (outOfTime() != null) {
            for (Plan.Participant p : plan.participants()) out.put(p.domain(), p.productId());
            return out;
        }
        if (plan.evaluation().isEmpty()) return out;
        for (Plan.Participant p : plan.participants()) {
            out.put(p.domain(), plan.evaluation().stream().filter(e -> e.domain().equals(p.domain())).map(Plan.Participant::productId)
                    .findFirst().orElse(p.productId()));
        }
        return out;
    }

    /** The parties of the training alignment from {@code party} of each participant: out of time, the label holder's earlier rows only. */
    public List<PsiRunner.Party> training(BiFunction<Plan.Participant, String, PsiRunner.Party> party) {
        Plan.Participant guest = plan.participants().get(0);
        JobSpec.OutOfTime o = outOfTime();
        return plan.participants().stream().map(p -> p == guest && o != null
                ? party.apply(p, p.productId()).within(new PsiRunner.Period(o.column(), o.after(), false))
                : party.apply(p, p.productId())).toList();
    }

    /**
     * Aligns the evaluation entities in {@link #SLOT}, after the label holder checked its evaluation
     * labels (a product of their own); the number aligned, or -1 when the job scores none.
     */
    public int align(PsiRunner psi, String jobId, String runId, Map<String, NodeChannel> byDomain, String protocol, Duration timeout,
                     Consumer<String> log, BiFunction<Plan.Participant, String, PsiRunner.Party> party) {
        Map<String, String> products = products();
        if (products.isEmpty()) return -1;
        Plan.Participant guest = plan.participants().get(0);
        JobSpec.OutOfTime o = outOfTime();
        if (o == null) {
            LabelCheck.ask(byDomain.get(guest.domain()), protocol, jobId, runId, products.get(guest.domain()), plan.label(),
                    plan.model().task(), plan.model().classes(), timeout);
        }
        int n = psi.run(jobId, runId, plan.participants().stream().map(p -> {
            PsiRunner.Party x = party.apply(p, products.get(p.domain()));
            return p == guest && o != null ? x.within(new PsiRunner.Period(o.column(), o.after(), true)) : x;
        }).toList(), false, SLOT).intersection();
        log.accept("evaluation: " + n + " entities of " + over() + " aligned with the other parties' products; they score the model "
                + "after every round and never train");
        return n;
    }

    /** What the evaluation rows are, for the log and the diagnostics. */
    public String over() {
        JobSpec.OutOfTime o = outOfTime();
        return o != null ? "out-of-time rows of " + plan.participants().get(0).productId() + " (" + o.column() + " after " + o.after() + ")"
                : "evaluation products' rows " + plan.evaluation().stream().map(Plan.Participant::productId).toList();
    }

    /** Tells a party's setup which product's rows of the evaluation entities it scores; nothing when the job scores none. */
    public void configure(Map<String, String> cfg, Plan.Participant p) {
        Map<String, String> products = products();
        if (products.isEmpty()) return;
        cfg.put("eval_product", products.get(p.domain()));
        cfg.put("eval_over", over());
    }

    /**
     * A split or boosted-tree party's rows: its aligned rows of its training product, then, when its
     * setup names an evaluation product, that product's rows of the entities aligned in {@link #SLOT},
     * which score the model as held-out rows and never train (a group member's sparsely: zero rows
     * where another member holds the entity).
     */
    public static Dataset append(Message setup, NodeContext ctx, Dataset rows, List<String> features, String label) {
        int[] evalRows = evaluationRows(setup, ctx);
        if (evalRows == null) return rows;
        String product = setup.cfg("eval_product");
        return Dataset.concat(List.of(rows, setup.cfg("group", null) == null ? ctx.loadRows(product, features, label, evalRows)
                : ctx.loadSparse(product, features, label, evalRows)));
    }

    /**
     * {@code rows} followed by the party's rows of the evaluation entities, kept where the node's engine keeps them, when its
     * setup names an evaluation product (a party that is not a group member); {@code rows} as they are otherwise.
     */
    public static io.meshfl.core.data.AlignedRows append(Message setup, NodeContext ctx, io.meshfl.core.data.AlignedRows rows,
                                                         List<String> features, String label) {
        int[] evalRows = evaluationRows(setup, ctx);
        if (evalRows == null) return rows;
        try (io.meshfl.core.data.AlignedRows ev = ctx.alignedRows(setup.cfg("eval_product"), features, label, evalRows)) {
            return rows.concat(ev);
        } finally {
            rows.close();
        }
    }

    /** {@code aligned} followed by the party's rows of the evaluation entities, when its setup names an evaluation product. */
    public static int[] withEvaluationRows(Message setup, NodeContext ctx, int[] aligned) {
        int[] evalRows = evaluationRows(setup, ctx);
        if (evalRows == null) return aligned;
        int[] out = java.util.Arrays.copyOf(aligned, aligned.length + evalRows.length);
        System.arraycopy(evalRows, 0, out, aligned.length, evalRows.length);
        return out;
    }

    private static int[] evaluationRows(Message setup, NodeContext ctx) {
        String product = setup.cfg("eval_product", null);
        if (product == null) return null;
        Map<String, Object> job = ctx.jobState(setup.jobId());
        int[] evalRows = (int[]) job.get(PsiSteps.slotted(PsiSteps.ALIGNED_ROWS, SLOT));
        if (evalRows == null || !product.equals(job.get(PsiSteps.slotted(PsiSteps.ALIGNED_PRODUCT, SLOT)))) {
            throw new io.meshfl.core.MeshflException(io.meshfl.core.ErrorCode.OUT_OF_ORDER, setup.protocol() + " setup for evaluation product "
                    + product + " arrived before its alignment");
        }
        return evalRows;
    }
}

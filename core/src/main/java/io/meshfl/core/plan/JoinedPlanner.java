package io.meshfl.core.plan;

import io.meshfl.core.ErrorCode;
import io.meshfl.core.MeshflException;
import io.meshfl.core.contract.DataContract;
import io.meshfl.core.integration.Cardinality;
import io.meshfl.core.integration.ColumnMapping;
import io.meshfl.core.integration.Integration;
import io.meshfl.core.integration.JoinPlan;
import io.meshfl.core.integration.JoinStep;
import io.meshfl.core.model.ModelSpec;
import io.meshfl.core.plan.cost.CostModel;
import io.meshfl.core.plan.cost.Workload;

import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * Plans a job over the join a mesh integration describes: checks the products, label and
 * features against the integration and every product's policy, prices building the join
 * (materialized) against training over its sources (factorized) with the {@link CostModel}, rules
 * out what a policy forbids, naming each policy, and picks the cheaper of what is left.
 */
final class JoinedPlanner {

    private JoinedPlanner() {
    }

    static Plan plan(JobSpec job, Map<String, Planner.ProductView> catalog, Integration in, CostModel cost, String costOrigin) {
        String file = job.sourceFile();
        JoinPlan jp = in.plan();
        if (!new LinkedHashSet<>(job.products()).equals(new LinkedHashSet<>(jp.products()))) {
            throw new MeshflException(ErrorCode.PLAN_REFUSED, file + ": products: integration " + in.id() + " joins " + jp.products()
                    + "; the job names " + job.products());
        }
        ModelSpec.Type type = job.model().type();
        if (type != ModelSpec.Type.LOGISTIC && type != ModelSpec.Type.LINEAR) {
            throw new MeshflException(ErrorCode.PLAN_REFUSED, file + ": model.type: training over a join supports logistic and linear "
                    + "regression, not " + type.name().toLowerCase(Locale.ROOT));
        }
        Map<String, DataContract> contracts = new java.util.HashMap<>();
        for (String id : jp.products()) contracts.put(id, Planner.require(catalog, id, job).contract());
        DataContract base = contracts.get(jp.base());
        ColumnMapping label = in.columns().stream().filter(m -> m.target().equals(job.label())).findFirst().orElseThrow(() ->
                new MeshflException(ErrorCode.PLAN_REFUSED, file + ": label: integration " + in.id() + " maps no column to '" + job.label()
                        + "'; its target columns: " + in.columns().stream().map(ColumnMapping::target).toList()));
        if (!label.source().product().equals(jp.base()) || !label.source().column().equals(base.policy().label())) {
            throw new MeshflException(ErrorCode.PLAN_REFUSED, file + ": label: '" + job.label() + "' comes from " + label.source().product()
                    + "." + label.source().column() + "; it must be the declared label (meshfl.label) of the base product " + jp.base());
        }
        List<String> features = new ArrayList<>();
        for (ColumnMapping m : in.columns()) if (!m.target().equals(job.label())) features.add(m.target());
        if (!job.features().isEmpty()) {
            for (String f : job.features()) {
                if (!features.contains(f)) {
                    throw new MeshflException(ErrorCode.PLAN_REFUSED, file + ": features: '" + f + "' is no target column of integration "
                            + in.id() + " (" + features + ")");
                }
            }
            features = List.copyOf(job.features());
        }
        for (ColumnMapping m : in.columns()) {
            if (!features.contains(m.target())) continue;
            DataContract c = contracts.get(m.source().product());
            if (!c.featureColumns().contains(m.source().column())) {
                throw new MeshflException(ErrorCode.PLAN_REFUSED, file + ": feature '" + m.target() + "': product " + c.id() + " "
                        + Planner.whyNot(c, m.source().column()));
            }
        }

        List<Plan.Participant> parts = new ArrayList<>();
        List<String> blocked = new ArrayList<>();
        long n0 = -1;
        int d0 = 0;
        long nk = 0;
        int dk = 0;
        int dims = 0;
        for (String id : jp.products()) {
            DataContract c = contracts.get(id);
            long rows = Planner.require(catalog, id, job).rows();
            List<String> cols = feeds(jp, id, features);
            boolean isBase = id.equals(jp.base());
            parts.add(new Plan.Participant(id, c.domain(), c.version(), rows, isBase ? "base" : "dimension", cols));
            if (!c.policy().rawRowsMayLeave()) blocked.add("meshfl.rawRowsMayLeave=false of " + id + " (" + c.sourceFile() + ")");
            if (isBase) {
                n0 = rows;
                d0 = cols.size();
            } else {
                dims++;
                nk = rows < 0 || nk < 0 ? -1 : nk + rows;
                dk += cols.size();
            }
        }
        Set<String> domains = new LinkedHashSet<>();
        for (Plan.Participant p : parts) domains.add(p.domain());

        int iterations = job.joined().iterations();
        boolean known = n0 > 0 && (dims == 0 || nk > 0);
        Workload w = known ? new Workload(n0, d0, dims == 0 ? n0 : Math.max(1, nk / dims), dims == 0 ? 0 : Math.max(1, dk / dims),
                Math.max(1, dims), iterations) : null;
        double mat = w == null ? 0 : cost.materializedSeconds(w);
        double fac = w == null ? 0 : cost.factorizedSeconds(w);
        double shipped = known ? 8.0 * (n0 * (d0 + 1) + (dims == 0 ? 0 : nk * Math.max(1, dk / dims))) : 0;
        String rowsRule = blocked.isEmpty() ? null : "raw rows may not leave their domains: " + String.join("; ", blocked);
        String manyToOne = jp.steps().stream().filter(s -> s.relationship().cardinality() == Cardinality.MANY_TO_ONE)
                .map(s -> s.relationship().name()).findFirst().orElse(null);

        List<Plan.Candidate> candidates = new ArrayList<>();
        candidates.add(new Plan.Candidate("materialized", rowsRule == null, rowsRule, shipped, mat));
        candidates.add(new Plan.Candidate("factorized", rowsRule == null, rowsRule, shipped, fac));
        String federatedRule = federatedFactorizable(jp, contracts);
        double fed = !known ? 0 : io.meshfl.core.plan.cost.RunOverheads.start(n0, parts.size())
                + iterations * federatedIterationSeconds(parts, job.vertical().keyBits(), cost);
        double fedBytes = 0;
        for (Plan.Participant p : parts) if (!p.productId().equals(jp.base()) && p.rows() > 0) fedBytes += 2.0 * p.rows() * job.vertical().keyBits() / 4;
        candidates.add(new Plan.Candidate("federated-factorized", federatedRule == null, federatedRule, fedBytes, fed));
        candidates.add(new Plan.Candidate("vertical", false, manyToOne != null
                ? "relationship '" + manyToOne + "' is many-to-one; vertical training aligns one entity per row in every product"
                : rowsRule == null ? "the rows may be joined in one place, which is cheaper than encrypted vertical training"
                : String.valueOf(oneToOneOnEntityKeys(jp, contracts)), 0, 0));
        candidates.add(new Plan.Candidate("horizontal", false, "the products hold different columns, joined by keys", 0, 0));

        String strategy = job.strategy();
        String entityKeysOnly = oneToOneOnEntityKeys(jp, contracts);
        if (strategy.equals("federated-factorized") || (strategy.equals("auto") && rowsRule != null && entityKeysOnly != null
                && federatedRule == null)) {
            if (federatedRule != null) {
                throw new MeshflException(ErrorCode.PLAN_REFUSED, file + ": strategy: federated-factorized training cannot run over "
                        + "integration " + in.id() + ": " + federatedRule);
            }
            return federated(job, jp, label.source().column(), parts, features, candidates, w, fed, costOrigin, rowsRule);
        }
        if (strategy.equals("vertical") || (strategy.equals("auto") && rowsRule != null && entityKeysOnly == null)) {
            if (entityKeysOnly != null) {
                throw new MeshflException(ErrorCode.PLAN_REFUSED, file + ": strategy: vertical training aligns products one-to-one on "
                        + "their entity keys; " + entityKeysOnly);
            }
            return vertical(job, catalog, jp, features, candidates, rowsRule, cost);
        }
        if (strategy.equals("materialized") || strategy.equals("factorized")) {
            if (rowsRule != null) {
                throw new MeshflException(ErrorCode.PLAN_REFUSED, file + ": strategy: " + strategy + " training joins the rows in one place, "
                        + "which the products' policies forbid: " + String.join("; ", blocked));
            }
        } else if (strategy.equals("auto")) {
            if (rowsRule != null) {
                throw new MeshflException(ErrorCode.PLAN_REFUSED, file + ": no strategy can train over integration " + in.id()
                        + " under its products' policies: materialized and factorized training need the rows in one place, which "
                        + String.join("; ", blocked) + " forbid(s); federated-factorized: " + federatedRule
                        + "; vertical: " + candidate(candidates, "vertical").ruledOutBy()
                        + "; horizontal: " + candidate(candidates, "horizontal").ruledOutBy());
            }
            strategy = !known ? (jp.steps().isEmpty() ? "materialized" : "factorized") : fac < mat ? "factorized" : "materialized";
        } else {
            throw new MeshflException(ErrorCode.PLAN_REFUSED, file + ": strategy: '" + strategy + "' does not train over a mesh integration's "
                    + "join; use auto, materialized or factorized");
        }

        List<String> reasons = new ArrayList<>();
        StringBuilder layout = new StringBuilder("integration " + in.id() + " v" + in.version() + ": one row per row of " + jp.base());
        for (JoinStep s : jp.steps()) {
            layout.append(", joined ").append(s.product()).append(" (").append(s.relationship().cardinality().name().toLowerCase(Locale.ROOT)
                    .replace('_', '-')).append(" on ").append(s.parentKey().column()).append(" = ").append(s.childKey().column()).append(')');
        }
        reasons.add(layout.toString());
        if (w != null) {
            reasons.add(String.format(Locale.ROOT, "tuple ratio %.1f, feature ratio %.2f: predicted %.3f s materialized (building %d x %d), "
                            + "%.3f s factorized, %d iterations (cost model constants of %s)", w.tupleRatio(),
                    w.featureRatio(), mat, n0, features.size(), fac, iterations, costOrigin));
        } else {
            reasons.add("row counts unknown: no cost estimate; " + strategy + " chosen by layout");
        }
        reasons.add("every product lets its rows leave its domain (meshfl.rawRowsMayLeave): the rows are joined on the coordinator "
                + "for this run only and dropped afterwards");
        return new Plan(strategy, "joined-gd", parts, List.of(), features, job.label(), job.model(), features.size() + 1, iterations,
                candidates, reasons);
    }

    private static Plan.Candidate candidate(List<Plan.Candidate> cs, String strategy) {
        return cs.stream().filter(c -> c.strategy().equals(strategy)).findFirst().orElseThrow();
    }

    /**
     * Null if the join can be trained with its sources staying in their domains, else why not: a
     * star (every relationship leaves the base product), each product in a domain of its own (a
     * party per domain).
     */
    static String federatedFactorizable(JoinPlan jp, Map<String, DataContract> contracts) {
        Set<String> domains = new java.util.HashSet<>();
        for (String id : jp.products()) {
            if (!domains.add(contracts.get(id).domain())) {
                return "two of its products are in domain '" + contracts.get(id).domain() + "'; each product must be a party of its own";
            }
        }
        for (JoinStep s : jp.steps()) {
            if (!s.parentKey().product().equals(jp.base())) {
                return "relationship '" + s.relationship().name() + "' joins " + s.product() + " through " + s.parentKey().product()
                        + ", not the base product " + jp.base() + " (only star joins are trained without moving rows)";
            }
        }
        if (jp.steps().isEmpty()) return "the integration joins no second product";
        return null;
    }

    /**
     * Seconds of one federated-factorized iteration: encrypted work over the base rows and its own
     * columns on the label holder, over each product's own rows and columns on the others; priced
     * with the vertical constant of the reference machine, scaled by the key size squared; plus each
     * joined product's encrypted partial scores and an iteration's calls ({@link io.meshfl.core.plan.cost.RunOverheads}).
     */
    static double federatedIterationSeconds(List<Plan.Participant> parts, int keyBits, CostModel cost) {
        double s = 0;
        for (Plan.Participant p : parts) {
            if (p.rows() < 0) return 0;
            s += cost.encryptedSeconds(p.rows(), p.features().size() + (p.role().equals("base") ? 1 : 0), keyBits);
            if (!p.role().equals("base")) s += io.meshfl.core.plan.cost.RunOverheads.verticalEpoch(p.rows(), 2, keyBits);
        }
        return s + io.meshfl.core.plan.cost.RunOverheads.calls(7);
    }

    /**
     * A star join whose sources keep their rows: the base product's domain holds the label and acts
     * as guest, every joined product as host; the coordinator is the Paillier arbiter.
     */
    private static Plan federated(JobSpec job, JoinPlan jp, String labelColumn, List<Plan.Participant> joinedParts, List<String> features,
                                  List<Plan.Candidate> candidates, Workload w, double seconds, String costOrigin, String rowsRule) {
        List<Plan.Participant> parts = new ArrayList<>();
        for (Plan.Participant p : joinedParts) {
            boolean base = p.productId().equals(jp.base());
            Plan.Participant q = new Plan.Participant(p.productId(), p.domain(), p.version(), p.rows(), base ? "guest" : "host", p.features());
            if (base) parts.add(0, q);
            else parts.add(q);
        }
        List<String> reasons = new ArrayList<>();
        reasons.add("federated-factorized: " + jp.base() + " (label holder) and " + jp.products().stream().filter(id -> !id.equals(jp.base())).toList()
                + " keep their rows" + (rowsRule == null ? "" : " (" + rowsRule + ")") + "; the join is never built");
        reasons.add("the join keys are aligned by private set intersection, value by value: each side learns which of its key values "
                + "match, the coordinator only the counts");
        reasons.add("per iteration each joined product computes its partial scores once per own row and sends them as Paillier-"
                + job.vertical().keyBits() + " ciphertexts (sealed) to the label holder, which picks them up through the join index, "
                + "sums the encrypted residuals per row of each product and sends them back re-randomized; the coordinator (arbiter) "
                + "decrypts masked gradients only; logistic loss through its Taylor expansion (as vertical training)");
        if (w != null) {
            reasons.add(String.format(Locale.ROOT, "tuple ratio %.1f: predicted %.1f s for %d full-batch iterations (encrypted-work constant "
                    + "of %s, key size squared); the local strategies would take %.3f s (materialized) and %.3f s "
                    + "(factorized, cost model of %s) if the rows could move", w.tupleRatio(), seconds, job.joined().iterations(), costOrigin,
                    candidate(candidates, "materialized").estSeconds(), candidate(candidates, "factorized").estSeconds(), costOrigin));
        }
        return new Plan("federated-factorized", "arbiter-paillier", parts, List.of(), features, labelColumn, job.model(),
                features.size() + 1, job.joined().iterations(), candidates, reasons);
    }

    /** Null if every relationship joins one-to-one on both products' entity keys, else why not. */
    private static String oneToOneOnEntityKeys(JoinPlan jp, Map<String, DataContract> contracts) {
        for (JoinStep s : jp.steps()) {
            if (s.relationship().cardinality() != Cardinality.ONE_TO_ONE) {
                return "relationship '" + s.relationship().name() + "' is many-to-one";
            }
            for (var ref : List.of(s.parentKey(), s.childKey())) {
                String key = contracts.get(ref.product()).policy().entityKey();
                if (!ref.column().equals(key)) {
                    return "relationship '" + s.relationship().name() + "' joins on " + ref.product() + "." + ref.column()
                            + ", not its entity key (" + key + ")";
                }
            }
        }
        return null;
    }

    /**
     * Products joined one-to-one on their entity keys that may not pool their rows train as a
     * vertical job: the same products, each contributing the columns the integration maps.
     */
    private static Plan vertical(JobSpec job, Map<String, Planner.ProductView> catalog, JoinPlan jp, List<String> features,
                                 List<Plan.Candidate> joinedCandidates, String rowsRule, CostModel cost) {
        JobSpec asVertical = new JobSpec(job.name(), jp.products(), job.label(), List.of(), job.model(), "vertical", job.aggregator(),
                job.local(), job.rounds(), job.evaluation(), job.roundTimeoutSeconds(), job.seed(), job.standardize(), job.sourceFile(),
                job.vertical(), job.split(), job.boost(), null, job.joined(), job.privacy(), null, java.util.Set.of(), job.pins());
        Plan v = Planner.plan(asVertical, catalog);
        List<Plan.Participant> parts = new ArrayList<>();
        List<String> all = new ArrayList<>();
        for (Plan.Participant p : v.participants()) {
            List<String> mapped = feeds(jp, p.productId(), features);
            parts.add(new Plan.Participant(p.productId(), p.domain(), p.version(), p.rows(), p.role(), mapped));
            for (String f : mapped) all.add(p.domain() + ":" + f);
        }
        Plan.Candidate chosen = v.candidates().stream().filter(c -> c.strategy().equals("vertical")).findFirst().orElseThrow();
        List<Plan.Candidate> candidates = new ArrayList<>();
        for (Plan.Candidate c : joinedCandidates) {
            if (c.strategy().equals("vertical")) {
                long rows = parts.get(0).rows();
                candidates.add(new Plan.Candidate("vertical", true, null, chosen.estBytesPerRound(),
                        rows < 0 ? 0 : cost.encryptedSeconds(rows, all.size() + 1, job.vertical().keyBits())));
            } else {
                candidates.add(c);
            }
        }
        List<String> reasons = new ArrayList<>(v.reasons());
        reasons.add(0, "the products are joined one-to-one on their entity keys"
                + (rowsRule == null ? "" : " and may not pool their rows (" + rowsRule + ")") + ": trained vertically, "
                + "rows staying in their domains; estimated time is per epoch (encrypted-work constant of the cost model)");
        return new Plan("vertical", v.aggregator(), parts, List.of(), all, v.label(), v.model(), all.size() + 1, v.rounds(), candidates,
                reasons);
    }

    /** The source columns of {@code product} that feed {@code features}, in mapping order. */
    private static List<String> feeds(JoinPlan jp, String product, List<String> features) {
        return jp.feed(product).map(f -> f.columns().stream().filter(m -> features.contains(m.target()))
                .map(m -> m.source().column()).toList()).orElse(List.of());
    }
}

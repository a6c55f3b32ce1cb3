package io.meshfl.core.plan;

import io.meshfl.core.ErrorCode;
import io.meshfl.core.MeshflException;
import io.meshfl.core.contract.DataContract;
import io.meshfl.core.integration.Integration;
import io.meshfl.core.model.ModelSpec;
import io.meshfl.core.model.Models;

import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

/**
 * Decides how a job runs from the job and the contracts of the products it names: checks that
 * every product is known and that the label and features are allowed by each product's policy,
 * detects the layout (same columns for different rows: horizontal; same entities with different
 * columns: vertical), estimates costs and explains the choice.
 */
public final class Planner {

    /** A product's contract and row count (-1 when unknown), as the catalog knows them. */
    public record ProductView(DataContract contract, long rows) {
    }

    private Planner() {
    }

    public static Plan plan(JobSpec job, Map<String, ProductView> catalog) {
        return plan(job, catalog, id -> {
            throw new MeshflException(ErrorCode.CATALOG_NOT_FOUND, job.sourceFile() + ": integration: '" + id
                    + "' is not registered; register it with 'meshfl integrate --mesh FILE'");
        });
    }

    /** Plans a job; {@code integrations} resolves the mesh integration a job may name. */
    public static Plan plan(JobSpec job, Map<String, ProductView> catalog, java.util.function.Function<String, Integration> integrations) {
        return plan(job, catalog, integrations, io.meshfl.core.plan.cost.CostModel.REFERENCE, "the reference machine");
    }

    /**
     * Plans a job, pricing joins with {@code cost}; {@code costOrigin} says where its constants
     * come from, for the EXPLAIN.
     */
    public static Plan plan(JobSpec job, Map<String, ProductView> catalog, java.util.function.Function<String, Integration> integrations,
                            io.meshfl.core.plan.cost.CostModel cost, String costOrigin) {
        Plan plan = ProtocolPolicies.admit(layout(job, catalog, integrations, cost, costOrigin), job, catalog);
        return Applicability.check(job, plan);
    }

    private static Plan layout(JobSpec job, Map<String, ProductView> catalog, java.util.function.Function<String, Integration> integrations,
                               io.meshfl.core.plan.cost.CostModel cost, String costOrigin) {
        PrivacyPlanning.admit(job, catalog);
        if (job.model().type() == ModelSpec.Type.EXTERNAL && (job.integration() != null
                || !(job.strategy().equals("auto") || job.strategy().equals("horizontal") || job.strategy().equals("split")))) {
            refuseExternal(job, job.integration() != null ? "training over the join of mesh integration " + job.integration()
                    : "strategy " + job.strategy());
        }
        if (job.secureAggregation() != null && job.integration() != null) refuseSecureAggregation(job, "training over the join of a mesh integration");
        if (job.integration() != null) return JoinedPlanner.plan(job, catalog, integrations.apply(job.integration()), cost, costOrigin);
        if (job.strategy().equals("materialized") || job.strategy().equals("factorized")) {
            throw new MeshflException(ErrorCode.PLAN_REFUSED, job.sourceFile() + ": strategy: '" + job.strategy()
                    + "' trains over the join of a mesh integration; name one in 'integration'");
        }
        List<ProductView> products = new ArrayList<>();
        Set<String> domains = new LinkedHashSet<>();
        for (String id : job.products()) {
            ProductView v = require(catalog, id, job);
            if (!domains.add(v.contract().domain())) {
                throw new MeshflException(ErrorCode.PLAN_REFUSED, job.sourceFile() + ": products: domain '" + v.contract().domain()
                        + "' appears twice among the training products; a job takes one product per domain");
            }
            products.add(v);
        }
        List<ProductView> holders = products.stream().filter(v -> job.label().equals(v.contract().policy().label())).toList();
        String policy = rawRowsPolicy(products);
        boolean horizontalLayout = holders.size() == products.size();
        String strategy = job.strategy();
        if (strategy.equals("auto")) {
            if (horizontalLayout) {
                strategy = "horizontal";
            } else if (holders.size() == 1 && products.size() > 1) {
                strategy = verticalStrategy(job.model().type());
            } else if (holders.isEmpty()) {
                throw new MeshflException(ErrorCode.PLAN_REFUSED, job.sourceFile() + ": label: no product declares '" + job.label()
                        + "' as its label (meshfl.label); declared labels: " + products.stream()
                        .map(v -> v.contract().id() + "=" + v.contract().policy().label()).toList());
            } else {
                throw new MeshflException(ErrorCode.PLAN_REFUSED, job.sourceFile() + ": " + holders.size() + " of " + products.size()
                        + " products declare the label '" + job.label() + "': neither horizontal (all do) nor vertical (exactly one does)");
            }
        }
        if (job.model().type() == ModelSpec.Type.EXTERNAL && !strategy.equals("horizontal") && !strategy.equals("split")) {
            refuseExternal(job, "these products, laid out vertically (one of them holds the label '" + job.label() + "'),");
        }
        boolean treeOrSplit = job.model().type() == ModelSpec.Type.SPLITNN || job.model().type() == ModelSpec.Type.GBDT;
        if (strategy.equals("horizontal") && treeOrSplit) {
            throw new MeshflException(ErrorCode.PLAN_REFUSED, job.sourceFile() + ": model.type: "
                    + job.model().type().name().toLowerCase(java.util.Locale.ROOT) + " trains over columns spread across domains "
                    + "(one label holder, others with other columns of the same entities); these products are laid out horizontally");
        }
        PrivacyPlanning.requireHorizontal(job, strategy);
        if (job.secureAggregation() != null && !strategy.equals("horizontal")) refuseSecureAggregation(job, strategy + " training");
        return strategy.equals("horizontal") ? horizontal(job, catalog, products, domains, policy) : vertical(job, catalog, strategy, products, holders, policy, cost);
    }

    /** An external model trains horizontally, or as a split network over a vertical layout: any other way is refused, never replaced. */
    private static void refuseExternal(JobSpec job, String what) {
        throw new MeshflException(ErrorCode.PLAN_REFUSED, job.sourceFile() + ": model.type: an external model (trainer '"
                + job.model().trainer() + "') trains with the horizontal strategy (every product holds the label) or as a split "
                + "network (one product holds it); " + what + " would need another protocol, which external trainers do not speak yet");
    }

    /** The vertical protocol that trains a model type. */
    private static String verticalStrategy(ModelSpec.Type type) {
        return switch (type) {
            case SPLITNN, EXTERNAL -> "split";
            case GBDT -> "secureboost";
            default -> "vertical";
        };
    }

    private static Plan horizontal(JobSpec job, Map<String, ProductView> catalog, List<ProductView> products, Set<String> domains,
                                   String policy) {
        List<Plan.Participant> train = new ArrayList<>();
        List<DataContract> contracts = new ArrayList<>();
        for (ProductView v : products) {
            DataContract c = v.contract();
            contracts.add(c);
            train.add(new Plan.Participant(c.id(), c.domain(), c.version(), v.rows()));
        }
        List<Plan.Participant> eval = new ArrayList<>();
        for (String id : job.evaluation().products()) {
            ProductView v = require(catalog, id, job);
            DataContract c = v.contract();
            if (!domains.contains(c.domain())) {
                throw new MeshflException(ErrorCode.PLAN_REFUSED, job.sourceFile() + ": evaluation.products: '" + id
                        + "' belongs to domain '" + c.domain() + "', which has no training product in this job " + domains);
            }
            contracts.add(c);
            eval.add(new Plan.Participant(c.id(), c.domain(), c.version(), v.rows(), "evaluate", List.of()));
        }
        for (DataContract c : contracts) {
            if (!job.label().equals(c.policy().label())) {
                throw new MeshflException(ErrorCode.PLAN_REFUSED, job.sourceFile() + ": label '" + job.label()
                        + "' is not the declared label of product " + c.id() + " (contract " + c.sourceFile()
                        + " declares meshfl.label: " + c.policy().label() + "); a horizontal job needs it in every product");
            }
        }
        List<String> features = job.features().isEmpty() ? commonFeatures(contracts) : job.features();
        if (features.isEmpty()) {
            throw new MeshflException(ErrorCode.PLAN_REFUSED, job.sourceFile() + ": the products share no allowed feature column");
        }
        for (DataContract c : contracts) {
            for (String f : features) {
                if (!c.featureColumns().contains(f)) {
                    throw new MeshflException(ErrorCode.PLAN_REFUSED, job.sourceFile() + ": features: product " + c.id() + " " + whyNot(c, f));
                }
            }
        }
        int numParams = Models.create(job.model(), features.size()).numParams();
        int nodes = domains.size();
        double bytesPerRound = 2.0 * 8 * numParams * nodes;
        List<Plan.Candidate> candidates = new ArrayList<>();
        candidates.add(new Plan.Candidate("centralized", false, policy != null ? policy : "materialized training is not offered for jobs yet", 0, 0));
        long largest = products.stream().mapToLong(ProductView::rows).max().orElse(0);
        long total = products.stream().mapToLong(v -> Math.max(0, v.rows())).sum();
        double seconds = io.meshfl.core.plan.cost.RunOverheads.horizontal(job.rounds(), total, Math.max(0, largest), job.local().epochs(), numParams);
        candidates.add(new Plan.Candidate("horizontal", true, null, bytesPerRound, seconds));
        candidates.add(new Plan.Candidate("vertical", false, "every product holds the label '" + job.label() + "': the rows differ, not the columns", 0, 0));
        List<String> reasons = new ArrayList<>();
        reasons.add("every product holds the label '" + job.label() + "' and the same " + features.size()
                + " feature columns for different rows: a horizontal layout");
        reasons.add("only model parameters and aggregate sums leave a domain: " + numParams + " parameters x "
                + nodes + " node(s) x 2 directions per round");
        if (policy != null) reasons.add("raw rows may not move (" + policy + ")");
        if (job.privacy() != null) reasons.add(PrivacyPlanning.check(job, products.stream().map(ProductView::contract).toList()));
        if (job.secureAggregation() != null) reasons.add(secureAggregation(job, nodes));
        List<String> warnings = new ArrayList<>();
        if (job.features().isEmpty()) leftOut(contracts, features).ifPresent(warnings::add);
        if (job.privacy() != null) PrivacyPlanning.noiseWarning(job, nodes, numParams).ifPresent(warnings::add);
        return new Plan("horizontal", job.aggregator().name(), train, eval, features, job.label(), job.model(),
                numParams, job.rounds(), candidates, reasons, warnings);
    }

    private static Plan vertical(JobSpec job, Map<String, ProductView> catalog, String strategy, List<ProductView> products,
                                 List<ProductView> holders, String policy, io.meshfl.core.plan.cost.CostModel machine) {
        if (holders.size() != 1) {
            throw new MeshflException(ErrorCode.PLAN_REFUSED, job.sourceFile() + ": a vertical job needs exactly one product holding the label '"
                    + job.label() + "', found " + holders.stream().map(v -> v.contract().id()).toList());
        }
        if (products.size() < 2) {
            throw new MeshflException(ErrorCode.PLAN_REFUSED, job.sourceFile() + ": a vertical job needs at least two products");
        }
        ModelSpec.Type type = job.model().type();
        String typeName = type.name().toLowerCase(java.util.Locale.ROOT);
        switch (strategy) {
            case "split" -> {
                if (type != ModelSpec.Type.SPLITNN && type != ModelSpec.Type.EXTERNAL) {
                    throw new MeshflException(ErrorCode.PLAN_REFUSED, job.sourceFile() + ": model.type: strategy split trains model "
                            + "types splitnn and external, not " + typeName);
                }
            }
            case "secureboost" -> {
                if (type != ModelSpec.Type.GBDT) {
                    throw new MeshflException(ErrorCode.PLAN_REFUSED, job.sourceFile() + ": model.type: strategy secureboost trains "
                            + "model type gbdt, not " + typeName);
                }
            }
            default -> {
                if (type != ModelSpec.Type.LOGISTIC && type != ModelSpec.Type.SOFTMAX && type != ModelSpec.Type.LINEAR
                        && type != ModelSpec.Type.POISSON) {
                    throw new MeshflException(ErrorCode.PLAN_REFUSED, job.sourceFile() + ": model.type: vertical training supports "
                            + "logistic, softmax, linear and poisson regression (splitnn with strategy split, gbdt with strategy secureboost), not "
                            + typeName);
                }
            }
        }
        boolean evaluationApart = !job.evaluation().products().isEmpty() || job.evaluation().outOfTime() != null;
        if (evaluationApart && !strategy.equals("vertical") && job.given().contains("evaluation.holdout")) {
            // a split network or boosted trees score one set of rows after the training rows: held-out rows or the evaluation entities
            throw new MeshflException(ErrorCode.PLAN_REFUSED, job.sourceFile() + ": evaluation.holdout: a " + strategy + " job is scored on "
                    + "held-out rows or on evaluation entities aligned apart; give evaluation.holdout or evaluation."
                    + (job.evaluation().outOfTime() != null ? "outOfTime" : "products") + ", not both");
        }
        DataContract guest = holders.get(0).contract();
        List<ProductView> ordered = new ArrayList<>();
        ordered.add(holders.get(0));
        for (ProductView v : products) if (v != holders.get(0)) ordered.add(v);
        List<Plan.Participant> parts = new ArrayList<>();
        List<String> all = new ArrayList<>();
        Set<String> used = new LinkedHashSet<>();
        for (ProductView v : ordered) {
            DataContract c = v.contract();
            if (c.policy().entityKey() == null) {
                throw new MeshflException(ErrorCode.PLAN_REFUSED, job.sourceFile() + ": product " + c.id()
                        + " declares no entity key (meshfl.entityKey); vertical alignment needs one in every product");
            }
            List<String> mine = new ArrayList<>();
            String group = job.groupOf(c.id());
            // a group's members share one set of weights: its columns count once, under the party's name
            boolean counted = group != null && parts.stream().anyMatch(p -> group.equals(p.group()));
            for (String f : job.features().isEmpty() ? c.featureColumns() : job.features()) {
                if (!f.equals(job.label()) && c.featureColumns().contains(f)) {
                    mine.add(f);
                    used.add(f);
                    if (!counted) all.add((group == null ? c.domain() : group) + ":" + f);
                }
            }
            parts.add(new Plan.Participant(c.id(), c.domain(), c.version(), v.rows(), c == guest ? "guest" : "host", mine, job.groupOf(c.id())));
        }
        String groups = PartyGroups.check(job, catalog, parts);
        if (type == ModelSpec.Type.EXTERNAL) ExternalSplitPlanning.check(job, parts);
        for (String f : job.features()) {
            if (!used.contains(f)) {
                throw new MeshflException(ErrorCode.PLAN_REFUSED, job.sourceFile() + ": features: no product allows '" + f + "' as a feature; "
                        + products.stream().map(v -> v.contract().id() + " " + whyNot(v.contract(), f)).toList());
            }
        }
        List<Plan.Participant> eval = evaluationProducts(job, catalog, parts);
        JobSpec.OutOfTime outOfTime = outOfTime(job, strategy, guest);
        int hosts = parts.size() - 1;
        long rows = holders.get(0).rows();
        // the entities that train are at most the smallest party's (a group's members together); the alignment reads every key
        java.util.Map<String, Long> partyRows = new java.util.LinkedHashMap<>();
        for (Plan.Participant p : parts) partyRows.merge(p.group() == null ? "product " + p.productId() : "group " + p.group(), p.rows(), Long::sum);
        long common = rows;
        for (long r : partyRows.values()) if (r >= 0) common = Math.min(common, r);
        long n = Math.max(1, common);
        double keys = io.meshfl.core.plan.cost.RunOverheads.keys(parts, n);
        VerticalCosts.Cost cost = switch (strategy) {
            case "split" -> VerticalCosts.split(job, guest, parts, n);
            case "secureboost" -> VerticalCosts.boost(job, parts, n, machine);
            // a group member's gradient share multiplies only its own rows (the others are zero and skipped), though it encrypts
            // its scores for every aligned row (priced per party by the cost model)
            default -> VerticalCosts.linear(job, job.model().outputs() * (all.size() + 1), (int) Math.ceil(job.model().outputs()
                    * (1 + parts.stream().mapToDouble(p -> p.features().size() * (p.group() == null ? 1 : Math.min(1, (double) p.rows() / n)))
                    .sum())), parts.size(), n, keys, machine);
        };
        List<Plan.Candidate> candidates = new ArrayList<>();
        candidates.add(new Plan.Candidate("centralized", false, policy != null ? policy : "materialized training is not offered for jobs yet", 0, 0));
        candidates.add(new Plan.Candidate("horizontal", false, "only " + guest.id() + " holds the label '" + job.label()
                + "'; the products hold different columns of the same entities", 0, 0));
        for (String s : List.of("vertical", "split", "secureboost")) {
            if (s.equals(strategy)) {
                candidates.add(new Plan.Candidate(s, true, null, rows >= 0 ? cost.bytesPerRound() : 0,
                        rows >= 0 ? cost.secondsPerRound() : 0));
            } else {
                candidates.add(new Plan.Candidate(s, false, "model.type " + typeName + " is trained by " + strategy, 0, 0));
            }
        }
        List<String> reasons = new ArrayList<>();
        reasons.add("one product (" + guest.id() + ") holds the label and " + hosts + " other(s) hold other columns of the same "
                + "entities: a vertical layout");
        reasons.add("entities are aligned by ECDH private set intersection on the entity keys ("
                + ordered.stream().map(v -> v.contract().policy().entityKey()).distinct().toList() + "); the catalog records only counts");
        reasons.add(cost.why());
        if (groups != null) reasons.add(groups);
        if (policy != null) reasons.add("raw rows may not move (" + policy + ")");
        reasons.add(outOfTime != null
                ? "scored out of time: the rows of " + guest.id() + " with " + outOfTime.column() + " after " + outOfTime.after()
                + " never train and are aligned apart by a second private set intersection, every epoch (the other parties learn which of "
                + "their entities fall after the cut); train_* metrics are the earlier rows'"
                : !eval.isEmpty()
                ? "scored on " + eval.stream().map(Plan.Participant::productId).toList() + " aligned by a second private set "
                + "intersection with the other parties' products, every epoch; train_* metrics are the training rows'"
                : job.given().contains("evaluation.holdout") && job.evaluation().holdout() > 0
                ? String.format(java.util.Locale.ROOT, "scored on a seeded %.0f%% of the aligned rows held out from training, which every "
                + "party derives from the seed; train_* metrics are the training rows'", 100 * job.evaluation().holdout())
                : "scored on its aligned training rows (set evaluation.holdout to hold rows out, or name evaluation.products)");
        return new Plan(strategy, cost.aggregator(), parts, eval, all, job.label(), job.model(), cost.params(),
                cost.rounds(), candidates, reasons);
    }

    /** A vertical job's out-of-time cut, checked against the label holder's contract; null when the job sets none. */
    private static JobSpec.OutOfTime outOfTime(JobSpec job, String strategy, DataContract guest) {
        JobSpec.OutOfTime o = job.evaluation() == null ? null : job.evaluation().outOfTime();
        if (o == null) return null;
        String at = job.sourceFile() + ": evaluation.outOfTime";
        if (!strategy.equals("vertical") && !strategy.equals("split") && !strategy.equals("secureboost")) {
            throw new MeshflException(ErrorCode.PLAN_REFUSED, at + ": an out-of-time cut scores vertical linear, split-network and "
                    + "boosted-tree jobs, not " + strategy);
        }
        if (job.given().contains("evaluation.holdout")) {
            throw new MeshflException(ErrorCode.PLAN_REFUSED, at + ": give evaluation.holdout or evaluation.outOfTime, not both");
        }
        var column = guest.property(o.column()).orElseThrow(() -> new MeshflException(ErrorCode.PLAN_REFUSED, at + ".column: the label "
                + "holder's product " + guest.id() + " declares no column '" + o.column() + "'"
                + io.meshfl.core.contract.NameHints.hint(o.column(), guest.columns())));
        io.meshfl.core.contract.LogicalType type = column.logicalType();
        io.meshfl.core.data.TimeCut cut;
        try {
            cut = io.meshfl.core.data.TimeCut.parse(o.after());
        } catch (IllegalArgumentException e) {
            throw new MeshflException(ErrorCode.PLAN_REFUSED, at + ".after: " + e.getMessage());
        }
        boolean numeric = type == io.meshfl.core.contract.LogicalType.NUMBER || type == io.meshfl.core.contract.LogicalType.INTEGER;
        boolean temporal = type == io.meshfl.core.contract.LogicalType.DATE || type == io.meshfl.core.contract.LogicalType.TIMESTAMP;
        if (!numeric && !temporal || numeric != (cut.number() != null)) {
            throw new MeshflException(ErrorCode.PLAN_REFUSED, at + ": column '" + o.column() + "' of " + guest.id() + " is "
                    + (type == null ? "untyped" : type.yamlName()) + "; a cut '" + o.after() + "' needs a "
                    + (cut.number() != null ? "number or integer" : "date or timestamp") + " column");
        }
        return o;
    }

    /**
     * A vertical job's evaluation products: at most one per party's domain, holding the columns that
     * party trains on (and, for the label holder, the label); a party without one is scored on its
     * training product's rows of the evaluation entities. The label holder must name one.
     */
    private static List<Plan.Participant> evaluationProducts(JobSpec job, Map<String, ProductView> catalog, List<Plan.Participant> parts) {
        List<Plan.Participant> eval = new ArrayList<>();
        for (String id : job.evaluation().products()) {
            ProductView view = require(catalog, id, job);
            DataContract c = view.contract();
            Plan.Participant party = parts.stream().filter(p -> p.domain().equals(c.domain())).findFirst().orElseThrow(() -> new MeshflException(
                    ErrorCode.PLAN_REFUSED, job.sourceFile() + ": evaluation.products: '" + id + "' belongs to domain '" + c.domain()
                    + "', which has no training product in this job " + parts.stream().map(Plan.Participant::domain).toList()));
            if (eval.stream().anyMatch(e -> e.domain().equals(c.domain()))) {
                throw new MeshflException(ErrorCode.PLAN_REFUSED, job.sourceFile() + ": evaluation.products: two products of domain '"
                        + c.domain() + "'; name at most one per party");
            }
            if (c.policy().entityKey() == null) {
                throw new MeshflException(ErrorCode.PLAN_REFUSED, job.sourceFile() + ": evaluation.products: '" + id
                        + "' declares no entity key (meshfl.entityKey); its rows are aligned by it");
            }
            if (job.products().contains(id)) {
                throw new MeshflException(ErrorCode.PLAN_REFUSED, job.sourceFile() + ": evaluation.products: '" + id
                        + "' is a training product of this job; name a product whose rows do not train (or use evaluation.holdout)");
            }
            List<String> missing = party.features().stream().filter(f -> !c.featureColumns().contains(f)).toList();
            if (!missing.isEmpty()) {
                throw new MeshflException(ErrorCode.PLAN_REFUSED, job.sourceFile() + ": evaluation.products: '" + id + "' does not allow "
                        + missing + " as features, which " + party.productId() + " trains on");
            }
            if (party.role().equals("guest") && !job.label().equals(c.policy().label())) {
                throw new MeshflException(ErrorCode.PLAN_REFUSED, job.sourceFile() + ": evaluation.products: '" + id + "' does not declare the label '"
                        + job.label() + "' (contract " + c.sourceFile() + " declares meshfl.label: " + c.policy().label() + ")");
            }
            eval.add(new Plan.Participant(c.id(), c.domain(), c.version(), view.rows(), "evaluate", party.features()));
        }
        if (!eval.isEmpty() && eval.stream().noneMatch(e -> e.domain().equals(parts.get(0).domain()))) {
            throw new MeshflException(ErrorCode.PLAN_REFUSED, job.sourceFile() + ": evaluation.products: none belongs to the label holder's domain '"
                    + parts.get(0).domain() + "', so no label would score them; name its evaluation product");
        }
        return eval;
    }

    /** Refuses secure aggregation where the coordinator needs more than the sum of the updates, and says what it learns otherwise. */
    private static String secureAggregation(JobSpec job, int nodes) {
        SecureAggregationSpec s = job.secureAggregation();
        String agg = job.aggregator().name();
        if (!SecureAggregationSpec.SUM_AGGREGATORS.contains(agg)) {
            throw new MeshflException(ErrorCode.PLAN_REFUSED, job.sourceFile() + ": secureAggregation: aggregator '" + agg
                    + "' needs every node's update, but under secure aggregation the coordinator sees only their sum; use one of "
                    + new java.util.TreeSet<>(SecureAggregationSpec.SUM_AGGREGATORS) + " or remove the secureAggregation block");
        }
        if (job.aggregator().normBound() > 0) {
            // the server-side bound clips each update, which the coordinator never sees under secure aggregation
            throw new MeshflException(ErrorCode.PLAN_REFUSED, job.sourceFile() + ": secureAggregation: aggregator.normBound clips each "
                    + "node's update, but under secure aggregation the coordinator sees only their sum; the nodes already bound "
                    + "each coordinate of their update (secureAggregation.clip): remove aggregator.normBound");
        }
        if (nodes < 3) {
            throw new MeshflException(ErrorCode.PLAN_REFUSED, job.sourceFile() + ": secureAggregation: needs at least 3 nodes, the job has "
                    + nodes + "; with two, each node could subtract its own update from the sum and read the other's");
        }
        var dp = job.privacy();
        if (dp != null && (dp.clipping() != io.meshfl.core.protocol.horizontal.privacy.PrivacySettings.Clipping.FIXED
                || !(dp.clipAtNode() || dp.mode() == io.meshfl.core.protocol.horizontal.privacy.PrivacySettings.Mode.LOCAL))) {
            // the coordinator cannot clip or count clipped updates it never sees
            throw new MeshflException(ErrorCode.PLAN_REFUSED, job.sourceFile() + ": privacy: with secure aggregation the nodes must clip "
                    + "their own updates: set privacy.clipAt: node and privacy.clipping: fixed (or privacy.mode: local)");
        }
        int degree = s.degreeFor(nodes);
        if (dp != null) {
            return "protection secagg (SecAgg+) with differential privacy: each node clips its update to norm " + dp.clip()
                    + (dp.mode() == io.meshfl.core.protocol.horizontal.privacy.PrivacySettings.Mode.LOCAL ? " and adds its own noise" : "")
                    + ", then masks it with pairwise masks of " + degree + " neighbours and a self mask; every node weighs the same; "
                    + "the coordinator learns only the mean of the survivors' clipped updates"
                    + (dp.mode() == io.meshfl.core.protocol.horizontal.privacy.PrivacySettings.Mode.LOCAL ? "" : ", to which it adds the "
                    + "Gaussian noise of the privacy plan") + "; a round survives drop-outs while every node keeps "
                    + s.thresholdFor(degree) + " of its " + degree + " neighbours";
        }
        return "protection secagg (SecAgg+): each node masks its clipped update (clip " + s.clip() + ", ring 2^" + s.modulusBits()
                + ") with pairwise masks of " + degree + " neighbours and a self mask; the coordinator learns only the sum of the "
                + "survivors' example-weighted updates and the number of their examples, never one node's update; a round survives "
                + "drop-outs while every node keeps " + s.thresholdFor(degree) + " of its " + degree + " neighbours";
    }

    private static void refuseSecureAggregation(JobSpec job, String what) {
        throw new MeshflException(ErrorCode.PLAN_REFUSED, job.sourceFile() + ": secureAggregation: sums updates of horizontal jobs; "
                + what + " exchanges no per-node model update to sum; remove the secureAggregation block");
    }

    private static String rawRowsPolicy(List<ProductView> products) {
        for (ProductView v : products) {
            if (!v.contract().policy().rawRowsMayLeave()) return "policy meshfl.rawRowsMayLeave=false of " + v.contract().id();
        }
        return null;
    }

    static String whyNot(DataContract c, String f) {
        return c.property(f).isEmpty() ? "has no column '" + f + "'"
                : c.isPii(f) ? "classifies '" + f + "' as pii and does not allow pii features"
                : Objects.equals(c.policy().label(), f) ? "holds '" + f + "' as its label"
                : "does not allow '" + f + "' as a feature (meshfl.features)";
    }

    static ProductView require(Map<String, ProductView> catalog, String id, JobSpec job) {
        ProductView v = catalog.get(id);
        if (v == null) {
            throw new MeshflException(ErrorCode.UNKNOWN_PRODUCT, job.sourceFile() + ": unknown data product '" + id
                    + "'; the catalog has " + (catalog.size() <= 20 ? catalog.keySet().stream().sorted().toList() : catalog.size() + " products"));
        }
        String pin = job.pins().get(id);
        if (pin != null && !pin.equals(v.contract().version())) {
            throw new MeshflException(ErrorCode.PLAN_REFUSED, job.sourceFile() + ": " + (job.products().contains(id) ? "products" : "evaluation.products")
                    + ": " + id + "@" + pin + " is pinned, but the contract at hand is version " + v.contract().version());
        }
        return v;
    }

    /** The allowed columns of each product that a job of every shared column leaves out, as a warning, if any. */
    private static java.util.Optional<String> leftOut(List<DataContract> contracts, List<String> features) {
        List<String> dropped = new ArrayList<>();
        for (DataContract c : contracts) {
            List<String> mine = c.featureColumns().stream().filter(f -> !features.contains(f)).toList();
            if (!mine.isEmpty()) dropped.add(c.id() + ": " + String.join(", ", mine));
        }
        if (dropped.isEmpty()) return java.util.Optional.empty();
        return java.util.Optional.of("features: the products allow different columns; the job trains on the " + features.size()
                + " every product allows and leaves out " + String.join("; ", dropped) + " (name the columns in 'features' to choose)");
    }

    private static List<String> commonFeatures(List<DataContract> contracts) {
        List<String> out = new ArrayList<>(contracts.get(0).featureColumns());
        for (DataContract c : contracts) out.retainAll(c.featureColumns());
        return out;
    }
}

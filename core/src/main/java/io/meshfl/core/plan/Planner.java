package io.meshfl.core.plan;

import io.meshfl.core.ErrorCode;
import io.meshfl.core.MeshflException;
import io.meshfl.core.contract.DataContract;
import io.meshfl.core.model.Models;

import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Decides how a job runs from the job and the contracts of the products it names: checks that
 * every product is known, that the label and features are allowed by each product's policy,
 * detects the layout, estimates costs and explains the choice.
 */
public final class Planner {

    /** Product ids to contracts and row counts (-1 when unknown), as the catalog knows them. */
    public record ProductView(DataContract contract, long rows) {
    }

    private Planner() {
    }

    public static Plan plan(JobSpec job, Map<String, ProductView> catalog) {
        List<Plan.Participant> train = new ArrayList<>();
        List<DataContract> contracts = new ArrayList<>();
        Set<String> domains = new LinkedHashSet<>();
        for (String id : job.products()) {
            ProductView v = require(catalog, id, job);
            DataContract c = v.contract();
            if (!domains.add(c.domain())) {
                throw new MeshflException(ErrorCode.PLAN_REFUSED, job.sourceFile() + ": products: domain '" + c.domain()
                        + "' appears twice among the training products; a horizontal job takes one product per domain");
            }
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
            eval.add(new Plan.Participant(c.id(), c.domain(), c.version(), v.rows()));
        }

        // Label and features must be allowed by every product's own policy.
        for (DataContract c : contracts) {
            if (c.policy().label() == null || !c.policy().label().equals(job.label())) {
                throw new MeshflException(ErrorCode.PLAN_REFUSED, job.sourceFile() + ": label '" + job.label()
                        + "' is not the declared label of product " + c.id() + " (contract " + c.sourceFile()
                        + " declares meshfl.label: " + c.policy().label() + ")");
            }
        }
        List<String> features = job.features().isEmpty() ? commonFeatures(contracts) : job.features();
        if (features.isEmpty()) {
            throw new MeshflException(ErrorCode.PLAN_REFUSED, job.sourceFile() + ": the products share no allowed feature column");
        }
        for (DataContract c : contracts) {
            for (String f : features) {
                if (!c.featureColumns().contains(f)) {
                    String why = c.property(f).isEmpty() ? "has no column '" + f + "'"
                            : c.isPii(f) ? "classifies '" + f + "' as pii and does not allow pii features"
                            : "does not allow '" + f + "' as a feature (meshfl.features)";
                    throw new MeshflException(ErrorCode.PLAN_REFUSED, job.sourceFile() + ": features: product " + c.id() + " " + why);
                }
            }
        }

        int numParams = Models.create(job.model(), features.size()).numParams();
        int nodes = domains.size();
        double bytesPerRound = 2.0 * 8 * numParams * nodes;
        List<Plan.Candidate> candidates = new ArrayList<>();
        List<String> reasons = new ArrayList<>();
        String forbidding = null;
        for (DataContract c : contracts) {
            if (!c.policy().rawRowsMayLeave()) {
                forbidding = "policy meshfl.rawRowsMayLeave=false of " + c.id();
                break;
            }
        }
        candidates.add(new Plan.Candidate("centralized", false,
                forbidding != null ? forbidding : "materialized training is not offered for jobs yet", 0, 0));
        candidates.add(new Plan.Candidate("horizontal", true, null, bytesPerRound, 0.05 * nodes));
        reasons.add("every product holds the label '" + job.label() + "' and the same " + features.size()
                + " feature columns for different rows: a horizontal layout");
        reasons.add("only model parameters and aggregate sums leave a domain: " + numParams + " parameters x "
                + nodes + " node(s) x 2 directions per round");
        if (forbidding != null) reasons.add("raw rows may not move (" + forbidding + ")");
        return new Plan("horizontal", job.aggregator().name(), train, eval, features, job.label(), job.model(),
                numParams, job.rounds(), candidates, reasons);
    }

    private static ProductView require(Map<String, ProductView> catalog, String id, JobSpec job) {
        ProductView v = catalog.get(id);
        if (v == null) {
            throw new MeshflException(ErrorCode.UNKNOWN_PRODUCT, job.sourceFile() + ": unknown data product '" + id
                    + "'; the catalog has " + (catalog.size() <= 20 ? catalog.keySet().stream().sorted().toList() : catalog.size() + " products"));
        }
        return v;
    }

    private static List<String> commonFeatures(List<DataContract> contracts) {
        List<String> out = new ArrayList<>(contracts.get(0).featureColumns());
        for (DataContract c : contracts) out.retainAll(c.featureColumns());
        return out;
    }
}

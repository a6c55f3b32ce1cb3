package io.meshfl.web;

import io.meshfl.core.MeshflException;
import io.meshfl.core.catalog.ProductRecord;
import io.meshfl.core.contract.DataContract;
import io.meshfl.core.plan.JobLoader;
import io.meshfl.core.plan.JobSpec;
import io.meshfl.core.plan.Plan;

import java.util.ArrayList;
import java.util.List;

/**
 * A job planned for a caller of the API: only when the caller may read every product the job
 * names (checked before the planner sees them, so no planner error names another domain's
 * columns; a product it may not read answers as absent) and use each for the plan's protocol.
 */
final class Planning {

    private Planning() {
    }

    /** A job file's text as a job; a bad one is a 400 naming the field. */
    static JobSpec parse(String yaml) {
        try {
            return JobLoader.parse(yaml, "job.yaml");
        } catch (MeshflException e) {
            throw new ApiException(Problem.of(e));
        }
    }

    static Plan plan(Backend backend, Caller caller, JobSpec job) {
        List<String> named = new ArrayList<>(job.products());
        if (job.evaluation() != null) named.addAll(job.evaluation().products());
        for (String id : named) {
            ProductRecord rec = backend.catalog().product(id).orElse(null);
            DataContract c = rec == null ? null : StoredContracts.load(rec);
            if (c == null || !caller.mayRead(rec, c)) throw new ApiException(Problem.notFound("no data product '" + id + "' the caller may read"));
        }
        Plan plan = backend.planner().apply(job);
        for (Plan.Participant p : plan.participants()) {
            ProductRecord rec = backend.catalog().product(p.productId()).orElse(null);
            DataContract c = rec == null ? null : StoredContracts.load(rec);
            if (c == null || caller.operator() || p.domain().equals(caller.domain())) continue;
            String refused = io.meshfl.core.trust.Access.refusal(c, caller.label(), "train", plan.strategy());
            if (refused != null) throw new ApiException(Problem.forbidden(refused));
        }
        return plan;
    }

}

package io.meshfl.web;

import io.meshfl.core.catalog.Catalog;
import io.meshfl.core.plan.JobSpec;
import io.meshfl.core.plan.Plan;

import java.security.cert.X509Certificate;
import java.util.function.Function;

/**
 * What the API answers from: the catalog, the coordinator's planner (a job's plan as the
 * coordinator would run it, without running it), the mesh CA (to verify the catalog's signed
 * chain seals and the certificates of console logins) and the coordinator's runs ({@code jobs},
 * null where this server only reads: then submitting and cancelling answer 503).
 */
public record Backend(Catalog catalog, Function<JobSpec, Plan> planner, X509Certificate ca, JobService jobs) {

    /** A backend that reads and plans but does not run jobs. */
    public Backend(Catalog catalog, Function<JobSpec, Plan> planner, X509Certificate ca) {
        this(catalog, planner, ca, null);
    }
}

package io.meshfl.web;

import io.meshfl.core.catalog.Catalog;
import io.meshfl.core.plan.JobSpec;
import io.meshfl.core.plan.Plan;

import java.security.cert.X509Certificate;
import java.util.function.Function;

/**
 * What the API answers from: the catalog, the coordinator's planner (a job's plan as the
 * coordinator would run it, without running it) and the mesh CA (to verify the catalog's signed
 * chain seals).
 */
public record Backend(Catalog catalog, Function<JobSpec, Plan> planner, X509Certificate ca) {
}

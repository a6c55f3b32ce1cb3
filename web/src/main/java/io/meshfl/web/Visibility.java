package io.meshfl.web;

import io.meshfl.core.catalog.Catalog;
import io.meshfl.core.catalog.ProductRecord;
import io.meshfl.core.catalog.RunListing;
import io.meshfl.core.catalog.RunRecord;

import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;

/**
 * Which runs a caller may see, in one place: the API and the console answer the
 * same caller the same records, and a run it may not see is absent in both rather than forbidden.
 */
public final class Visibility {

    private Visibility() {
    }

    /** A product id's domain, by the catalog's products (null for an unknown id). */
    public static Function<String, String> productDomains(Catalog catalog) {
        Map<String, String> byId = new HashMap<>();
        for (ProductRecord p : catalog.products()) byId.put(p.id(), p.domain());
        return byId::get;
    }

    /**
     * The runs {@code c} may see, newest first, read whole: every run of the catalog is loaded and
     * tested with {@link Caller#mayRead(RunRecord, Function)}. The lists page with {@link #page}, which
     * asks the database for the same runs in the same order.
     */
    public static List<RunRecord> runs(Catalog catalog, Caller c) {
        var domainOf = productDomains(catalog);
        return catalog.runs().stream().filter(r -> c.mayRead(r, domainOf))
                .sorted(Comparator.comparing(RunRecord::startedAt, Comparator.nullsLast(Comparator.reverseOrder()))).toList();
    }

    /**
     * Which runs {@code c} sees, as the database selects them: the operator every run; anyone the runs it
     * submitted; a domain also the runs that read one of its products (a product's domain as
     * {@link #productDomains} tells it, the rule of {@link Caller#mayRead(RunRecord, Function)}).
     */
    public static RunListing.Scope scope(Catalog catalog, Caller c) {
        if (c.operator()) return RunListing.Scope.everyone();
        Set<String> products = new LinkedHashSet<>();
        String d = c.domain();
        if (d != null) {
            var domainOf = productDomains(catalog);
            for (ProductRecord p : catalog.products()) {
                if (d.equals(domainOf.apply(p.id()))) products.add(p.id());
            }
        }
        return RunListing.Scope.of(c.label(), products);
    }

    /**
     * One page of the runs {@code c} may see, newest first, only those in state {@code status} (any case;
     * null for all), from {@code offset}, at most {@code limit}: the runs of {@link #runs} with that
     * filter, cut and counted by the database.
     */
    public static RunListing.Page<RunRecord> page(Catalog catalog, Caller c, String status, int offset, int limit) {
        String state = status;
        if (status != null) {
            for (String known : STATES) {
                if (known.equalsIgnoreCase(status)) state = known;
            }
        }
        return catalog.runsPage(scope(catalog, c), state, offset, limit);
    }

    /** The states a run may be in (the catalog's check on runs.status allows no other). */
    private static final List<String> STATES = List.of(RunRecord.RUNNING, RunRecord.SUCCEEDED, RunRecord.FAILED, RunRecord.CANCELLED,
            RunRecord.INTERRUPTED);

    /** One page of the models of the runs {@code c} may see, newest first. */
    public static RunListing.Page<io.meshfl.core.catalog.ModelRecord> models(Catalog catalog, Caller c, int offset, int limit) {
        return catalog.modelsPage(scope(catalog, c), offset, limit);
    }

    /** Run {@code id} if {@code c} may see it; else a 404 that does not say whether it exists. */
    public static RunRecord run(Catalog catalog, Caller c, String id) {
        RunRecord r = id == null ? null : catalog.run(id).orElse(null);
        if (r == null || !c.mayRead(r, productDomains(catalog))) throw new ApiException(Problem.notFound("no run '" + id + "' the caller may see"));
        return r;
    }
}

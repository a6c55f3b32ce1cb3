package io.meshfl.web;

import io.meshfl.core.catalog.Catalog;
import io.meshfl.core.catalog.ProductRecord;
import io.meshfl.core.catalog.RunRecord;

import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
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

    /** The runs {@code c} may see, newest first. */
    public static List<RunRecord> runs(Catalog catalog, Caller c) {
        var domainOf = productDomains(catalog);
        return catalog.runs().stream().filter(r -> c.mayRead(r, domainOf))
                .sorted(Comparator.comparing(RunRecord::startedAt, Comparator.nullsLast(Comparator.reverseOrder()))).toList();
    }

    /** Run {@code id} if {@code c} may see it; else a 404 that does not say whether it exists. */
    public static RunRecord run(Catalog catalog, Caller c, String id) {
        RunRecord r = id == null ? null : catalog.run(id).orElse(null);
        if (r == null || !c.mayRead(r, productDomains(catalog))) throw new ApiException(Problem.notFound("no run '" + id + "' the caller may see"));
        return r;
    }
}

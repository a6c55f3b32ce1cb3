package io.meshfl.web.console;

import io.meshfl.core.catalog.Catalog;
import io.meshfl.core.catalog.ProductRecord;
import io.meshfl.core.catalog.RunRecord;
import io.meshfl.core.contract.DataContract;
import io.meshfl.web.Caller;
import io.meshfl.web.StoredContracts;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;

/**
 * What one caller may see of the catalog, by the same rules as the API ({@link Caller}): the products whose contract
 * grants it (or its domain's, or all for the operator) and the runs it may read. Made per request: the catalog changes.
 */
final class Visible {

    /** A product version the caller may read, with its contract (null when the stored contract no longer loads). */
    record Shown(ProductRecord record, DataContract contract) {
    }

    final Catalog catalog;
    final Caller caller;
    private final List<ProductRecord> latest;
    private Map<String, String> domainOf;

    Visible(Catalog catalog, Caller caller) {
        this.catalog = catalog;
        this.caller = caller;
        this.latest = catalog.products();
    }

    /** The latest version of every product the caller may read, by id. */
    List<Shown> products() {
        List<Shown> out = new ArrayList<>();
        for (ProductRecord p : latest) {
            DataContract c = StoredContracts.load(p);
            if (caller.mayRead(p, c)) out.add(new Shown(p, c));
        }
        return out;
    }

    /** The versions of one product the caller may read, oldest first; empty when none (or no such product). */
    List<Shown> versions(String id) {
        List<Shown> out = new ArrayList<>();
        for (ProductRecord p : catalog.productVersions(id)) {
            DataContract c = StoredContracts.load(p);
            if (caller.mayRead(p, c)) out.add(new Shown(p, c));
        }
        return out;
    }

    /** A product's domain by its id (null for an unknown id), as {@link Caller#mayRead(RunRecord, Function)} asks it. */
    Function<String, String> domainOf() {
        if (domainOf == null) {
            domainOf = new HashMap<>();
            for (ProductRecord p : latest) domainOf.put(p.id(), p.domain());
        }
        return domainOf::get;
    }

    boolean mayRead(RunRecord r) {
        return caller.mayRead(r, domainOf());
    }

    /** The runs the caller may read, newest first. */
    List<RunRecord> runs() {
        return catalog.runs().stream().filter(this::mayRead).toList();
    }
}

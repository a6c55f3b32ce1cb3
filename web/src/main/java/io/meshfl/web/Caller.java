package io.meshfl.web;

import io.meshfl.core.catalog.ProductRecord;
import io.meshfl.core.catalog.RunRecord;
import io.meshfl.core.contract.DataContract;
import io.meshfl.core.trust.MeshIdentity;

import java.util.Arrays;
import java.util.function.Function;

/**
 * Who calls the API, from the client certificate of the connection or a browser's console session
 * ({@code session}: its id, else null), and what they may see: the
 * operator ({@code client:operator}) and the coordinator see everything; a domain sees its own
 * products and nodes, the runs and models over them; any other client the products whose contract
 * grants it use and the runs it submitted.
 */
public record Caller(MeshIdentity identity, String session) {

    /** A caller by its client certificate. */
    public Caller(MeshIdentity identity) {
        this(identity, null);
    }

    /** The identity as the catalog and contracts name it ({@code client:operator}, {@code domain:lending}). */
    public String label() {
        return identity.label();
    }

    public boolean operator() {
        return identity.role() == MeshIdentity.Role.COORDINATOR
                || identity.role() == MeshIdentity.Role.CLIENT && identity.name().equals("operator");
    }

    /** The caller's domain, or null for a client. */
    public String domain() {
        return identity.role() == MeshIdentity.Role.DOMAIN ? identity.name() : null;
    }

    /**
     * One version of a product, {@code c} its contract, null when the stored contract no longer loads: such a version is still
     * shown, saying so, to those who answer for it (the operator and its domain) rather than dropped without a word; to no one else.
     */
    public boolean mayRead(ProductRecord p, DataContract c) {
        if (operator() || p.domain().equals(domain())) return true;
        if (c == null) return false;
        var grants = c.policy().consumers();
        return grants != null && grants.stream().anyMatch(g -> g.names(label()));
    }

    /** A run: the operator, its submitter, or a domain one of whose products it used ({@code domainOf}: a product's domain). */
    public boolean mayRead(RunRecord r, Function<String, String> domainOf) {
        if (operator() || label().equals(r.submitter())) return true;
        String d = domain();
        if (d == null || r.productsCsv() == null) return false;
        return Arrays.stream(r.productsCsv().split(",")).map(String::trim).anyMatch(id -> d.equals(domainOf.apply(id)));
    }

    /**
     * The audit records matching the asked filters ({@code run}, {@code party}, {@code step}, {@code protection}, each null for any)
     * that this caller may see: a domain those it sent or received, a client those of the runs it submitted.
     */
    public io.meshfl.core.catalog.AuditLog.Filter auditFilter(String run, String party, String step, String protection) {
        return new io.meshfl.core.catalog.AuditLog.Filter(run, party, step, protection, operator() ? null : domain(),
                operator() || domain() != null ? null : label());
    }

    public boolean mayReadNode(String nodeDomain) {
        return operator() || nodeDomain.equals(domain());
    }
}

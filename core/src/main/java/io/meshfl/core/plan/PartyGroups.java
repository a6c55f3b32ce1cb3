package io.meshfl.core.plan;

import io.meshfl.core.ErrorCode;
import io.meshfl.core.MeshflException;
import io.meshfl.core.contract.DataContract;

import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * The planner's checks of a job's {@code groups}: a vertical party made of several products,
 * each on its own node, must hold the same feature columns of the same types, and none of them
 * the label. The members' rows are one party's rows split between nodes (regions of a domain, or
 * banks holding the same columns for other customers).
 */
final class PartyGroups {

    private PartyGroups() {
    }

    /**
     * Refuses groups whose members differ in their columns or hold the label; the plan's line
     * describing the groups, or null when the job has none.
     */
    static String check(JobSpec job, Map<String, Planner.ProductView> catalog, List<Plan.Participant> parts) {
        if (job.groups().isEmpty()) return null;
        StringBuilder why = new StringBuilder();
        for (var g : job.groups().entrySet()) {
            String at = job.sourceFile() + ": groups." + g.getKey();
            List<Plan.Participant> members = g.getValue().stream().map(id -> parts.stream().filter(p -> p.productId().equals(id))
                    .findFirst().orElseThrow(() -> new MeshflException(ErrorCode.PLAN_REFUSED, at + ": '" + id + "' is no party of this job"))).toList();
            Plan.Participant first = members.get(0);
            DataContract firstContract = catalog.get(first.productId()).contract();
            for (Plan.Participant m : members) {
                if (m.role().equals("guest")) {
                    throw new MeshflException(ErrorCode.PLAN_REFUSED, at + ": " + m.productId() + " holds the label '" + job.label()
                            + "'; a group is a party of feature columns, and the label holder is one product");
                }
                if (!m.features().equals(first.features())) {
                    throw new MeshflException(ErrorCode.PLAN_REFUSED, at + ": the members of a group hold the same feature columns; "
                            + first.productId() + " gives " + first.features() + ", " + m.productId() + " gives " + m.features());
                }
                DataContract c = catalog.get(m.productId()).contract();
                for (String f : m.features()) {
                    var a = firstContract.property(f).map(x -> x.logicalType()).orElse(null);
                    var b = c.property(f).map(x -> x.logicalType()).orElse(null);
                    if (!Objects.equals(a, b)) {
                        throw new MeshflException(ErrorCode.PLAN_REFUSED, at + ": column '" + f + "' is " + name(a) + " in "
                                + first.productId() + " and " + name(b) + " in " + m.productId() + "; a group's members hold the same columns");
                    }
                }
            }
            if (why.length() > 0) why.append("; ");
            why.append("party ").append(g.getKey()).append(" is ").append(members.size()).append(" products on their own nodes (")
                    .append(String.join(", ", g.getValue())).append(") with the same ").append(first.features().size())
                    .append(" columns");
        }
        String aligned = why + ": their entities are aligned as one set (an entity in two members is refused); ";
        return aligned + switch (job.model().type()) {
            case GBDT -> "the members cut the party's quantile bins from each other's sealed sketches, each sums the label holder's "
                    + "encrypted gradients over its own rows and masks its sums and partition bits with shares of zero from a seed only "
                    + "the members hold, so the label holder sees only the party's histograms; the members learn each other's column "
                    + "sketches, nothing of other parties";
            case SPLITNN -> "the members share one bottom network, encoded by the party's column statistics; each forwards its own "
                    + "rows masked with its share of zero, so the coordinator sees only the party's cut-layer block, and the members "
                    + "add up the party's bottom gradient among themselves, sealed; they learn each other's column sums, category values "
                    + "and gradient shares, nothing of other parties";
            default -> "each member encrypts its own rows' scores (zero for the party's other rows, so no one learns which member holds "
                    + "an entity) and its share of the gradient; the arbiter decrypts only the members' masked sum. The members share one "
                    + "set of weights, scaled by the party's column statistics, and learn the party's gradient and each other's column "
                    + "sums, nothing of other parties";
        };
    }

    private static String name(io.meshfl.core.contract.LogicalType t) {
        return t == null ? "untyped" : t.yamlName();
    }
}

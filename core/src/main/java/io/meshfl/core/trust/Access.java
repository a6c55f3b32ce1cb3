package io.meshfl.core.trust;

import io.meshfl.core.contract.DataContract;
import io.meshfl.core.contract.Grant;

import java.util.List;

/**
 * Who may use a product, and how: the contract's {@code meshfl.consumers}, or when it names
 * nobody, the product's own domain only. One pure function, applied by the coordinator before a
 * run and by the owner's node before it serves one.
 */
public final class Access {

    private Access() {
    }

    /** The grant vocabulary's name for a plan strategy (pooled for the strategies that join rows in one place). */
    public static String protocolOf(String strategy) {
        return switch (strategy) {
            case "materialized", "factorized" -> "pooled";
            default -> strategy;
        };
    }

    /**
     * Why {@code identity} may not use {@code c} for {@code purpose} ({@code train}/{@code predict})
     * with {@code strategy}, naming product, identity and the contract field; null when granted.
     */
    public static String refusal(DataContract c, String identity, String purpose, String strategy) {
        String protocol = protocolOf(strategy);
        List<Grant> grants = c.policy().consumers();
        if (grants == null) {
            if (identity.equals("domain:" + c.domain())) return null;
            return "product " + c.id() + " grants no access to " + identity + ": its contract names no consumers, so only its own domain ("
                    + "domain:" + c.domain() + ") may use it (meshfl.consumers)";
        }
        boolean named = false;
        for (Grant g : grants) {
            if (!g.names(identity)) continue;
            named = true;
            if (!g.may().contains(purpose)) continue;
            if (!g.protocols().isEmpty() && !g.protocols().contains(protocol)) continue;
            return null;
        }
        if (!named) {
            return "product " + c.id() + " grants no access to " + identity + " (meshfl.consumers names "
                    + grants.stream().map(Grant::identity).toList() + ")";
        }
        return "product " + c.id() + " does not let " + identity + " " + purpose + " with " + protocol + " (meshfl.consumers grants it "
                + grants.stream().filter(g -> g.names(identity)).map(g -> g.may() + (g.protocols().isEmpty() ? " any protocol" : " " + g.protocols()))
                .toList() + ")";
    }
}

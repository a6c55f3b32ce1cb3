package io.meshfl.node;

import io.meshfl.core.contract.DataContract;
import io.meshfl.core.contract.FlPolicy;
import io.meshfl.core.protocol.Message;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The node's own check of every request against the policies of the products it serves, before
 * any protocol code runs: a product takes part only in the protocols its contract allows
 * ({@code meshfl.protocols}) and only in jobs that apply the protections it requires
 * ({@code meshfl.requires}). Column, label, raw-row and budget rules are checked where rows are
 * read ({@link LocalNodeContext}); this guard covers what a request asks to do with them.
 */
final class PolicyGuard {

    /** Jobs whose products require secure aggregation: their updates may leave only masked. */
    private final Map<String, String> maskedOnly = new ConcurrentHashMap<>();

    /** Why {@code req} must be refused, or null. */
    String violation(Message req, Map<String, DataContract> products) {
        String family = family(req.protocol());
        if (family == null) return null;
        String product = maskedOnly.get(req.jobId());
        if (product != null && family.equals("horizontal") && req.step().equals("fit")) {
            return "product " + product + " requires secure-aggregation (meshfl.requires); refused to send job " + req.jobId()
                    + "'s update unmasked (plain fit step)";
        }
        for (String id : productsOf(req)) {
            DataContract c = products.get(id);
            if (c == null) continue; // not served here: reading it is refused where rows are read
            FlPolicy p = c.policy();
            if (!allowed(p, family)) {
                return "product " + id + " takes part only in " + p.protocols() + " (contract of product " + id + " version "
                        + c.version() + ", meshfl.protocols); refused a " + req.protocol() + " request (" + req.step() + ")";
            }
            String missing = missingProtection(p, family, req);
            if (missing != null) {
                return "product " + id + " requires " + missing + " (contract of product " + id + " version " + c.version()
                        + ", meshfl.requires); the " + req.protocol() + " request (" + req.step() + ") of job " + req.jobId() + " does not apply it";
            }
            if (p.requires().contains("secure-aggregation") && family.equals("horizontal")) maskedOnly.put(req.jobId(), id);
        }
        return null;
    }

    /** Forgets a finished job. */
    void endJob(String jobId) {
        maskedOnly.remove(jobId);
    }

    /** The protocol family a request belongs to, as contracts name them; null for steps that read no product. */
    static String family(String protocol) {
        return switch (protocol) {
            case "horizontal", "horizontal-serve" -> "horizontal";
            case "vertical", "vertical-infer", "vertical-serve" -> "vertical";
            case "split", "split-infer", "split-serve" -> "split";
            case "secureboost", "secureboost-infer", "secureboost-serve" -> "secureboost";
            case "rows" -> "pooled";
            case "psi" -> "psi";
            default -> null;
        };
    }

    private static boolean allowed(FlPolicy p, String family) {
        return switch (family) {
            // Entity alignment serves every protocol over aligned rows; the training steps are checked themselves.
            case "psi" -> p.allows("vertical") || p.allows("split") || p.allows("secureboost") || p.allows("federated-factorized");
            // Federated-factorized training runs the vertical protocol over a join.
            case "vertical" -> p.allows("vertical") || p.allows("federated-factorized");
            default -> p.allows(family);
        };
    }

    private static String missingProtection(FlPolicy p, String family, Message req) {
        for (String r : p.requires()) {
            switch (r) {
                case "differential-privacy" -> {
                    if (family.equals("psi")) continue;
                    if (!family.equals("horizontal")) return r + " (only horizontal training offers it)";
                    // serving scores rows with a model already trained under the product's protections
                    if (req.protocol().equals("horizontal") && req.step().equals("prepare") && req.cfg("dp_mode", null) == null) return r;
                }
                case "secure-aggregation" -> {
                    // Only horizontal training sends model updates that aggregation could hide.
                    if (req.protocol().equals("horizontal") && req.step().equals("prepare") && !"true".equals(req.cfg("secure_aggregation", "false"))) return r;
                }
                default -> {
                    return r + " (unknown to this node)";
                }
            }
        }
        return null;
    }

    /** The products a request names ({@code product}, {@code eval_products}). */
    static List<String> productsOf(Message req) {
        List<String> ids = new ArrayList<>();
        String one = req.config().get("product");
        if (one != null && !one.isBlank()) ids.add(one.strip());
        String more = req.config().get("eval_products");
        if (more != null) for (String s : more.split(",")) if (!s.isBlank()) ids.add(s.strip());
        return ids;
    }
}

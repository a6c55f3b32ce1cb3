package io.meshfl.core.contract;

import io.meshfl.core.contract.YamlTree.ListNode;
import io.meshfl.core.contract.YamlTree.MapNode;
import io.meshfl.core.contract.YamlTree.Node;
import io.meshfl.core.contract.YamlTree.Scalar;
import io.meshfl.core.trust.MeshIdentity;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/**
 * Reads {@code meshfl.consumers}, the access grants of a product:
 * <pre>
 * consumers:
 *   - {identity: client:risk-team, may: [train, predict], protocols: [vertical, secureboost]}
 * </pre>
 * {@code may} defaults to both uses, {@code protocols} to every protocol the product allows.
 */
final class ConsumersSection {

    /** Records an error against a node and field path. */
    @FunctionalInterface
    interface Errors {
        void error(Node at, String path, String message);
    }

    private static final Set<String> FIELDS = ContractFields.names("meshfl.consumers");

    private ConsumersSection() {
    }

    /** The grants, or null when the section is absent (the default grant applies). */
    static List<Grant> read(Node n, Errors errors) {
        String path = "meshfl.consumers";
        if (n == null || (n instanceof Scalar s && s.isNull())) return null;
        if (!(n instanceof ListNode l)) {
            errors.error(n, path, "expected a list of {identity, may, protocols}, found " + n.kind());
            return List.of();
        }
        List<Grant> out = new ArrayList<>();
        for (int i = 0; i < l.items().size(); i++) {
            Node item = l.items().get(i);
            String at = path + "[" + i + "]";
            if (!(item instanceof MapNode m)) {
                errors.error(item, at, "expected a mapping {identity, may, protocols}, found " + item.kind());
                continue;
            }
            for (var key : m.keyPositions().entrySet()) {
                if (!FIELDS.contains(key.getKey())) {
                    errors.error(m, at + "." + key.getKey(), "unknown field (valid fields: identity, may, protocols)");
                }
            }
            Node idNode = m.get("identity");
            String identity = idNode instanceof Scalar s && !s.isNull() ? s.text().strip() : null;
            if (identity == null) {
                errors.error(idNode == null ? m : idNode, at + ".identity", "required: who may use the product (client:NAME, domain:NAME, coordinator or *)");
                continue;
            }
            String bad = identity.equals("*") ? null : MeshIdentity.invalidLabel(identity);
            if (bad != null) {
                errors.error(idNode, at + ".identity", bad + " (or * for any certificate of the mesh)");
                continue;
            }
            List<String> may = words(m.get("may"), at + ".may", Grant.USES, errors);
            List<String> protocols = words(m.get("protocols"), at + ".protocols", FlPolicy.PROTOCOLS, errors);
            out.add(new Grant(identity, may == null ? Grant.USES : may, protocols == null ? List.of() : protocols));
        }
        return out;
    }

    /** A list of words from a fixed vocabulary, each once; null when absent (every error recorded, naming its item). */
    static List<String> words(Node n, String path, List<String> vocabulary, Errors errors) {
        if (n == null || (n instanceof Scalar s && s.isNull())) return null;
        if (!(n instanceof ListNode l)) {
            errors.error(n, path, "expected a list of " + vocabulary + ", found " + n.kind());
            return List.of();
        }
        List<String> out = new ArrayList<>();
        for (int i = 0; i < l.items().size(); i++) {
            Node item = l.items().get(i);
            String w = item instanceof Scalar s && !s.isNull() ? s.text().strip() : null;
            if (w == null || !vocabulary.contains(w)) {
                errors.error(item, path + "[" + i + "]", "expected one of " + vocabulary + ", found " + (w == null ? item.kind() : "'" + w + "'"));
            } else if (!out.contains(w)) {
                out.add(w);
            }
        }
        return out;
    }
}

package io.meshfl.coordinator;

import io.meshfl.proto.NodeInfo;
import io.meshfl.proto.ProductInfo;
import io.meshfl.core.trust.MeshIdentity;

/**
 * What a node's certificate allows it to claim at registration: its own domain and the products
 * of that domain (a product id is {@code <domain>.<name>}), nothing else.
 */
final class Identities {

    private Identities() {
    }

    /** Why the registration is refused, or null if the certificate covers every claim. */
    static String refusal(NodeInfo info, MeshIdentity peer) {
        if (peer.role() != MeshIdentity.Role.DOMAIN) {
            return "node " + info.getNodeId() + " registers with the certificate of " + peer.describe() + "; only a domain's node certificate can register";
        }
        if (!info.getDomain().equals(peer.name())) {
            return "node " + info.getNodeId() + " claims domain '" + info.getDomain() + "' but its certificate (serial "
                    + peer.serial().toString(16) + ") is for domain '" + peer.name() + "'";
        }
        for (ProductInfo p : info.getProductsList()) {
            String owner = p.getId().contains(".") ? p.getId().substring(0, p.getId().indexOf('.')) : "";
            if (!owner.equals(peer.name())) {
                return "node " + info.getNodeId() + " of domain '" + peer.name() + "' (by its certificate) claims product '" + p.getId()
                        + "' of domain '" + owner + "'";
            }
        }
        return null;
    }
}

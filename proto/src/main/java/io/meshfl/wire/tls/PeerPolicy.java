package io.meshfl.wire.tls;

import io.meshfl.core.trust.MeshIdentity;

import java.util.function.Predicate;

/** Which mesh identities may be on the other end of a connection, with words for refusals. */
public record PeerPolicy(String expected, Predicate<MeshIdentity> test) {

    /** The mesh's coordinator certificate: what nodes accept, calling it or called by it. */
    public static PeerPolicy coordinator() {
        return new PeerPolicy("the mesh's coordinator certificate", id -> id.role() == MeshIdentity.Role.COORDINATOR);
    }

    /** The node certificate of one domain: what the coordinator accepts when it calls that domain's node. */
    public static PeerPolicy domain(String domain) {
        return new PeerPolicy("the node certificate of domain '" + domain + "'", id -> id.isDomain(domain));
    }

    /** Any certificate of the mesh: the coordinator's own services check roles per call. */
    public static PeerPolicy anyMember() {
        return new PeerPolicy("a certificate of the mesh", id -> true);
    }

    public boolean allows(MeshIdentity id) {
        return test.test(id);
    }
}

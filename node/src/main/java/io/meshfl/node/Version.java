package io.meshfl.node;

/** The MeshFL version from the jar manifest, or "dev" when run from classes. */
final class Version {
    private Version() {
    }

    static String get() {
        String v = DomainNode.class.getPackage().getImplementationVersion();
        return v == null ? "dev" : v;
    }
}

package io.meshfl.core.trust;

import java.math.BigInteger;
import java.security.cert.CertificateParsingException;
import java.security.cert.X509Certificate;
import java.time.Instant;
import java.util.Collection;
import java.util.List;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * Who a mesh certificate speaks for: the coordinator, one domain's node, or a client that submits
 * jobs. The binding is a subject-alternative-name URI ({@code meshfl://coordinator},
 * {@code meshfl://domain/<name>}, {@code meshfl://client/<name>}), so identity never depends on
 * host names or addresses, which change when a node moves.
 */
public record MeshIdentity(Role role, String name, BigInteger serial, Instant notAfter) {

    /** The part a certificate holder plays in the mesh. */
    public enum Role { COORDINATOR, DOMAIN, CLIENT }

    /** Same rule as contract domains: letters, digits, '-' and '_'. */
    public static final Pattern NAME = Pattern.compile("[A-Za-z0-9_-]+");
    /** SAN entry type 6 is uniformResourceIdentifier (RFC 5280). */
    private static final int SAN_URI = 6;

    public MeshIdentity {
        if (role == Role.COORDINATOR) name = "coordinator";
        if (!NAME.matcher(name).matches()) {
            throw new IllegalArgumentException("'" + name + "' is not a valid mesh name (letters, digits, '-' and '_')");
        }
    }

    /** The SAN URI that binds a certificate to this role and name. */
    public static String uri(Role role, String name) {
        return switch (role) {
            case COORDINATOR -> "meshfl://coordinator";
            case DOMAIN -> "meshfl://domain/" + name;
            case CLIENT -> "meshfl://client/" + name;
        };
    }

    /** The mesh identity in a certificate, if it carries exactly one {@code meshfl://} URI. */
    public static Optional<MeshIdentity> of(X509Certificate cert) {
        List<String> uris = uris(cert);
        if (uris.size() != 1) return Optional.empty();
        String u = uris.get(0);
        Role role;
        String name;
        if (u.equals("meshfl://coordinator")) {
            role = Role.COORDINATOR;
            name = "coordinator";
        } else if (u.startsWith("meshfl://domain/")) {
            role = Role.DOMAIN;
            name = u.substring("meshfl://domain/".length());
        } else if (u.startsWith("meshfl://client/")) {
            role = Role.CLIENT;
            name = u.substring("meshfl://client/".length());
        } else {
            return Optional.empty();
        }
        if (!NAME.matcher(name).matches()) return Optional.empty();
        return Optional.of(new MeshIdentity(role, name, cert.getSerialNumber(), cert.getNotAfter().toInstant()));
    }

    private static List<String> uris(X509Certificate cert) {
        try {
            Collection<List<?>> sans = cert.getSubjectAlternativeNames();
            if (sans == null) return List.of();
            return sans.stream().filter(e -> ((Integer) e.get(0)) == SAN_URI).map(e -> (String) e.get(1))
                    .filter(s -> s.startsWith("meshfl://")).toList();
        } catch (CertificateParsingException e) {
            return List.of();
        }
    }

    /** How grants and tickets name this identity: {@code coordinator}, {@code domain:NAME} or {@code client:NAME}. */
    public String label() {
        return label(role, name);
    }

    /** The label of a role and name; see {@link #label()}. */
    public static String label(Role role, String name) {
        return switch (role) {
            case COORDINATOR -> "coordinator";
            case DOMAIN -> "domain:" + name;
            case CLIENT -> "client:" + name;
        };
    }

    /**
     * Why {@code label} is not an identity label ({@code coordinator}, {@code domain:NAME},
     * {@code client:NAME}), or null when it is one.
     */
    public static String invalidLabel(String label) {
        if (label == null) return "missing identity";
        if (label.equals("coordinator")) return null;
        int colon = label.indexOf(':');
        String kind = colon < 0 ? "" : label.substring(0, colon);
        if (!kind.equals("domain") && !kind.equals("client")) {
            return "'" + label + "' is not an identity: expected coordinator, domain:NAME or client:NAME";
        }
        String name = label.substring(colon + 1);
        if (!NAME.matcher(name).matches()) return "'" + name + "' in '" + label + "' is not a valid mesh name (letters, digits, '-' and '_')";
        return null;
    }

    public boolean isDomain(String domain) {
        return role == Role.DOMAIN && name.equals(domain);
    }

    /** For messages: "domain 'cards-east' (certificate serial 3f2a...)". */
    public String describe() {
        String who = role == Role.COORDINATOR ? "the coordinator" : role.name().toLowerCase(java.util.Locale.ROOT) + " '" + name + "'";
        return who + " (certificate serial " + serial.toString(16) + ")";
    }
}

package io.meshfl.cli;

import io.meshfl.core.ErrorCode;
import io.meshfl.core.MeshflException;
import io.meshfl.wire.tls.CertificateAuthority;
import io.meshfl.core.trust.MeshIdentity;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.io.IOException;
import java.math.BigInteger;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.cert.X509Certificate;
import java.util.List;
import java.util.stream.Stream;

/**
 * {@code meshfl certs}: the mesh's certificate authority: create it with the coordinator's and
 * the domains' certificates, add a domain or client later, revoke a certificate, list them.
 */
@Command(name = "certs", mixinStandardHelpOptions = true,
        description = "Provision the mesh CA and the certificates for mutual TLS (coordinator, domain nodes, clients).",
        subcommands = {CertsCommand.Init.class, CertsCommand.Add.class, CertsCommand.Revoke.class, CertsCommand.ListCerts.class})
final class CertsCommand implements Runnable {

    @Override
    public void run() {
        throw new MeshflException(ErrorCode.JOB_INVALID, "choose a subcommand: init, add, revoke, list (see 'meshfl certs --help')");
    }

    @Command(name = "init", mixinStandardHelpOptions = true,
            description = "Create a mesh CA, the coordinator's certificate and one certificate per domain.")
    static final class Init implements Runnable {
        @Option(names = "--dir", required = true, description = "Folder to write (must not hold a CA already).")
        Path dir;

        @Option(names = "--domains", split = ",", description = "Domains to issue node certificates for (more later with 'add').")
        List<String> domains = List.of();

        @Option(names = "--days", defaultValue = "365", description = "Validity of the node and coordinator certificates in days (default: ${DEFAULT-VALUE}).")
        int days;

        @Option(names = "--ca-days", defaultValue = "3650", description = "Validity of the CA certificate in days (default: ${DEFAULT-VALUE}).")
        int caDays;

        @Option(names = "--key", defaultValue = "EC", description = "Key type: EC (P-256, default) or RSA (3072 bits).")
        CertificateAuthority.KeyType key;

        @Option(names = "--mesh", defaultValue = "mesh", description = "Name of the mesh in the CA's subject (default: ${DEFAULT-VALUE}).")
        String mesh;

        @Option(names = "--hosts", split = ",", defaultValue = "localhost,127.0.0.1",
                description = "Host names and addresses the coordinator's certificate names, for HTTPS clients of its REST API (default: ${DEFAULT-VALUE}).")
        List<String> hosts;

        @Override
        public void run() {
            CertificateAuthority ca = CertificateAuthority.create(dir, key, mesh, caDays);
            System.out.println("CA          " + dir.resolve("ca.pem") + "  (" + key + ", until " + ca.certificate().getNotAfter().toInstant() + ")");
            print(ca.issue(MeshIdentity.Role.COORDINATOR, "coordinator", days, hosts), dir, "coordinator");
            print(ca.issue(MeshIdentity.Role.CLIENT, EmbeddedMesh.OPERATOR, days), dir, "client-" + EmbeddedMesh.OPERATOR);
            for (String d : domains) print(ca.issue(MeshIdentity.Role.DOMAIN, d, days), dir, d);
            System.out.println("client-" + EmbeddedMesh.OPERATOR + " signs the jobs 'meshfl run' and 'meshfl predict' submit (--tls-identity "
                    + "client:" + EmbeddedMesh.OPERATOR + "); grant it in a contract's meshfl.consumers to let it use the product");
            System.out.println("keep ca-key.pem off the nodes: each node needs only ca.pem, crl.pem and its own <domain>.pem / <domain>-key.pem");
        }
    }

    @Command(name = "add", mixinStandardHelpOptions = true, description = "Issue a certificate for a new domain or client (or a replacement after 'revoke').")
    static final class Add implements Runnable {
        @Option(names = "--dir", required = true, description = "The mesh's certificate folder.")
        Path dir;

        @Option(names = "--domain", description = "Domain whose node gets a certificate.")
        String domain;

        @Option(names = "--client", description = "Client (a person or tool submitting jobs) that gets a certificate.")
        String client;

        @Option(names = "--coordinator", description = "A new coordinator certificate (after revoking the old one).")
        boolean coordinator;

        @Option(names = "--days", defaultValue = "365", description = "Validity in days (default: ${DEFAULT-VALUE}).")
        int days;

        @Option(names = "--hosts", split = ",", defaultValue = "localhost,127.0.0.1",
                description = "With --coordinator: host names and addresses its certificate names, for HTTPS clients (default: ${DEFAULT-VALUE}).")
        List<String> hosts;

        @Override
        public void run() {
            if ((domain != null ? 1 : 0) + (client != null ? 1 : 0) + (coordinator ? 1 : 0) != 1) {
                throw new MeshflException(ErrorCode.JOB_INVALID, "give exactly one of --domain, --client, --coordinator");
            }
            CertificateAuthority ca = CertificateAuthority.open(dir);
            MeshIdentity.Role role = coordinator ? MeshIdentity.Role.COORDINATOR : domain != null ? MeshIdentity.Role.DOMAIN : MeshIdentity.Role.CLIENT;
            String name = coordinator ? "coordinator" : domain != null ? domain : client;
            print(coordinator ? ca.issue(role, name, days, hosts) : ca.issue(role, name, days), dir, CertificateAuthority.stem(role, name));
        }
    }

    @Command(name = "revoke", mixinStandardHelpOptions = true,
            description = "Put a certificate on the CA's revocation list (crl.pem); a running coordinator picks it up within a second.")
    static final class Revoke implements Runnable {
        @Option(names = "--dir", required = true, description = "The mesh's certificate folder.")
        Path dir;

        @Option(names = "--name", required = true, description = "File stem of the certificate: a domain, 'coordinator' or 'client-NAME'.")
        String name;

        @Override
        public void run() {
            BigInteger serial = CertificateAuthority.open(dir).revoke(name);
            System.out.println("revoked " + dir.resolve(name + ".pem") + " (serial " + serial.toString(16) + "); copy "
                    + dir.resolve(CertificateAuthority.CRL) + " to the nodes too, the coordinator reads it from its --tls-dir");
        }
    }

    @Command(name = "list", mixinStandardHelpOptions = true, description = "List the certificates in the folder with identity, expiry and revocation.")
    static final class ListCerts implements Runnable {
        @Option(names = "--dir", required = true, description = "The mesh's certificate folder.")
        Path dir;

        @Override
        public void run() {
            CertificateAuthority ca = CertificateAuthority.open(dir);
            try (Stream<Path> files = Files.list(dir)) {
                for (Path f : files.filter(p -> p.toString().endsWith(".pem") && !p.toString().endsWith("-key.pem")
                        && !p.getFileName().toString().equals("ca.pem") && !p.getFileName().toString().equals(CertificateAuthority.CRL)).sorted().toList()) {
                    X509Certificate c = certificate(f);
                    java.time.Instant soon = java.time.Instant.now().plus(io.meshfl.wire.tls.MeshTls.EXPIRY_WARNING);
                    String state = ca.revoked(c.getSerialNumber()) ? "REVOKED" : c.getNotAfter().before(new java.util.Date()) ? "EXPIRED"
                            : c.getNotAfter().toInstant().isBefore(soon) ? "EXPIRES WITHIN 7 DAYS: issue a new one" : "valid";
                    System.out.printf("%-28s %-34s until %s  serial %s  %s%n", f.getFileName(),
                            MeshIdentity.of(c).map(i -> MeshIdentity.uri(i.role(), i.name())).orElse("(no meshfl identity)"),
                            c.getNotAfter().toInstant(), c.getSerialNumber().toString(16), state);
                }
            } catch (IOException e) {
                throw new MeshflException(ErrorCode.CRYPTO_FAILURE, "cannot list " + dir + ": " + e.getMessage());
            }
        }
    }

    private static X509Certificate certificate(Path f) {
        try (var in = Files.newInputStream(f)) {
            return (X509Certificate) java.security.cert.CertificateFactory.getInstance("X.509").generateCertificate(in);
        } catch (IOException | java.security.GeneralSecurityException e) {
            throw new MeshflException(ErrorCode.CRYPTO_FAILURE, f + " is not a PEM certificate: " + e.getMessage());
        }
    }

    private static void print(X509Certificate c, Path dir, String stem) {
        System.out.println(String.format("%-11s %s  (%s, until %s)", stem, dir.resolve(stem + ".pem"),
                MeshIdentity.of(c).map(i -> MeshIdentity.uri(i.role(), i.name())).orElseThrow(), c.getNotAfter().toInstant()));
    }
}

package io.meshfl.node;

import io.meshfl.core.MeshflException;
import io.meshfl.core.protocol.Message;
import io.meshfl.core.trust.MeshIdentity;
import io.meshfl.core.trust.Signer;
import io.meshfl.wire.tls.CertificateAuthority;

import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertTrue;

/** A mesh CA for node tests that check signatures: domain certificates, the operator's client certificate, their signers. */
final class TrustedNodes {

    private TrustedNodes() {
    }

    /** A CA under {@code dir/certs} with a certificate per domain and the operator's client certificate. */
    static CertificateAuthority ca(Path dir, String... domains) {
        CertificateAuthority ca = CertificateAuthority.create(dir.resolve("certs"), CertificateAuthority.KeyType.EC, "t", 10);
        for (String d : domains) ca.issue(MeshIdentity.Role.DOMAIN, d, 5);
        ca.issue(MeshIdentity.Role.CLIENT, "operator", 5);
        return ca;
    }

    /** The signer of certificate {@code stem} ({@code payments}, {@code client-operator}) of the CA under {@code dir/certs}. */
    static Signer signer(Path dir, String stem) {
        Path certs = dir.resolve("certs");
        return Signer.load(certs.resolve(stem + ".pem"), certs.resolve(stem + "-key.pem"));
    }

    /**
     * Product {@code domain.name} at {@code version} over {@code dir/p.csv} (id, a, y), granting
     * {@code consumer} horizontal training; written to its own file under {@code dir}.
     */
    static io.meshfl.core.contract.DataContract product(Path dir, String domain, String name, String version, String consumer) throws Exception {
        Path file = dir.resolve(domain + "." + name + "-" + version + "-" + consumer.replace(':', '-') + ".yaml");
        java.nio.file.Files.writeString(file, """
                apiVersion: v3.0.2
                kind: DataContract
                id: %1$s.%2$s
                version: %3$s
                domain: %1$s
                dataProduct: %2$s
                servers:
                  - {server: local, type: csv, path: p.csv}
                schema:
                  - name: %2$s
                    properties:
                      - {name: id, logicalType: string, primaryKey: true}
                      - {name: a, logicalType: number}
                      - {name: y, logicalType: integer}
                meshfl:
                  entityKey: id
                  label: y
                  consumers: [{identity: '%4$s', may: [train], protocols: [horizontal]}]
                """.formatted(domain, name, version, consumer));
        return io.meshfl.core.contract.ContractLoader.load(file);
    }

    /** A node of {@code c}'s domain serving it, its run registry under {@code dir/state}, checking against the CA and revocation list as they are now. */
    static DomainNode node(Path dir, CertificateAuthority ca, io.meshfl.core.contract.DataContract c, String state) {
        return new DomainNode(c.domain(), java.util.List.of(c), s -> { }).stateDir(dir.resolve(state)).trust(ca.certificate(),
                new io.meshfl.core.trust.Revocations(dir.resolve("certs").resolve(CertificateAuthority.CRL), ca.certificate()), signer(dir, c.domain()));
    }

    /** How {@code node} refuses {@code req}: the error of its failed reply or the one it threw (a served request fails the test). */
    static MeshflException refusal(DomainNode node, Message req) {
        try {
            Message reply = node.handle(req);
            assertTrue(reply.failed(), "served " + req.protocol() + "/" + req.step());
            return new MeshflException(reply.error().code(), reply.error().message());
        } catch (MeshflException e) {
            return e;
        }
    }
}

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

package io.meshfl.wire.tls;

import io.meshfl.core.MeshflException;
import io.meshfl.core.trust.MeshIdentity;
import io.meshfl.core.trust.Revocations;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.math.BigInteger;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.cert.X509Certificate;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class CertificateAuthorityTest {

    @TempDir
    Path dir;

    @Test
    void domainCertificateBindsItsDomainInAMeshUri() {
        CertificateAuthority ca = CertificateAuthority.create(dir, CertificateAuthority.KeyType.EC, "t", 10);
        X509Certificate c = ca.issue(MeshIdentity.Role.DOMAIN, "cards-east", 5);
        MeshIdentity id = MeshIdentity.of(c).orElseThrow();
        assertEquals(MeshIdentity.Role.DOMAIN, id.role());
        assertEquals("cards-east", id.name());
        assertTrue(Files.exists(dir.resolve("cards-east.pem")) && Files.exists(dir.resolve("cards-east-key.pem")));
        assertEquals(MeshIdentity.Role.DOMAIN, MeshTls.load(dir, MeshIdentity.Role.DOMAIN, "cards-east").self().role());
        // the certificate of one domain does not load as another's
        var e = assertThrows(MeshflException.class, () -> MeshTls.load(dir, MeshIdentity.Role.COORDINATOR, "coordinator"));
        assertTrue(e.getMessage().contains("coordinator.pem"), e.getMessage());
    }

    @Test
    void revokedSerialIsOnTheSignedListAndBlocksLoading() {
        CertificateAuthority ca = CertificateAuthority.create(dir, CertificateAuthority.KeyType.EC, "t", 10);
        X509Certificate c = ca.issue(MeshIdentity.Role.DOMAIN, "cards-east", 5);
        ca.issue(MeshIdentity.Role.DOMAIN, "cards-west", 5);
        BigInteger serial = ca.revoke("cards-east");
        assertEquals(c.getSerialNumber(), serial);
        assertTrue(new Revocations(dir.resolve("crl.pem"), ca.certificate()).isRevoked(serial));
        assertFalse(ca.revoked(MeshIdentity.of(ca.issue(MeshIdentity.Role.CLIENT, "alice", 1)).orElseThrow().serial()));
        var e = assertThrows(MeshflException.class, () -> MeshTls.load(dir, MeshIdentity.Role.DOMAIN, "cards-east"));
        assertTrue(e.getMessage().contains("revoked"), e.getMessage());
        // a revoked certificate can be replaced; a live one cannot be overwritten
        ca.issue(MeshIdentity.Role.DOMAIN, "cards-east", 5);
        assertThrows(MeshflException.class, () -> ca.issue(MeshIdentity.Role.DOMAIN, "cards-west", 5));
    }

    @Test
    void crlSignedByAnotherCaIsRefused() throws Exception {
        CertificateAuthority ca = CertificateAuthority.create(dir.resolve("a"), CertificateAuthority.KeyType.EC, "a", 10);
        CertificateAuthority.create(dir.resolve("b"), CertificateAuthority.KeyType.EC, "b", 10);
        assertThrows(MeshflException.class, () -> new Revocations(dir.resolve("b/crl.pem"), ca.certificate()));
    }

    @Test
    void rsaCaIssuesRsaCertificates() {
        CertificateAuthority ca = CertificateAuthority.create(dir, CertificateAuthority.KeyType.RSA, "t", 10);
        X509Certificate c = ca.issue(MeshIdentity.Role.COORDINATOR, "coordinator", 5);
        assertEquals("RSA", c.getPublicKey().getAlgorithm());
        assertEquals(MeshIdentity.Role.COORDINATOR, MeshTls.load(dir, MeshIdentity.Role.COORDINATOR, "coordinator").self().role());
    }

    @Test
    void secondCaInTheSameFolderIsRefused() {
        CertificateAuthority.create(dir, CertificateAuthority.KeyType.EC, "t", 10);
        assertThrows(MeshflException.class, () -> CertificateAuthority.create(dir, CertificateAuthority.KeyType.EC, "t", 10));
    }
}

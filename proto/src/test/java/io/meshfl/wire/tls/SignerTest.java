package io.meshfl.wire.tls;

import io.meshfl.core.trust.MeshIdentity;
import io.meshfl.core.trust.Signer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.Signature;
import java.util.Arrays;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Signatures made with a mesh key and checked against its certificate, for both key types, and what a check must refuse. */
class SignerTest {

    @TempDir
    Path dir;

    private Signer signer(CertificateAuthority.KeyType type, String name) {
        Path certs = dir.resolve(type.name());
        CertificateAuthority ca = java.nio.file.Files.exists(certs.resolve("ca.pem")) ? CertificateAuthority.open(certs)
                : CertificateAuthority.create(certs, type, "t", 10);
        ca.issue(MeshIdentity.Role.CLIENT, name, 5);
        return Signer.load(certs.resolve("client-" + name + ".pem"), certs.resolve("client-" + name + "-key.pem"));
    }

    @Test
    void signaturesCheckAgainstTheirOwnCertificateOnlyAndOnlyForTheSignedBytes() {
        for (CertificateAuthority.KeyType type : CertificateAuthority.KeyType.values()) {
            Signer alice = signer(type, "alice");
            Signer mallory = signer(type, "mallory");
            byte[] data = "run 42: spec ab12, products bank.customers@1.0.0".getBytes(StandardCharsets.UTF_8);
            byte[] sig = alice.sign(data);
            // checked many times, as nodes do: the converted key is reused and stays right
            for (int i = 0; i < 3; i++) assertTrue(Signer.verify(alice.certificate(), data, sig), type.name());
            byte[] edited = data.clone();
            edited[4] ^= 1;
            assertFalse(Signer.verify(alice.certificate(), edited, sig), type + ": one bit of the data changed");
            assertFalse(Signer.verify(mallory.certificate(), data, sig), type + ": another identity's certificate");
            assertFalse(Signer.verify(alice.certificate(), data, mallory.sign(data)), type + ": another identity's signature");
            byte[] bent = sig.clone();
            bent[bent.length - 1] ^= 1;
            assertFalse(Signer.verify(alice.certificate(), data, bent), type + ": one bit of the signature changed");
            assertFalse(Signer.verify(alice.certificate(), data, Arrays.copyOf(sig, 7)), type + ": a truncated signature");
            assertFalse(Signer.verify(alice.certificate(), data, new byte[0]), type + ": no signature");
        }
    }

    @Test
    void aSignatureMadeByTheJdkAloneIsAccepted() throws Exception {
        Path certs = dir.resolve("jdk");
        CertificateAuthority.create(certs, CertificateAuthority.KeyType.EC, "t", 10).issue(MeshIdentity.Role.CLIENT, "bob", 5);
        Signer bob = Signer.load(certs.resolve("client-bob.pem"), certs.resolve("client-bob-key.pem"));
        byte[] data = new byte[439];
        new java.security.SecureRandom().nextBytes(data);
        Signature jdk = Signature.getInstance("SHA256withECDSA", "SunEC");
        jdk.initSign(io.meshfl.core.trust.Pem.privateKey(certs.resolve("client-bob-key.pem"), "EC"));
        jdk.update(data);
        assertTrue(Signer.verify(bob.certificate(), data, jdk.sign()));
    }
}

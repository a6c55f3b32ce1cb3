package io.meshfl.stream.join;

import io.meshfl.core.MeshflException;
import io.meshfl.core.trust.MeshIdentity;
import io.meshfl.core.trust.Signer;
import io.meshfl.wire.tls.CertificateAuthority;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Instant;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** A party's join key signed by its node: taken only from the expected domain, for this job and side, under the mesh CA. */
class SignedJoinKeyTest {

    @TempDir
    static Path dir;
    static CertificateAuthority ca;
    static CertificateAuthority otherMesh;
    static Signer advertiser;
    static Signer platform;
    static Signer revoked;
    static Signer stranger;
    static Signer client;
    static byte[] key = JoinKey.publicOf(JoinKey.newSecret(new SecureRandom()));

    @BeforeAll
    static void mesh() {
        ca = CertificateAuthority.create(dir.resolve("ca"), CertificateAuthority.KeyType.EC, "ads", 30);
        advertiser = signer(ca, MeshIdentity.Role.DOMAIN, "advertiser");
        platform = signer(ca, MeshIdentity.Role.DOMAIN, "platform");
        revoked = signer(ca, MeshIdentity.Role.DOMAIN, "advertiser2");
        ca.revoke(CertificateAuthority.stem(MeshIdentity.Role.DOMAIN, "advertiser2"));
        client = signer(ca, MeshIdentity.Role.CLIENT, "mallory");
        otherMesh = CertificateAuthority.create(dir.resolve("other"), CertificateAuthority.KeyType.EC, "elsewhere", 30);
        stranger = signer(otherMesh, MeshIdentity.Role.DOMAIN, "advertiser");
    }

    static Signer signer(CertificateAuthority authority, MeshIdentity.Role role, String name) {
        authority.issue(role, name, 30);
        String stem = CertificateAuthority.stem(role, name);
        return Signer.load(authority.dir().resolve(stem + ".pem"), authority.dir().resolve(stem + "-key.pem"));
    }

    static byte[] verify(SignedJoinKey k, String job, JoinSpec.Side side, String domain) {
        return SignedJoinKey.decode(k.encode()).verify(job, side, domain, ca.certificate(), ca::revoked, Instant.now());
    }

    static String refusal(SignedJoinKey k, String job, JoinSpec.Side side, String domain) {
        return assertThrows(MeshflException.class, () -> verify(k, job, side, domain)).getMessage();
    }

    @Test
    void theFollowersKeySignedByItsNodeIsTakenForThisJob() {
        assertArrayEquals(key, verify(SignedJoinKey.sign(advertiser, "ads", JoinSpec.Side.FOLLOWER, key), "ads", JoinSpec.Side.FOLLOWER, "advertiser"));
    }

    @Test
    void aKeySignedForAnotherJobOrSideOrByAnotherDomainIsRefused() {
        SignedJoinKey k = SignedJoinKey.sign(advertiser, "ads", JoinSpec.Side.FOLLOWER, key);
        assertTrue(refusal(k, "ads-2", JoinSpec.Side.FOLLOWER, "advertiser").contains("was signed for another join than 'ads-2'"));
        assertTrue(refusal(k, "ads", JoinSpec.Side.LEADER, "advertiser").contains("is not the leader's key this party needs"));
        // the platform's own node signs a key and passes it off as the advertiser's
        String m = refusal(SignedJoinKey.sign(platform, "ads", JoinSpec.Side.FOLLOWER, key), "ads", JoinSpec.Side.FOLLOWER, "advertiser");
        assertTrue(m.contains("is not domain advertiser's, which this party expects"), m);
        m = assertThrows(IllegalArgumentException.class, () -> SignedJoinKey.sign(client, "ads", JoinSpec.Side.FOLLOWER, key)).getMessage();
        assertTrue(m.contains("signed by its domain node's certificate"), m);
    }

    @Test
    void aRevokedCertificateOrOneOfAnotherMeshIsRefused() {
        String m = refusal(SignedJoinKey.sign(stranger, "ads", JoinSpec.Side.FOLLOWER, key), "ads", JoinSpec.Side.FOLLOWER, "advertiser");
        assertTrue(m.contains("a certificate the mesh CA does not vouch for"), m);
        m = refusal(SignedJoinKey.sign(revoked, "ads", JoinSpec.Side.FOLLOWER, key), "ads", JoinSpec.Side.FOLLOWER, "advertiser2");
        assertTrue(m.contains("revoked certificate"), m);
    }

    @Test
    void aKeyChangedOnItsWayIsRefused() {
        SignedJoinKey k = SignedJoinKey.sign(advertiser, "ads", JoinSpec.Side.FOLLOWER, key);
        String text = new String(k.statement(), StandardCharsets.UTF_8);
        byte[] mine = JoinKey.publicOf(JoinKey.newSecret(new SecureRandom()));
        String swapped = text.replace(java.util.HexFormat.of().formatHex(key), java.util.HexFormat.of().formatHex(mine));
        SignedJoinKey forged = new SignedJoinKey(swapped.getBytes(StandardCharsets.UTF_8), k.certificate(), k.signature());
        String m = refusal(forged, "ads", JoinSpec.Side.FOLLOWER, "advertiser");
        assertTrue(m.contains("does not match") && m.contains("it was altered"), m);
        m = assertThrows(MeshflException.class, () -> SignedJoinKey.decode("0011aabb".getBytes(StandardCharsets.UTF_8))).getMessage();
        assertTrue(m.contains("is not a signed stream join key"), m);
    }
}

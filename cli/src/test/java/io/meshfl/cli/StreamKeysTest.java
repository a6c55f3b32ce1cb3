package io.meshfl.cli;

import io.meshfl.core.MeshflException;
import io.meshfl.core.trust.MeshIdentity;
import io.meshfl.stream.JoinProcess;
import io.meshfl.stream.join.JoinKey;
import io.meshfl.stream.join.JoinSpec;
import io.meshfl.wire.tls.CertificateAuthority;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@code meshfl stream keys --tls-dir}: a join key signed by its domain's node, and the other party taking only such a key. */
class StreamKeysTest {

    @Test
    void aKeySignedByTheAdvertisersNodeIsTakenByThePlatformAndNothingElseIs(@TempDir Path dir) throws Exception {
        Path certs = dir.resolve("certs");
        CertificateAuthority ca = CertificateAuthority.create(certs, CertificateAuthority.KeyType.EC, "ads", 30);
        ca.issue(MeshIdentity.Role.DOMAIN, "advertiser", 30);
        ca.issue(MeshIdentity.Role.DOMAIN, "platform", 30);
        Path keys = dir.resolve("keys");
        assertEquals(0, Main.execute("stream", "keys", "--out", keys.toString(), "--name", "advertiser", "--tls-dir", certs.toString(),
                "--domain", "advertiser", "--job", "ads", "--side", "follower"));
        assertEquals(0, Main.execute("stream", "keys", "--out", keys.toString(), "--name", "platform"));
        byte[] advertiserPublic = JoinKey.publicOf(JoinProcess.readKey(keys.resolve("advertiser.key"), true));

        List<String> said = new ArrayList<>();
        assertArrayEquals(advertiserPublic, StreamKeys.peerPublic(keys.resolve("advertiser.pub.signed"), certs, "advertiser", "ads",
                JoinSpec.Side.LEADER, said::add));
        assertTrue(said.get(0).contains("signed by its node under the mesh CA"), said.toString());

        // expected from another domain, for another job, or as the leader's key: refused
        String m = assertThrows(MeshflException.class, () -> StreamKeys.peerPublic(keys.resolve("advertiser.pub.signed"), certs, "platform", "ads",
                JoinSpec.Side.FOLLOWER, s -> { })).getMessage();
        assertTrue(m.contains("is not the leader's key this party needs"), m);
        m = assertThrows(MeshflException.class, () -> StreamKeys.peerPublic(keys.resolve("advertiser.pub.signed"), certs, "platform", "ads",
                JoinSpec.Side.LEADER, s -> { })).getMessage();
        assertTrue(m.contains("is not domain platform's"), m);
        m = assertThrows(MeshflException.class, () -> StreamKeys.peerPublic(keys.resolve("advertiser.pub.signed"), certs, "advertiser", "ads-2",
                JoinSpec.Side.LEADER, s -> { })).getMessage();
        assertTrue(m.contains("signed for another join"), m);
        // once the advertiser's certificate is revoked, its signed key is no longer taken
        ca.revoke(CertificateAuthority.stem(MeshIdentity.Role.DOMAIN, "advertiser"));
        m = assertThrows(MeshflException.class, () -> StreamKeys.peerPublic(keys.resolve("advertiser.pub.signed"), certs, "advertiser", "ads",
                JoinSpec.Side.LEADER, s -> { })).getMessage();
        assertTrue(m.contains("revoked certificate"), m);

        // a plain key is refused where signed ones are asked for, and said to be taken as given where they are not
        m = assertThrows(IllegalArgumentException.class, () -> StreamKeys.peerPublic(keys.resolve("platform.pub"), certs, "platform", "ads",
                JoinSpec.Side.FOLLOWER, s -> { })).getMessage();
        assertTrue(m.contains("is not signed by the other party's node"), m);
        m = assertThrows(IllegalArgumentException.class, () -> StreamKeys.peerPublic(keys.resolve("platform.pub"), null, "platform", "ads",
                JoinSpec.Side.FOLLOWER, s -> { })).getMessage();
        assertTrue(m.contains("--peer-domain names the domain") && m.contains("give --tls-dir"), m);
        said.clear();
        StreamKeys.peerPublic(keys.resolve("platform.pub"), null, null, "ads", JoinSpec.Side.FOLLOWER, said::add);
        assertTrue(said.get(0).contains("taken as given"), said.toString());
        // and a join asked to check the key stops before it connects anywhere
        assertTrue(Main.execute("stream", "join", "--side", "leader", "--contract", Path.of("..", "examples", "ads-stream", "platform.impressions.yaml").toString(),
                "--job", "ads", "--key", keys.resolve("platform.key").toString(), "--peer-public", keys.resolve("advertiser.pub.signed").toString(),
                "--tls-dir", certs.toString(), "--peer-domain", "advertiser", "--state", dir.resolve("state").toString()) != 0);
        assertTrue(Files.notExists(dir.resolve("state")), "nothing was started");
    }
}

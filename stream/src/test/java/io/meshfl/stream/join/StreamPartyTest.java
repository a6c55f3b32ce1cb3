package io.meshfl.stream.join;

import io.meshfl.core.ErrorCode;
import io.meshfl.core.MeshflException;
import io.meshfl.core.contract.ContractLoader;
import io.meshfl.core.contract.DataContract;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Duration;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** What a party refuses before it touches a broker. */
class StreamPartyTest {

    static final Path EXAMPLE = Path.of("..", "examples", "ads-stream", "platform.impressions.yaml");

    static JoinKey key() {
        SecureRandom r = new SecureRandom();
        return JoinKey.agree(JoinKey.newSecret(r), JoinKey.publicOf(JoinKey.newSecret(r)), "j");
    }

    @Test
    void aPiiIdIsNotJoinedUnderAKeyedHash(@TempDir Path dir) throws Exception {
        String yaml = Files.readString(EXAMPLE).replace("{name: impression_id, logicalType: string, primaryKey: true}",
                "{name: impression_id, logicalType: string, primaryKey: true, classification: pii}");
        DataContract c = ContractLoader.parse(yaml, EXAMPLE, false);
        JoinSpec spec = new JoinSpec("j", Duration.ofMinutes(30), Duration.ofMinutes(5), Duration.ofMinutes(10));
        MeshflException e = assertThrows(MeshflException.class, () -> StreamParty.start(spec, JoinSpec.Side.LEADER, c, key(), dir, s -> { }));
        assertEquals(ErrorCode.POLICY_VIOLATION, e.code());
        assertTrue(e.getMessage().contains("pii"), e.getMessage());
    }

    @Test
    void aSkewShorterThanTheStreamsWatermarkDelayIsRefused(@TempDir Path dir) {
        DataContract c = ContractLoader.load(EXAMPLE, false);
        JoinSpec spec = new JoinSpec("j", Duration.ofMinutes(30), Duration.ofMinutes(5), Duration.ofSeconds(30));
        MeshflException e = assertThrows(MeshflException.class, () -> StreamParty.start(spec, JoinSpec.Side.FOLLOWER, c, key(), dir, s -> { }));
        assertEquals(ErrorCode.JOB_INVALID, e.code());
        assertTrue(e.getMessage().startsWith("skew") || e.getMessage().contains("skew:"), e.getMessage());
    }

    @Test
    void aSecretKeyFileOtherAccountsMayReadIsRefusedNamingIt(@TempDir Path dir) throws Exception {
        byte[] secret = JoinKey.newSecret(new SecureRandom());
        Path key = Files.writeString(dir.resolve("platform.key"), java.util.HexFormat.of().formatHex(secret));
        Files.setPosixFilePermissions(key, java.nio.file.attribute.PosixFilePermissions.fromString("rw-r--r--"));
        MeshflException e = assertThrows(MeshflException.class, () -> io.meshfl.stream.JoinProcess.readKey(key, true));
        assertTrue(e.getMessage().contains("secret key") && e.getMessage().contains("platform.key"), e.getMessage());
        // the peer's public key may be readable; the owner-only secret is read
        assertEquals(32, io.meshfl.stream.JoinProcess.readKey(key, false).length);
        Files.setPosixFilePermissions(key, java.nio.file.attribute.PosixFilePermissions.fromString("rw-------"));
        assertTrue(java.util.Arrays.equals(secret, io.meshfl.stream.JoinProcess.readKey(key, true)));
    }

    @Test
    void theJoinsStateFolderIsOwnerOnly(@TempDir Path dir) throws Exception {
        Path open = Files.createDirectory(dir.resolve("state"));
        Files.setPosixFilePermissions(open, java.nio.file.attribute.PosixFilePermissions.fromString("rwxr-xr-x"));
        DataContract c = ContractLoader.load(EXAMPLE, false);
        JoinSpec spec = new JoinSpec("j", Duration.ofMinutes(30), Duration.ofMinutes(5), Duration.ofMinutes(10));
        SecureRandom r = new SecureRandom();
        byte[] mine = JoinKey.newSecret(r);
        MeshflException e = assertThrows(MeshflException.class, () -> io.meshfl.stream.JoinProcess.run(new io.meshfl.stream.JoinProcess.Options(
                spec, JoinSpec.Side.LEADER, c, mine, JoinKey.publicOf(JoinKey.newSecret(r)), open, null, Duration.ofSeconds(1)), s -> { }));
        assertTrue(e.getMessage().contains("state folder"), e.getMessage());
    }

    @Test
    void aJobNameThatIsNotPlainIsRefused() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> new JoinSpec("../x", Duration.ofMinutes(30), Duration.ofMinutes(5), Duration.ofMinutes(10)));
        assertTrue(e.getMessage().contains("job"), e.getMessage());
    }
}

package io.meshfl.engine.spark;

import io.meshfl.core.MeshflException;
import org.apache.spark.storage.StorageLevel;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.IntStream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The Spark engine's driver from the outside: another process on the host calls its RPC port, with
 * no secret and with a guessed one, and looks for the keys it holds in the files Spark writes. Each
 * attack is also run against an engine whose operator turned the protection off, where it succeeds:
 * the probes are real.
 */
class SparkEngineTrustTest {

    private static final List<String> LOG = new ArrayList<>();

    private static SparkEngine engine(Map<String, String> settings) {
        return new SparkEngine("bank", List.of(), settings, LOG::add);
    }

    private static String probe(int port, String... secret) throws Exception {
        List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-Xmx256m"));
        for (String line : Files.readAllLines(Path.of("jvm-options"))) if (!line.isBlank()) cmd.add(line.strip());
        cmd.addAll(List.of("-cp", System.getProperty("surefire.test.class.path", System.getProperty("java.class.path")),
                SparkRpcProbe.class.getName(), Integer.toString(port)));
        cmd.addAll(List.of(secret));
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(60, TimeUnit.SECONDS), "probe did not finish");
        return out.lines().filter(l -> l.startsWith("ANSWERED") || l.startsWith("REFUSED")).findFirst().orElseThrow(() -> new AssertionError(out));
    }

    @Test
    void anotherProcessOnTheHostCannotCallTheDriverWithoutItsSecret() throws Exception {
        try (SparkEngine e = engine(Map.of())) {
            assertTrue(e.describe().endsWith("authenticated, encrypted RPC and local disk"), e.describe());
            int port = e.driverPort();
            assertTrue(probe(port).startsWith("REFUSED"), "no secret");
            assertTrue(probe(port, "0123456789abcdef0123456789abcdef").startsWith("REFUSED"), "a guessed secret");
        }
        LOG.clear();
        try (SparkEngine open = engine(Map.of("spark.authenticate", "false"))) {
            assertTrue(LOG.stream().anyMatch(l -> l.contains("WITHOUT spark.authenticate (")), "the node's log says so: " + LOG);
            assertTrue(open.describe().contains("WITHOUT spark.authenticate"), open.describe());
            String answer = probe(open.driverPort());
            assertTrue(answer.startsWith("ANSWERED"), "the same call reaches a driver left open: " + answer);
        }
    }

    @Test
    void keysSpilledToLocalDiskAreNeitherReadableByOthersNorInTheClear() throws Exception {
        assertFalse(search(Map.of()), "a key found in the engine's local files");
        assertTrue(search(Map.of("spark.io.encryption.enabled", "false")), "the same blocks are plain when the operator turns encryption off");
    }

    /** Persists keys to disk only and reports whether one of them can be read from the files under Spark's local directory. */
    private static boolean search(Map<String, String> settings) throws Exception {
        try (SparkEngine e = engine(settings)) {
            Path local = Path.of(e.localDir());
            assertEquals("rwx------", PosixFilePermissions.toString(Files.getPosixFilePermissions(local)), "only the node reads " + local);
            List<String> keys = IntStream.range(0, 20_000).mapToObj(i -> "customer-" + (7_000_000 + i)).toList();
            var rdd = e.context().parallelize(keys, 4).persist(StorageLevel.DISK_ONLY());
            assertEquals(keys.size(), rdd.count());
            byte[] needle = "customer-7012345".getBytes(StandardCharsets.UTF_8);
            boolean found = false;
            int files = 0;
            try (var walk = Files.walk(local)) {
                for (Path f : walk.filter(Files::isRegularFile).toList()) {
                    files++;
                    found |= indexOf(Files.readAllBytes(f), needle) >= 0;
                }
            }
            assertTrue(files >= 4, "the blocks were written to " + local);
            return found;
        }
    }

    private static int indexOf(byte[] hay, byte[] needle) {
        outer:
        for (int i = 0; i + needle.length <= hay.length; i++) {
            for (int j = 0; j < needle.length; j++) if (hay[i + j] != needle[j]) continue outer;
            return i;
        }
        return -1;
    }

    @Test
    void aSecretOnTheCommandLineIsRefusedNamingTheFileSetting() {
        MeshflException e = assertThrows(MeshflException.class, () -> engine(Map.of("spark.authenticate.secret", "s3cret")));
        assertTrue(e.getMessage().contains("spark.authenticate.secret.file"), e.getMessage());
        assertFalse(e.getMessage().contains("s3cret"), "the error does not repeat the secret");
    }
}

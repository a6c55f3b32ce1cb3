package io.meshfl.deploy;

import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.meshfl.cli.Main;
import io.meshfl.core.trust.MeshIdentity;
import io.meshfl.wire.tls.MeshTls;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The chart's two key scripts, run by a real shell on a folder laid out as the pod's volumes are:
 * the copy must leave a folder MeshFL accepts, and the sidecar must bring a new revocation list
 * to a party that is already running.
 */
class KeyScriptsTest {

    private static final String DOMAIN = "cards-east";

    @Test
    void theCopiedKeyFolderIsAcceptedAndARevocationReachesARunningNode(@TempDir Path root) throws Exception {
        Deployment node = RenderedChart.render("bank", RenderedChart.THREE_DOMAINS).named(Deployment.class, "bank-node-" + DOMAIN);
        List<Container> init = node.getSpec().getTemplate().getSpec().getInitContainers();
        Path certs = root.resolve("certs");
        assertEquals(0, Main.execute("certs", "init", "--dir=" + certs, "--domains=" + DOMAIN + ",cards-west"));
        Path secret = secretVolume(root, certs, List.of("ca.pem", "crl.pem", DOMAIN + ".pem", DOMAIN + "-key.pem"));
        Files.createDirectories(root.resolve("run"));

        assertEquals(0, sh(script(init.get(0), root)).waitFor(30, TimeUnit.SECONDS) ? 0 : -1);
        Path keys = root.resolve("run/tls");
        assertEquals("rwx------", PosixFilePermissions.toString(Files.getPosixFilePermissions(keys)));
        MeshTls tls = MeshTls.load(keys, MeshIdentity.Role.DOMAIN, DOMAIN);
        MeshTls west = MeshTls.load(certs, MeshIdentity.Role.DOMAIN, "cards-west");
        assertFalse(tls.revocations().isRevoked(west.self().serial()));

        Process crl = sh(script(init.get(1), root).replace("sleep 10", "sleep 0.2"));
        try {
            assertEquals(0, Main.execute("certs", "revoke", "--dir=" + certs, "--name=cards-west"));
            // the kubelet swaps a Secret's files for new ones: so does this
            Files.copy(certs.resolve("crl.pem"), secret.resolve("crl.pem.new"));
            Files.move(secret.resolve("crl.pem.new"), secret.resolve("crl.pem"), java.nio.file.StandardCopyOption.REPLACE_EXISTING,
                    java.nio.file.StandardCopyOption.ATOMIC_MOVE);
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
            while (!tls.revocations().isRevoked(west.self().serial()) && System.nanoTime() < deadline) Thread.sleep(100);
            assertTrue(tls.revocations().isRevoked(west.self().serial()), "the running node sees the revocation");
            assertTrue(crl.isAlive(), "the sidecar keeps watching");
            try (Stream<Path> left = Files.list(root.resolve("run"))) {
                assertEquals(List.of(keys), left.toList(), "no half-copied list left beside the keys");
            }
        } finally {
            crl.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
        }
    }

    /** A Secret volume as the kubelet lays it out for defaultMode 0440: the files, readable by the pod's group. */
    private static Path secretVolume(Path root, Path certs, List<String> files) throws IOException {
        Path secret = Files.createDirectories(root.resolve("tls-secret"));
        for (String f : files) {
            Path to = Files.copy(certs.resolve(f), secret.resolve(f));
            Files.setPosixFilePermissions(to, PosixFilePermissions.fromString("r--r-----"));
        }
        return secret;
    }

    /** The container's shell script with the pod's paths moved under {@code root}. */
    private static String script(Container c, Path root) {
        List<String> cmd = c.getCommand();
        assertEquals(List.of("/bin/sh", "-c"), cmd.subList(0, 2), c.getName());
        return cmd.get(2).replace("/etc/meshfl/", root + "/");
    }

    private static Process sh(String script) throws IOException {
        return new ProcessBuilder("/bin/sh", "-c", script).inheritIO().start();
    }
}

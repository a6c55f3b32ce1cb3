package io.meshfl.core.trust;

import io.meshfl.core.MeshflException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class PrivateFilesTest {

    @TempDir
    Path dir;

    @Test
    void missingFoldersAreCreatedOwnerOnlyParentsIncluded() throws Exception {
        Path d = PrivateFiles.directory(dir.resolve("a").resolve("b"), "state folder");
        assertEquals("rwx------", PosixFilePermissions.toString(Files.getPosixFilePermissions(d)));
        assertEquals("rwx------", PosixFilePermissions.toString(Files.getPosixFilePermissions(d.getParent())));
        assertEquals(d, PrivateFiles.directory(d, "state folder"), "an owner-only folder is used as it is");
    }

    @Test
    void aFolderOrKeyOthersCanReadIsRefusedByName() throws Exception {
        Path open = Files.createDirectory(dir.resolve("open"), PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwxr-x---")));
        Files.setPosixFilePermissions(open, PosixFilePermissions.fromString("rwxr-x---"));
        var e = assertThrows(MeshflException.class, () -> PrivateFiles.directory(open, "key folder"));
        assertTrue(e.getMessage().contains("key folder " + open) && e.getMessage().contains("rwxr-x---") && e.getMessage().contains("chmod 700"),
                e.getMessage());
        Path key = Files.writeString(dir.resolve("k.pem"), "x");
        Files.setPosixFilePermissions(key, PosixFilePermissions.fromString("rw-r--r--"));
        var k = assertThrows(MeshflException.class, () -> PrivateFiles.requirePrivateFile(key, "private key"));
        assertTrue(k.getMessage().contains("private key " + key) && k.getMessage().contains("chmod 600"), k.getMessage());
    }

    @Test
    void siblingsStartedAtOnceUnderAMissingParentAllGetTheirFolders() throws Exception {
        // seven nodes started together, each making nodes/<domain> while nodes/ does not exist yet
        for (int attempt = 0; attempt < 20; attempt++) {
            Path parent = dir.resolve("try-" + attempt).resolve("nodes");
            int n = 7;
            java.util.concurrent.CyclicBarrier start = new java.util.concurrent.CyclicBarrier(n);
            java.util.concurrent.ExecutorService pool = java.util.concurrent.Executors.newFixedThreadPool(n);
            try {
                java.util.List<java.util.concurrent.Future<Path>> made = new java.util.ArrayList<>();
                for (int i = 0; i < n; i++) {
                    Path own = parent.resolve("lending-" + i);
                    made.add(pool.submit(() -> {
                        start.await();
                        return PrivateFiles.directory(own, "node state folder");
                    }));
                }
                for (var f : made) assertTrue(Files.isDirectory(f.get()));
            } finally {
                pool.shutdownNow();
            }
            assertEquals("rwx------", PosixFilePermissions.toString(Files.getPosixFilePermissions(parent)));
        }
    }
}

package io.meshfl.core.catalog;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** What the embedded catalog committed survives its process being killed the moment after. */
class CatalogCrashTest {

    @TempDir
    Path dir;

    /** Commits {@code args[1]} domains to the catalog at {@code args[0]}, says so, and dies at once without closing anything. */
    public static void main(String[] args) {
        Catalog c = Catalog.open(Path.of(args[0]));
        for (int i = 0; i < Integer.parseInt(args[1]); i++) c.upsertDomain("domain-" + i, "owner");
        System.out.println("committed");
        System.out.flush();
        Runtime.getRuntime().halt(9);
    }

    @Test
    void everyCommitBeforeAKillIsThereAfterIt() throws Exception {
        Path file = dir.resolve("catalog");
        Process p = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-cp",
                System.getProperty("java.class.path"), CatalogCrashTest.class.getName(), file.toString(), "25")
                .redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes());
        assertTrue(p.waitFor(60, TimeUnit.SECONDS));
        assertEquals(9, p.exitValue(), out);
        assertTrue(out.contains("committed"), out);
        try (Catalog c = Catalog.open(file)) {
            List<String> names = c.domains().stream().map(DomainRecord::name).toList();
            assertEquals(25, names.size(), "domains found after the kill: " + names);
        }
    }
}

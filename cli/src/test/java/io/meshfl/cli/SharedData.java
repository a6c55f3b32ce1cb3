package io.meshfl.cli;

import java.nio.file.Files;
import java.nio.file.Path;

/** Finds the repository root and the shared datasets beside it, wherever tests run from. */
final class SharedData {

    private SharedData() {
    }

    static Path repoRoot() {
        Path p = Path.of("").toAbsolutePath();
        while (p != null && !Files.isDirectory(p.resolve("examples"))) p = p.getParent();
        if (p == null) throw new IllegalStateException("cannot find the repository root from " + Path.of("").toAbsolutePath());
        return p;
    }

    static Path datasets() {
        return repoRoot().resolve("../shared/datasets").normalize();
    }

    static boolean present() {
        return Files.isDirectory(datasets());
    }
}

package io.meshfl.web;

import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;

/** What the tests that run the Python packages' own tests need: executables on PATH and the checkout's root. */
final class PythonTests {

    private PythonTests() {
    }

    /** The executable {@code name} on PATH, null when there is none. */
    static String onPath(String name) {
        for (String d : System.getenv().getOrDefault("PATH", "").split(File.pathSeparator)) {
            Path f = Path.of(d.isEmpty() ? "." : d, name);
            if (Files.isExecutable(f)) return f.toString();
        }
        return null;
    }

    /** The checkout's root: the first folder up from here that holds {@code clients/python}. */
    static Path repoRoot() {
        for (Path d = Path.of("").toAbsolutePath(); d != null; d = d.getParent()) {
            if (Files.isDirectory(d.resolve("clients/python"))) return d;
        }
        throw new IllegalStateException("no clients/python above " + Path.of("").toAbsolutePath());
    }
}

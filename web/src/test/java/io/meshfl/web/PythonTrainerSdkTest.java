package io.meshfl.web;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * The Python trainer SDK ({@code clients/python/meshfl_trainer}): its unittest module
 * {@code test_trainer.py} runs in a python3 that has torch (the one on PATH, else Debian's
 * {@code /usr/bin/python3}) and every one of its tests must pass. It serves a PyTorch module on a Unix
 * socket with a token, as a node starts it, and checks the protocol, the refusals and the arithmetic.
 * Skipped only when there is no python3 or none with torch; the check of the generated messages
 * alone may skip, for want of protoc.
 */
class PythonTrainerSdkTest {

    @TempDir
    Path dir;

    @Test
    void thePythonTrainerSdksTestsPass() throws Exception {
        Set<String> pythons = new LinkedHashSet<>();
        String onPath = PythonTests.onPath("python3");
        if (onPath != null) pythons.add(onPath);
        for (String p : List.of("/usr/bin/python3", "/usr/local/bin/python3")) {
            if (Files.isExecutable(Path.of(p))) pythons.add(p);
        }
        assumeTrue(!pythons.isEmpty(), "python3 is not on PATH");
        String python = null;
        List<String> tried = new ArrayList<>();
        for (String p : pythons) {
            tried.add(p);
            if (imports(p, "torch")) {
                python = p;
                break;
            }
        }
        assumeTrue(python != null, "no python3 with torch (Debian: python3-torch); tried " + tried);
        Path repo = PythonTests.repoRoot();

        ProcessBuilder pb = new ProcessBuilder(python, "-m", "unittest", "discover", "-s", "clients/python/tests",
                "-p", "test_trainer.py", "-v")
                .directory(repo.toFile()).redirectErrorStream(true).redirectOutput(dir.resolve("python.out").toFile());
        pb.environment().put("PYTHONDONTWRITEBYTECODE", "1"); // no __pycache__ in the checkout
        pb.environment().remove("MESHFL_TRAINER_SOCKET");
        pb.environment().remove("MESHFL_TRAINER_TOKEN");
        Process p = pb.start();
        boolean ended = p.waitFor(10, TimeUnit.MINUTES);
        if (!ended) p.destroyForcibly().waitFor();
        String out = Files.readString(dir.resolve("python.out"), StandardCharsets.UTF_8);
        System.out.print(out); // which Python tests ran, in the build's log

        assertTrue(ended, "the Python trainer tests did not end in 10 minutes:\n" + out);
        assertEquals(0, p.exitValue(), "the Python trainer tests failed (" + python + "):\n" + out);
        Matcher ran = Pattern.compile("^Ran (\\d+) tests? ", Pattern.MULTILINE).matcher(out);
        assertTrue(ran.find(), "no unittest summary:\n" + out);
        String suite = Files.readString(repo.resolve("clients/python/tests/test_trainer.py"));
        long defined = Pattern.compile("^\\s+def test_", Pattern.MULTILINE).matcher(suite).results().count();
        assertEquals(defined, Long.parseLong(ran.group(1)), "every test of test_trainer.py ran:\n" + out);
        // with torch there, a skip means numpy, grpcio or protobuf is missing: the SDK could not serve
        for (String line : out.split("\n")) {
            if (line.contains(" ... skipped")) assertTrue(line.contains("protoc"), "a test was skipped (" + python + "):\n" + out);
        }
    }

    /** Whether {@code python} imports {@code module}. */
    private static boolean imports(String python, String module) throws Exception {
        Process p = new ProcessBuilder(python, "-c", "import " + module).redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
        if (!p.waitFor(2, TimeUnit.MINUTES)) {
            p.destroyForcibly().waitFor();
            return false;
        }
        return p.exitValue() == 0;
    }
}

package io.meshfl.cli;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.time.Duration;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@code meshfl run --retrain-valid-days}: how long a standing retraining ticket lasts is bounded, and a bad value names the flag. */
class RetrainValidDaysTest {

    @TempDir
    Path dir;

    @Test
    void aValidityOutsideOneToThreeHundredSixtySixDaysIsRefusedNamingTheFlagBeforeAnythingRuns() {
        for (String days : new String[]{"0", "-5", "367"}) {
            Cli.Result r = Cli.run("run", "--job", dir.resolve("absent.yaml").toString(), "--retrain-valid-days", days);
            assertEquals(2, r.code(), r.output());
            assertTrue(r.output().contains("--retrain-valid-days must be between 1 and 366 (got " + days + ")"), r.output());
        }
        Cli.Result word = Cli.run("run", "--job", dir.resolve("absent.yaml").toString(), "--retrain-valid-days", "forever");
        assertTrue(word.code() != 0 && word.output().contains("--retrain-valid-days"), word.output());
    }

    @Test
    void theDefaultIsNinetyDaysAndTheBoundsAreAllowed() {
        assertEquals(Duration.ofDays(1), RunCommand.retrainValidity(1));
        assertEquals(Duration.ofDays(366), RunCommand.retrainValidity(366));
        assertEquals(90, new picocli.CommandLine(new RunCommand()).parseArgs("--job", "j.yaml").matchedOptionValue("--retrain-valid-days", 90));
    }
}

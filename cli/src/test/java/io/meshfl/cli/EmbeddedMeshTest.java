package io.meshfl.cli;

import io.meshfl.core.catalog.Catalog;
import io.meshfl.core.catalog.RunRecord;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** What an embedded mesh leaves behind in its catalog. */
class EmbeddedMeshTest {

    @TempDir
    Path tmp;

    @Test
    void embeddedRunsLeaveTheirRunsButNoNodesBehind() throws Exception {
        Path data = tmp.resolve("demo");
        DemoData.write(data, 2);
        Files.writeString(data.resolve("job.yaml"), Files.readString(data.resolve("job.yaml")).replace("rounds: 15", "rounds: 2"));
        Path catalog = tmp.resolve("m").resolve("catalog");
        for (int i = 0; i < 2; i++) {
            Cli.Result r = Cli.run("run", "--job", data.resolve("job.yaml").toString(), "--catalog", catalog.toString(),
                    "--report", tmp.resolve("r" + i + ".json").toString());
            assertEquals(0, r.code(), r.output());
        }
        try (Catalog c = Catalog.open(catalog)) {
            assertTrue(c.nodes().isEmpty(), "embedded nodes are ephemeral: " + c.nodes());
            assertEquals(2, c.runs().size());
            assertTrue(c.runs().stream().allMatch(r -> r.status().equals(RunRecord.SUCCEEDED)));
            assertEquals(3, c.domains().size(), "the domains and their products stay in the catalog");
        }
    }

    @Test
    void aRunLeftRunningByAProcessThatDiedEndsInterruptedWhenTheNextMeshStarts() throws Exception {
        Path catalog = tmp.resolve("n").resolve("catalog");
        Path data = tmp.resolve("demo");
        DemoData.write(data, 2);
        Files.writeString(data.resolve("job.yaml"), Files.readString(data.resolve("job.yaml")).replace("rounds: 15", "rounds: 1"));
        assertEquals(0, Cli.run("run", "--job", data.resolve("job.yaml").toString(), "--catalog", catalog.toString(),
                "--report", tmp.resolve("r0.json").toString()).code());
        String runId;
        try (Catalog c = Catalog.open(catalog)) {
            // what a 'meshfl run' killed half-way leaves: a run that nobody will end
            var job = c.createJob("killed", "spec");
            runId = c.startRun(job.id(), "horizontal", "{}", "{}", 1, java.util.List.of("lending-north.loans")).id();
        }
        Cli.Result r = Cli.run("run", "--job", data.resolve("job.yaml").toString(), "--catalog", catalog.toString(), "--verbose",
                "--report", tmp.resolve("r.json").toString());
        assertEquals(0, r.code(), r.output());
        assertTrue(r.output().contains("run " + runId + " of job"), r.output());
        try (Catalog c = Catalog.open(catalog)) {
            RunRecord orphan = c.run(runId).orElseThrow();
            assertEquals(RunRecord.INTERRUPTED, orphan.status());
            assertTrue(orphan.error().contains("its coordinator stopped while it ran"), orphan.error());
            assertTrue(new io.meshfl.core.catalog.ChainSeals(c).forRun(runId).isPresent(), "an interrupted run is sealed like any ended run");
        }
    }
}

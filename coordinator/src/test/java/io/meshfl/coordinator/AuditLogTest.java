package io.meshfl.coordinator;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.meshfl.core.catalog.AuditRecord;
import io.meshfl.core.plan.JobLoader;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Every message of a run between the coordinator and a node lands in the catalog's audit log, both ways, with its protection. */
class AuditLogTest {

    @TempDir
    Path dir;

    @Test
    void everyMessageOfAHorizontalRunIsLoggedBothWaysWithItsProtection() throws Exception {
        var contracts = TestMesh.writeProducts(dir, 3, 300, 4, 2);
        try (TestMesh mesh = new TestMesh(contracts, 200)) {
            String yaml = TestMesh.job(3, 4, 2, "");
            ObjectNode report = mesh.coordinator.runJob(JobLoader.parse(yaml, "job.yaml"), yaml, new HorizontalJobTest.Recorder());
            String run = report.path("run_id").asText();
            assertTrue(mesh.coordinator.runner().awaitEnds(java.time.Duration.ofSeconds(10)), "every node heard how the run ended");
            List<AuditRecord> log = mesh.catalog.auditLog(run, 0);
            long requests = log.stream().filter(r -> r.sender().equals("coordinator")).count();
            assertEquals(requests, log.size() - requests, "one reply noted per request");
            // prepare, scale, 4 x (fit + evaluate), finish and end for each of 3 nodes
            assertEquals(3 * (2 + 4 * 2 + 1 + 1), requests, log.stream().map(AuditRecord::step).toList().toString());
            List<AuditRecord> ticketed = log.stream().filter(r -> r.protection().contains("signed job ticket")).toList();
            assertEquals(3, ticketed.size(), "the ticket crosses once to each node: " + ticketed);
            assertTrue(ticketed.stream().allMatch(r -> r.step().equals("horizontal/prepare") && r.sender().equals("coordinator") && r.msgSeq() == 1),
                    "with the run's first request there: " + ticketed);
            assertTrue(log.stream().allMatch(r -> r.msgSeq() > 0), "every record names the message number the node checks");
            assertTrue(log.stream().allMatch(r -> r.runId().equals(run) && !r.protection().isBlank()));
            Set<String> domains = log.stream().filter(r -> r.sender().equals("coordinator")).map(AuditRecord::receiver).collect(Collectors.toSet());
            assertEquals(contracts.stream().map(c -> c.domain()).collect(Collectors.toSet()), domains);
            AuditRecord update = log.stream().filter(r -> r.step().equals("horizontal/fit") && !r.sender().equals("coordinator"))
                    .findFirst().orElseThrow();
            assertEquals("model update | in-process gRPC", update.protection(), "what protects the content, then what carries it");
            assertTrue(update.bytes() >= 5 * 8, "the update's parameters are counted: " + update.bytes());
            long logged = log.stream().filter(r -> !r.step().startsWith("session/")).mapToLong(AuditRecord::bytes).sum();
            // the log counts what crossed: the protocol's payload, which the report counts, and the ticket each node was shown once
            long tickets = logged - report.path("payload_bytes").asLong();
            assertEquals(0, tickets % 3, "one ticket of one size per node: " + tickets);
            assertTrue(tickets / 3 > 300 && tickets / 3 < 1000, "a signed ticket's size (spec hash, nonce, products, EC signature): " + tickets / 3);
        }
    }
}

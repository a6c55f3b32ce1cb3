package io.meshfl.coordinator;

import io.grpc.CallOptions;
import io.grpc.Channel;
import io.grpc.ClientCall;
import io.grpc.ClientInterceptor;
import io.grpc.ForwardingClientCall;
import io.grpc.ForwardingClientCallListener;
import io.grpc.Metadata;
import io.grpc.MethodDescriptor;
import io.meshfl.core.catalog.AuditRecord;
import io.meshfl.core.catalog.Catalog;
import io.meshfl.core.catalog.RunRecord;
import io.meshfl.core.plan.JobLoader;
import io.meshfl.core.plan.Plan;
import io.meshfl.core.protocol.session.SessionSteps;
import io.meshfl.core.report.RunReport;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A coordinator that stops while it tells the parties of a run it ended INTERRUPTED that the run
 * ended: it waits for them before its catalog is closed, so the audit records of the telling are
 * kept, or names the run and the records it could not write in one warning.
 */
class StopWhileTellingPartiesTest {

    @TempDir
    Path dir;

    /** Parties that answer slowly: their answers reach the coordinator only once let go. */
    private static final class HeldAnswers implements ClientInterceptor {
        /** Counts down as each call's answer is held. */
        final CountDownLatch held;
        final CountDownLatch letGo = new CountDownLatch(1);

        HeldAnswers(int calls) {
            held = new CountDownLatch(calls);
        }

        @Override
        public <Q, A> ClientCall<Q, A> interceptCall(MethodDescriptor<Q, A> method, CallOptions options, Channel next) {
            return new ForwardingClientCall.SimpleForwardingClientCall<>(next.newCall(method, options)) {
                @Override
                public void start(Listener<A> listener, Metadata headers) {
                    super.start(new ForwardingClientCallListener.SimpleForwardingClientCallListener<>(listener) {
                        @Override
                        public void onMessage(A message) {
                            held.countDown();
                            try {
                                letGo.await();
                            } catch (InterruptedException e) {
                                Thread.currentThread().interrupt();
                            }
                            super.onMessage(message);
                        }
                    }, headers);
                }
            };
        }
    }

    /** A run of both nodes' products that a coordinator left RUNNING before any round was committed. */
    private static String leftRunning(TestMesh mesh) {
        Catalog catalog = mesh.catalog;
        String yaml = TestMesh.job(2, 4, 2, "");
        Plan plan = mesh.coordinator.runner().plan(JobLoader.parse(yaml, "credit.yaml"));
        String jobId = catalog.createJob("test-job", yaml).id();
        return catalog.startRun(jobId, plan.strategy(), RunReport.JSON.valueToTree(plan).toString(), "{}", 5,
                List.of("d0.loans", "d1.loans"), new Catalog.Ticket("client:operator", "left", "sha")).id();
    }

    @Test
    void aStoppingCoordinatorWaitsForThePartiesOfARunItEndedInterruptedAndKeepsTheAuditRecordsOfTellingThem() throws Exception {
        var contracts = TestMesh.writeProducts(dir, 2, 60, 3, 21);
        HeldAnswers slow = new HeldAnswers(2);
        List<String> logged = new CopyOnWriteArrayList<>();
        try (TestMesh mesh = TestMesh.watched(contracts, 200, line -> {
            logged.add(line);
            // the parties answer once the coordinator is stopping: had it not waited, their answers would come too late
            if (line.startsWith("stopping: waiting")) slow.letGo.countDown();
        }, slow)) {
            try {
                String runId = leftRunning(mesh);
                // a coordinator taking up the runs left RUNNING, as on regaining the catalog's lease
                mesh.coordinator.resumeOrphans();
                assertEquals(RunRecord.INTERRUPTED, mesh.catalog.run(runId).orElseThrow().status());
                assertTrue(slow.held.await(30, TimeUnit.SECONDS), "both parties were told and answered");

                mesh.coordinator.close();

                List<AuditRecord> audit = mesh.catalog.auditLog(runId, 0);
                assertEquals(4, audit.size(), "the end told to each party and its answer: " + audit + "; log: " + logged);
                for (AuditRecord r : audit) assertEquals(SessionSteps.PROTOCOL + "/" + SessionSteps.END, r.step());
                assertTrue(logged.stream().noneMatch(l -> l.contains("not written")), logged.toString());
            } finally {
                slow.letGo.countDown();
            }
        }
    }

    @Test
    void aTellingStillUnansweredWhenTheStopsWaitEndsIsNamedInOneWarningWithTheAuditRecordsNotWritten() throws Exception {
        var contracts = TestMesh.writeProducts(dir, 2, 60, 3, 22);
        HeldAnswers slow = new HeldAnswers(2);
        List<String> logged = new CopyOnWriteArrayList<>();
        try (TestMesh mesh = TestMesh.watched(contracts, 200, logged::add, slow)) {
            try {
                String runId = leftRunning(mesh);
                mesh.coordinator.resumeOrphans();
                assertTrue(slow.held.await(30, TimeUnit.SECONDS), "both parties were told and answered");

                // the answers are held past the stop's wait
                mesh.coordinator.close();

                List<String> warned = logged.stream().filter(l -> l.contains("not written")).toList();
                assertEquals(1, warned.size(), logged.toString());
                assertTrue(warned.get(0).contains("run " + runId + " ended INTERRUPTED"), warned.get(0));
                assertTrue(warned.get(0).contains("2 audit record(s)"), "the two ends told, whose answers did not come: " + warned.get(0));
                assertTrue(mesh.catalog.auditLog(runId, 0).isEmpty(), "nothing is written after the stop gave up on it");
            } finally {
                slow.letGo.countDown();
            }
        }
    }
}

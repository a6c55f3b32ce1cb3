package io.meshfl.coordinator;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.meshfl.core.MeshflException;
import io.meshfl.core.catalog.RunRecord;
import io.meshfl.core.crypto.secagg.KeyShares;
import io.meshfl.core.plan.JobLoader;
import io.meshfl.core.plan.JobSpec;
import io.meshfl.core.plan.Plan;
import io.meshfl.core.protocol.Message;
import io.meshfl.core.protocol.NodeChannel;
import io.meshfl.core.protocol.horizontal.HorizontalRunner;
import io.meshfl.core.protocol.horizontal.HorizontalSteps;
import io.meshfl.core.protocol.horizontal.RoundSummary;
import io.meshfl.core.protocol.horizontal.RunObserver;
import io.meshfl.core.protocol.horizontal.secagg.SecAggSteps;
import io.meshfl.core.protocol.horizontal.secagg.UpdateEncoding;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Secure aggregation end to end over in-process gRPC: the run is recorded as protected, and the coordinator holds no node's update. */
class SecureAggregationJobTest {

    @TempDir
    Path dir;

    @Test
    void secureJobTrainsAndRecordsTheProtectionInPlanAndRounds() throws Exception {
        var contracts = TestMesh.writeProducts(dir, 4, 300, 4, 11);
        try (TestMesh mesh = new TestMesh(contracts, 200)) {
            String yaml = TestMesh.job(4, 4, 3, "secureAggregation: {clip: 2}");
            HorizontalJobTest.Recorder rec = new HorizontalJobTest.Recorder();
            ObjectNode report = mesh.coordinator.runJob(JobLoader.parse(yaml, "job.yaml"), yaml, rec);
            assertTrue(rec.plan.contains("protection secagg"), rec.plan);
            assertEquals(4, rec.rounds.size());
            for (RoundSummary r : rec.rounds) {
                assertEquals(1.0, r.metrics().get("secagg"));
                assertEquals(4.0, r.metrics().get("secagg_nodes_in_sum"));
                assertEquals(0.0, r.metrics().get("secagg_dropouts_recovered"));
            }
            assertTrue(report.path("metrics").path("auc").asDouble() > 0.7, report.toString());
            RunRecord run = mesh.catalog.run(report.path("run_id").asText()).orElseThrow();
            assertEquals(RunRecord.SUCCEEDED, run.status());
            assertTrue(mesh.catalog.rounds(run.id()).get(0).metricsJson().contains("secagg_nodes_in_sum"));
        }
    }

    @Test
    void differentiallyPrivateJobUnderSecureAggregationClipsAtTheNodesAndReportsEpsilon() throws Exception {
        var contracts = TestMesh.writeProducts(dir, 4, 300, 4, 12);
        try (TestMesh mesh = new TestMesh(contracts, 200)) {
            String yaml = TestMesh.job(4, 3, 3, "secureAggregation: {clip: 2}\nprivacy: {clipAt: node, clip: 1.0, noiseMultiplier: 0.5}");
            HorizontalJobTest.Recorder rec = new HorizontalJobTest.Recorder();
            ObjectNode report = mesh.coordinator.runJob(JobLoader.parse(yaml, "job.yaml"), yaml, rec);
            assertTrue(rec.plan.contains("with differential privacy") && rec.plan.contains("every node weighs the same"), rec.plan);
            double eps = 0;
            for (RoundSummary r : rec.rounds) {
                assertEquals(4.0, r.metrics().get("secagg_nodes_in_sum"));
                assertEquals(0.5 * 1.0 / 4, r.metrics().get("dp_noise_sd"), 1e-12, "sd z C / k on the mean of 4 clipped updates");
                assertTrue(r.metrics().get("dp_epsilon") > eps, "epsilon grows every round");
                eps = r.metrics().get("dp_epsilon");
            }
            assertTrue(report.path("metrics").path("auc").asDouble() > 0.6, report.path("metrics").toString());
            String serverClip = TestMesh.job(4, 3, 3, "secureAggregation: {clip: 2}\nprivacy: {clip: 1.0, noiseMultiplier: 0.5}");
            var e = assertThrows(MeshflException.class, () -> mesh.coordinator.runJob(JobLoader.parse(serverClip, "job.yaml"), serverClip,
                    new HorizontalJobTest.Recorder()));
            assertTrue(e.getMessage().contains("clipAt: node"), e.getMessage());
        }
    }

    /** The coordinator's line to a node, keeping every request it sent and every reply it received. */
    private record Recording(NodeChannel real, List<Message[]> log) implements NodeChannel {
        public String nodeId() {
            return real.nodeId();
        }

        public String domain() {
            return real.domain();
        }

        public Message call(Message request, Duration timeout) {
            Message reply = real.call(request, timeout);
            log.add(new Message[] {request, reply});
            return reply;
        }

        public long bytesSent() {
            return real.bytesSent();
        }

        public long bytesReceived() {
            return real.bytesReceived();
        }
    }

    private static final Map<String, Set<String>> BLOBS = Map.of(SecAggSteps.SETUP, Set.of("channel_key", "mask_key"),
            SecAggSteps.SHARE_KEYS, Set.of("bundles"), SecAggSteps.COLLECT_MASKED, Set.of("masked"),
            SecAggSteps.UNMASK, Set.of("seed_shares", "key_shares"));

    @Test
    void coordinatorReceivesOnlyKeysSealedSharesAndMaskedUpdatesNeverAnUpdate() throws Exception {
        var contracts = TestMesh.writeProducts(dir, 4, 300, 6, 12);
        try (TestMesh mesh = new TestMesh(contracts, 200)) {
            String yaml = TestMesh.job(4, 1, 4, "secureAggregation: {clip: 2}").replace("{type: logistic}", "{type: mlp, hidden: [16]}");
            JobSpec job = JobLoader.parse(yaml, "job.yaml");
            Plan plan = mesh.coordinator.runner().plan(job);
            List<Message[]> log = Collections.synchronizedList(new ArrayList<>());
            Map<String, NodeChannel> channels = new LinkedHashMap<>();
            for (String d : plan.domains()) channels.put(d, new Recording(mesh.coordinator.registry().channel(d).orElseThrow(), log));
            mesh.open("job-secagg", "run-secagg", "horizontal");
            new HorizontalRunner(job, plan, channels, d -> true, RunObserver.NONE).run("job-secagg", "run-secagg");

            int masked = 0;
            for (Message[] m : List.copyOf(log)) {
                String step = m[1].step();
                assertFalse(step.equals(HorizontalSteps.FIT), "a plain fit reply reached the coordinator");
                if (!SecAggSteps.isSecAgg(step)) continue;
                assertTrue(m[1].tensors().isEmpty() && m[1].metrics().isEmpty(), step + " carried tensors or metrics");
                assertTrue(BLOBS.get(step).containsAll(m[1].blobs().keySet()), step + " carried " + m[1].blobs().keySet());
                if (step.equals(SecAggSteps.SHARE_KEYS)) assertBundlesAreSealed(m[1].blob("bundles"));
                if (step.equals(SecAggSteps.UNMASK)) assertEquals(4, m[1].blob("key_shares").length, "no drop-out, no key share");
                if (step.equals(SecAggSteps.COLLECT_MASKED)) {
                    assertFarFromTheTrueUpdate(m[0], m[1], log, channels.get(m[0].receiver()));
                    masked++;
                }
            }
            assertEquals(4, masked);
        }
    }

    /** Each bundle is an AES-GCM box (nonce, the encoded shares, tag) that does not parse as shares in the clear. */
    private static void assertBundlesAreSealed(byte[] blob) {
        ByteBuffer b = ByteBuffer.wrap(blob);
        int n = b.getInt();
        assertEquals(3, n, "one bundle per neighbour");
        for (int i = 0; i < n; i++) {
            b.getInt();
            b.getInt();
            byte[] ct = new byte[b.getInt()];
            b.get(ct);
            assertEquals(12 + 8 + 2 * io.meshfl.core.crypto.secagg.Shamir.Share.BYTES + 16, ct.length);
            assertThrows(MeshflException.class, () -> KeyShares.decode(ct));
        }
    }

    /**
     * Retrains the node from the same global parameters and settings outside the run to learn its
     * true encoded update, and checks the masked vector the coordinator got is no closer to it than
     * a uniformly random vector would be.
     */
    private static void assertFarFromTheTrueUpdate(Message collect, Message reply, List<Message[]> log, NodeChannel node) {
        Message setup = null;
        for (Message[] m : List.copyOf(log)) {
            boolean same = m[0].receiver().equals(collect.receiver());
            if (same && (m[0].step().equals(HorizontalSteps.PREPARE) || m[0].step().equals(HorizontalSteps.SCALE))) {
                ((Recording) node).real().call(m[0].withBlobs(Map.of()), Duration.ofSeconds(20)).orThrow();
            }
            if (same && m[0].step().equals(SecAggSteps.SETUP)) setup = m[0];
        }
        double[] global = collect.tensor("params");
        Message fit = ((Recording) node).real().call(Message.request(collect.jobId(), collect.runId(), HorizontalSteps.PROTOCOL,
                HorizontalSteps.FIT, 1, collect.receiver()).withConfig(collect.config()).withTensors(Map.of("params", global)),
                Duration.ofSeconds(20)).orThrow();
        UpdateEncoding enc = UpdateEncoding.of(Integer.parseInt(setup.cfg("clients")), global.length,
                Integer.parseInt(setup.cfg("modulus_bits")), Double.parseDouble(setup.cfg("clip")), Long.parseLong(setup.cfg("max_examples")));
        long[] truth = enc.encode(global, fit.tensor("params"), fit.metrics().get("num_examples").longValue());
        ByteBuffer b = ByteBuffer.wrap(reply.blob("masked")).order(ByteOrder.LITTLE_ENDIAN);
        assertEquals(truth.length * 4, reply.blob("masked").length);
        long ring = 1L << 32;
        int close = 0;
        for (long t : truth) {
            long diff = Math.abs(Integer.toUnsignedLong(b.getInt()) - t);
            if (Math.min(diff, ring - diff) < ring / 100) close++;
        }
        // a uniform mask puts about 2% of coordinates within 1% of the ring of the truth
        assertTrue(close < truth.length / 10, close + " of " + truth.length + " masked coordinates sit next to the true update");
    }
}

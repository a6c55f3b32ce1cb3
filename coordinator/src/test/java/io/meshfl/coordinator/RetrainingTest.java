package io.meshfl.coordinator;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.meshfl.core.catalog.ModelCards;
import io.meshfl.core.catalog.ModelRegistry;
import io.meshfl.core.catalog.RetrainTickets;
import io.meshfl.core.catalog.Retrainings;
import com.fasterxml.jackson.databind.JsonNode;
import io.meshfl.core.ErrorCode;
import io.meshfl.core.MeshflException;
import io.meshfl.core.trust.JobTicket;
import io.meshfl.core.trust.MeshIdentity;
import io.meshfl.core.trust.SignedTicket;
import io.meshfl.core.trust.Signer;
import io.meshfl.core.trust.StandingTicket;
import io.meshfl.core.trust.Submitter;
import io.meshfl.wire.tls.CertificateAuthority;
import java.time.Duration;
import io.meshfl.core.contract.ContractLoader;
import io.meshfl.core.contract.DataContract;
import io.meshfl.core.plan.JobLoader;
import io.meshfl.core.protocol.horizontal.RoundSummary;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.ZonedDateTime;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Retraining with champion and challenger over a real coordinator and nodes: a node registering a
 * new version of an input product trains a challenger from the champion's job, which replaces the
 * champion only if it beats it on the held-out metric by the margin, keeping the owners' approvals
 * only when the products' grants did not change; the champion is in production throughout.
 */
class RetrainingTest {

    @TempDir
    Path dir;

    /** Products d0.loans and d1.loans whose version 1.0.0 of d0 has labels drawn at random, and a version 2.0.0 of d0 with the true labels. */
    private List<DataContract> products() throws Exception {
        List<DataContract> contracts = TestMesh.writeProducts(dir, 2, 400, 3, 11);
        List<String> lines = Files.readAllLines(dir.resolve("d0.csv"));
        Files.write(dir.resolve("d0-v2.csv"), lines);
        Random rng = new Random(3);
        StringBuilder noisy = new StringBuilder(lines.get(0)).append('\n');
        for (String l : lines.subList(1, lines.size())) noisy.append(l, 0, l.lastIndexOf(',') + 1).append(rng.nextBoolean() ? 1 : 0).append('\n');
        Files.writeString(dir.resolve("d0.csv"), noisy);
        return contracts;
    }

    /** Version 2.0.0 of d0.loans, over the true labels; {@code consumers} replaces its grants when not null. */
    private DataContract version2(String consumers) throws Exception {
        String yaml = Files.readString(dir.resolve("d0.loans.yaml")).replace("version: 1.0.0", "version: 2.0.0").replace("path: d0.csv", "path: d0-v2.csv");
        if (consumers != null) yaml = yaml.replace("consumers: [{identity: 'client:operator'}]", "consumers: " + consumers);
        Path file = dir.resolve("d0.loans-v2.yaml");
        Files.writeString(file, yaml);
        return ContractLoader.load(file);
    }

    /** Trains the job, has every owner approve the model and promotes it: the champion. */
    private static String champion(TestMesh mesh, String yaml) {
        ObjectNode report = mesh.coordinator.runJob(JobLoader.parse(yaml, "job.yaml"), yaml, JobObserver.QUIET);
        String id = report.path("model_id").asText();
        ModelRegistry registry = new ModelRegistry(mesh.catalog);
        for (ModelRegistry.Input i : registry.inputs(id)) registry.approve(id, i, "domain:" + i.domain(), "ab".repeat(32), "c2lnbmVk");
        registry.promote(id, "client:operator", () -> ModelCards.outputContract(mesh.catalog, id));
        assertEquals(ModelRegistry.Stage.PRODUCTION, registry.require(id).stage());
        return id;
    }

    /** The champion's stage at every round of the challenger's run. */
    private static List<ModelRegistry.Stage> watch(TestMesh mesh, String champion) {
        List<ModelRegistry.Stage> seen = new CopyOnWriteArrayList<>();
        ModelRegistry registry = new ModelRegistry(mesh.catalog);
        mesh.coordinator.retraining().observers(name -> new JobObserver() {
            @Override
            public void plan(String explain) {
            }

            @Override
            public void round(RoundSummary round) {
                seen.add(registry.require(champion).stage());
            }

            @Override
            public void log(String line) {
            }
        });
        return seen;
    }

    /** The retrainings of the test job once none is still running. */
    private static List<Retrainings.Retraining> decided(TestMesh mesh, int count) throws InterruptedException {
        Retrainings store = new Retrainings(mesh.catalog);
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
        while (System.nanoTime() < deadline) {
            List<Retrainings.Retraining> all = store.named("test-job");
            if (all.size() >= count && all.stream().noneMatch(r -> r.decision() == Retrainings.Decision.RUNNING)) return all;
            Thread.sleep(100);
        }
        throw new AssertionError("no decision within 120 s: " + store.named("test-job"));
    }

    @Test
    void aNewProductVersionTrainsAChallengerThatBeatsTheChampionByTheMarginAndReplacesIt() throws Exception {
        List<DataContract> contracts = products();
        try (TestMesh mesh = new TestMesh(contracts, 200)) {
            String champion = champion(mesh, TestMesh.job(2, 3, 2, "retrain: {on: product-version, metric: auc, margin: 0.005}"));
            List<ModelRegistry.Stage> seen = watch(mesh, champion);
            mesh.republish(version2(null));

            Retrainings.Retraining r = decided(mesh, 1).get(0);
            assertEquals(Retrainings.Decision.PROMOTED, r.decision(), r.reason());
            assertEquals(champion, r.championId());
            assertTrue(r.cause().contains("d0.loans 1.0.0 -> 2.0.0"), r.cause());
            assertEquals("auc", r.metric());
            assertTrue(r.challengerValue() >= r.championValue() + 0.005, r.toString());
            assertFalse(seen.isEmpty(), "the challenger's rounds were seen");
            assertTrue(seen.stream().allMatch(s -> s == ModelRegistry.Stage.PRODUCTION), "the champion served throughout: " + seen);

            ModelRegistry registry = new ModelRegistry(mesh.catalog);
            assertEquals(ModelRegistry.Stage.PRODUCTION, registry.require(r.challengerId()).stage());
            assertEquals(ModelRegistry.Stage.RETIRED, registry.require(champion).stage());
            assertEquals(2, registry.require(r.challengerId()).version());
            // the owners' approvals carried over, each naming the champion it came from, for the version the challenger learned from
            List<ModelRegistry.Approval> carried = registry.approvals(r.challengerId());
            assertEquals(2, carried.size());
            assertTrue(carried.stream().allMatch(a -> champion.equals(a.carriedFrom())), carried.toString());
            assertTrue(carried.stream().anyMatch(a -> a.productId().equals("d0.loans") && a.productVersion().equals("2.0.0")), carried.toString());
            ObjectNode card = ModelCards.card(mesh.catalog, r.challengerId());
            assertEquals("promoted", card.path("retraining").path("decisions").get(0).path("decision").asText());
            assertEquals("challenger", card.path("retraining").path("decisions").get(0).path("role").asText());
            assertEquals(r.championValue(), card.path("retraining").path("decisions").get(0).path("champion_value").asDouble());
            assertEquals("product-version", card.path("retraining").path("policy").path("on").asText());
            assertTrue(registry.history(champion).get(registry.history(champion).size() - 1).reason().contains("replaced in production by version 2"));
        }
    }

    @Test
    void aChallengerShortOfTheMarginIsRejectedAndTheChampionServesOnWhetherAVersionOrTheScheduleTriggeredIt() throws Exception {
        List<DataContract> contracts = products();
        try (TestMesh mesh = new TestMesh(contracts, 200)) {
            String champion = champion(mesh, TestMesh.job(2, 3, 2,
                    "retrain: {on: product-version, cron: \"0 3 * * 1\", metric: auc, margin: 0.5}"));
            List<ModelRegistry.Stage> seen = watch(mesh, champion);
            mesh.republish(version2(null));

            Retrainings.Retraining r = decided(mesh, 1).get(0);
            assertEquals(Retrainings.Decision.REJECTED, r.decision(), r.reason());
            assertNotNull(r.championValue());
            assertNotNull(r.challengerValue());
            assertTrue(r.reason().contains("does not beat the champion by the margin"), r.reason());
            ModelRegistry registry = new ModelRegistry(mesh.catalog);
            assertEquals(ModelRegistry.Stage.PRODUCTION, registry.require(champion).stage());
            assertEquals(ModelRegistry.Stage.RETIRED, registry.require(r.challengerId()).stage());
            assertFalse(seen.isEmpty());
            assertTrue(seen.stream().allMatch(s -> s == ModelRegistry.Stage.PRODUCTION), seen.toString());
            assertTrue(registry.history(champion).get(registry.history(champion).size() - 1).reason().contains("still in production"),
                    registry.history(champion).toString());
            ObjectNode card = ModelCards.card(mesh.catalog, champion);
            assertEquals("champion", card.path("retraining").path("decisions").get(0).path("role").asText());
            assertEquals("rejected", card.path("retraining").path("decisions").get(0).path("decision").asText());

            // the schedule: Mondays at 03:00 UTC fire once, other minutes never
            assertTrue(mesh.coordinator.retraining().tick(ZonedDateTime.parse("2026-12-08T03:00:00Z")).isEmpty());
            var fired = mesh.coordinator.retraining().tick(ZonedDateTime.parse("2026-12-07T03:00:20Z"));
            assertEquals(1, fired.size());
            assertTrue(mesh.coordinator.retraining().tick(ZonedDateTime.parse("2026-12-07T03:00:50Z")).isEmpty(), "a minute fires once");
            Retrainings.Retraining scheduled = fired.get(0).get(120, TimeUnit.SECONDS);
            assertTrue(scheduled.cause().startsWith("schedule 0 3 * * 1"), scheduled.cause());
            assertEquals(Retrainings.Decision.REJECTED, scheduled.decision(), scheduled.reason());
            assertEquals(ModelRegistry.Stage.PRODUCTION, registry.require(champion).stage());
        }
    }

    @Test
    void approvalsDoNotCarryOverWhenTheNewVersionChangesTheProductsGrants() throws Exception {
        List<DataContract> contracts = products();
        try (TestMesh mesh = new TestMesh(contracts, 200)) {
            String champion = champion(mesh, TestMesh.job(2, 3, 2, "retrain: {on: product-version, metric: auc, margin: 0.005}"));
            mesh.republish(version2("[{identity: 'client:operator'}, {identity: 'client:marketing', may: [predict]}]"));

            Retrainings.Retraining r = decided(mesh, 1).get(0);
            assertEquals(Retrainings.Decision.NEEDS_APPROVALS, r.decision(), r.reason());
            assertTrue(r.reason().contains("the grants of d0.loans changed between version 1.0.0"), r.reason());
            ModelRegistry registry = new ModelRegistry(mesh.catalog);
            assertEquals(ModelRegistry.Stage.CANDIDATE, registry.require(r.challengerId()).stage());
            assertTrue(registry.approvals(r.challengerId()).isEmpty(), "nothing carried over");
            assertEquals(2, registry.missingApprovals(r.challengerId()).size());
            assertEquals(ModelRegistry.Stage.PRODUCTION, registry.require(champion).stage());
        }
    }

    @Test
    void aChallengerRunsOnlyUnderItsOwnersTicketAndTheGrantsOfTheNewVersion() throws Exception {
        List<DataContract> contracts = products();
        try (TestMesh mesh = new TestMesh(contracts, 200)) {
            String champion = champion(mesh, TestMesh.job(2, 3, 2, "retrain: {on: product-version, metric: auc, margin: 0.005}"));
            // version 2.0.0 no longer lets the champion's owner train on d0.loans: the challenger is refused as any job would be
            mesh.republish(version2("[{identity: 'client:marketing'}]"));
            Retrainings.Retraining r = decided(mesh, 1).get(0);
            assertEquals(Retrainings.Decision.FAILED, r.decision(), r.reason());
            assertTrue(r.reason().contains("product d0.loans grants no access to client:operator"), r.reason());
            assertEquals(null, r.challengerId());
            assertEquals(ModelRegistry.Stage.PRODUCTION, new ModelRegistry(mesh.catalog).require(champion).stage());
        }
    }

    @Test
    void theCoordinatorSignsNoChallengerForAnOwnerWhoseKeyItDoesNotHold() throws Exception {
        List<DataContract> contracts = products();
        try (TestMesh mesh = new TestMesh(contracts, 200)) {
            mesh.coordinator.submitter(io.meshfl.core.trust.Submitter.unsigned("client:platform"));
            String yaml = TestMesh.job(2, 3, 2, "retrain: {on: product-version, metric: auc, margin: 0.005}");
            io.meshfl.core.trust.Submitter owner = io.meshfl.core.trust.Submitter.unsigned("client:operator");
            ObjectNode report = mesh.coordinator.runner().run(JobLoader.parse(yaml, "job.yaml"), yaml, plan -> owner.sign(Tickets.draft(
                    owner.identity(), io.meshfl.core.trust.JobTicket.TRAIN, "test-job", plan.strategy(), yaml, Tickets.products(plan), null)),
                    null, false, JobObserver.QUIET);
            String champion = report.path("model_id").asText();
            ModelRegistry registry = new ModelRegistry(mesh.catalog);
            for (ModelRegistry.Input i : registry.inputs(champion)) registry.approve(champion, i, "domain:" + i.domain(), "ab".repeat(32), "c2ln");
            registry.promote(champion, "client:operator", () -> ModelCards.outputContract(mesh.catalog, champion));

            mesh.republish(version2(null));
            Retrainings.Retraining r = decided(mesh, 1).get(0);
            assertEquals(Retrainings.Decision.FAILED, r.decision(), r.reason());
            assertTrue(r.reason().contains("holds no key of client:operator (it signs for client:platform) nor a standing retraining ticket"),
                    r.reason());
            assertTrue(r.reason().contains("submits the job again from its own client ('meshfl run --coordinator"), r.reason());
            assertEquals(1, mesh.catalog.runs().size(), "no challenger run was started");
            assertEquals(ModelRegistry.Stage.PRODUCTION, registry.require(champion).stage());
        }
    }

    @Test
    void aChallengerOfAnOwnerWhoseKeyTheCoordinatorLacksTrainsUnderTheOwnersStandingTicketOncePerNewVersion() throws Exception {
        List<DataContract> contracts = products();
        Path certs = dir.resolve("certs");
        CertificateAuthority ca = CertificateAuthority.create(certs, CertificateAuthority.KeyType.EC, "t", 10);
        ca.issue(MeshIdentity.Role.CLIENT, "operator", 5);
        Submitter owner = Submitter.of(Signer.load(certs.resolve("client-operator.pem"), certs.resolve("client-operator-key.pem")));
        try (TestMesh mesh = new TestMesh(contracts, 200).trusted(ca, certs)) {
            // the owner submits from its own client: the coordinator signs as someone else and holds no key of the owner
            mesh.coordinator.submitter(Submitter.unsigned("client:platform"));
            String yaml = TestMesh.job(1, 3, 1, "retrain: {on: product-version, metric: auc, margin: 0.005}");
            JsonNode report = submitFromOutside(mesh, yaml, owner, Duration.ofDays(30));
            String champion = report.path("model_id").asText();
            ModelRegistry registry = new ModelRegistry(mesh.catalog);
            for (ModelRegistry.Input i : registry.inputs(champion)) registry.approve(champion, i, "domain:" + i.domain(), "ab".repeat(32), "c2ln");
            registry.promote(champion, "client:operator", () -> ModelCards.outputContract(mesh.catalog, champion));
            JsonNode armed = ModelCards.card(mesh.catalog, champion).path("retraining").path("armed");
            assertEquals("standing ticket of client:operator", armed.path("by").asText(), armed.toString());
            assertFalse(armed.path("expired").asBoolean(), armed.toString());

            mesh.republish(version2(null));
            Retrainings.Retraining r = decided(mesh, 1).get(0);
            assertEquals(Retrainings.Decision.PROMOTED, r.decision(), r.reason());
            assertTrue(r.challengerValue() >= r.championValue() + 0.005, r.toString());
            assertEquals("client:operator", mesh.catalog.run(r.runId()).orElseThrow().submitter(), "the challenger ran in its owner's name");
            assertEquals(ModelRegistry.Stage.PRODUCTION, registry.require(r.challengerId()).stage());
            assertEquals(armed.path("ticket").asText(), ModelCards.card(mesh.catalog, r.challengerId()).path("retraining").path("armed")
                    .path("ticket").asText(), "the challenger's job stays armed by the same standing ticket");

            // the same version once more under that ticket is refused
            String jobId = mesh.catalog.run(r.runId()).orElseThrow().jobId();
            RetrainTickets.Armed standing = new RetrainTickets(mesh.catalog).of(jobId).orElseThrow();
            MeshflException again = assertThrows(MeshflException.class, () -> Challengers.run(mesh.coordinator.runner(), JobLoader.parse(yaml,
                    "job.yaml"), yaml, standing, JobObserver.QUIET));
            assertEquals(ErrorCode.POLICY_VIOLATION, again.code(), again.getMessage());
            assertTrue(again.getMessage().contains("already ran a challenger over [d0.loans@2.0.0]"), again.getMessage());
        }
    }

    @Test
    void aChallengerOfATwoDomainJobWhereOnlyOneDomainsProductChangedTrainsUnderTheStandingTicketOnThatDomainsAttestation() throws Exception {
        List<DataContract> contracts = products();
        Path certs = dir.resolve("certs");
        CertificateAuthority ca = CertificateAuthority.create(certs, CertificateAuthority.KeyType.EC, "t", 10);
        ca.issue(MeshIdentity.Role.CLIENT, "operator", 5);
        Submitter owner = Submitter.of(Signer.load(certs.resolve("client-operator.pem"), certs.resolve("client-operator-key.pem")));
        try (TestMesh mesh = new TestMesh(contracts, 200).trusted(ca, certs)) {
            mesh.coordinator.submitter(Submitter.unsigned("client:platform"));
            String yaml = TestMesh.job(2, 3, 2, "retrain: {on: product-version, metric: auc, margin: 0.005}");
            String champion = submitFromOutside(mesh, yaml, owner, Duration.ofDays(30)).path("model_id").asText();
            ModelRegistry registry = new ModelRegistry(mesh.catalog);
            for (ModelRegistry.Input i : registry.inputs(champion)) registry.approve(champion, i, "domain:" + i.domain(), "ab".repeat(32), "c2ln");
            registry.promote(champion, "client:operator", () -> ModelCards.outputContract(mesh.catalog, champion));

            // only d0 publishes a new version; d1's node, still at 1.0.0, takes the run on d0's signed word
            mesh.republish(version2(null));
            Retrainings.Retraining r = decided(mesh, 1).get(0);
            assertEquals(Retrainings.Decision.PROMOTED, r.decision(), r.reason());
            assertTrue(r.cause().contains("d0.loans 1.0.0 -> 2.0.0"), r.cause());
            assertEquals("client:operator", mesh.catalog.run(r.runId()).orElseThrow().submitter(), "the challenger ran in its owner's name");
            assertEquals(ModelRegistry.Stage.PRODUCTION, registry.require(r.challengerId()).stage());

            String jobId = mesh.catalog.run(r.runId()).orElseThrow().jobId();
            RetrainTickets.Armed standing = new RetrainTickets(mesh.catalog).of(jobId).orElseThrow();
            MeshflException again = assertThrows(MeshflException.class, () -> Challengers.run(mesh.coordinator.runner(), JobLoader.parse(yaml,
                    "job.yaml"), yaml, standing, JobObserver.QUIET));
            assertEquals(ErrorCode.POLICY_VIOLATION, again.code(), again.getMessage());
            assertTrue(again.getMessage().contains("already ran a challenger over [d0.loans@2.0.0, d1.loans@1.0.0]"), again.getMessage());
        }
    }

    /** Submits {@code yaml} over the coordinator's gRPC service as {@code meshfl run --coordinator} does: plan, sign both tickets, run. */
    private static JsonNode submitFromOutside(TestMesh mesh, String yaml, Submitter owner, Duration validity) throws Exception {
        var stub = io.meshfl.proto.CoordinatorServiceGrpc.newBlockingStub(mesh.dialCoordinator());
        io.meshfl.proto.JobRequest request = io.meshfl.proto.JobRequest.newBuilder().setJobYaml(yaml).setBaseDir("job.yaml").build();
        io.meshfl.proto.PlanReply plan = stub.planJob(request);
        List<JobTicket.ProductVersion> products = plan.getProductsList().stream().map(p -> new JobTicket.ProductVersion(p.getId(), p.getVersion()))
                .toList();
        SignedTicket ticket = owner.sign(Tickets.draft(owner.identity(), JobTicket.TRAIN, plan.getJobName(), plan.getStrategy(), yaml, products, null));
        SignedTicket standing = owner.sign(StandingTicket.draft(owner.identity(), plan.getJobName(), plan.getStrategy(), yaml, products, validity));
        var events = stub.submitJob(request.toBuilder().setSignedTicket(com.google.protobuf.ByteString.copyFrom(ticket.encode()))
                .setStandingTicket(com.google.protobuf.ByteString.copyFrom(standing.encode())).build());
        while (events.hasNext()) {
            io.meshfl.proto.JobEvent e = events.next();
            if (e.hasError()) throw new AssertionError(e.getError());
            if (e.hasReportJson()) return io.meshfl.core.report.RunReport.JSON.readTree(e.getReportJson());
        }
        throw new AssertionError("no report");
    }
}

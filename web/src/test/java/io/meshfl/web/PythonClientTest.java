package io.meshfl.web;

import io.meshfl.core.catalog.Catalog;
import io.meshfl.core.catalog.RoundRecord;
import io.meshfl.core.contract.ContractLoader;
import io.meshfl.core.plan.JobSpec;
import io.meshfl.core.plan.Planner;
import io.meshfl.core.trust.SignedTicket;
import io.meshfl.core.trust.TicketVerifier;
import io.meshfl.core.trust.MeshIdentity;
import io.meshfl.wire.tls.CertificateAuthority;
import io.meshfl.wire.tls.MeshTls;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * The Python client ({@code clients/python}) against a real {@link ApiServer}: its unittest suite
 * runs in python3 with the mesh's certificates, a catalog of 120 finished runs with rounds and a
 * model, a live run this test moves on while the client follows it, and a job service that verifies
 * each ticket the client signs as the nodes verify it before it runs the job to its report.
 */
class PythonClientTest {

    @TempDir
    Path dir;

    private static String contract(String domain) {
        return ApiServerTest.contract(domain, "/srv/" + domain + "/accounts.csv", "");
    }

    private static RoundRecord round(int round, double auc) {
        return new RoundRecord(round, 0.5 * round, 1000L * round, 900L * round, 2, 0,
                "{\"auc\": " + auc + ", \"train_loss\": " + (1 - auc) + ", \"num_examples\": 400.0}");
    }

    @Test
    void thePythonClientsTestsPassAgainstTheApi() throws Exception {
        String python = PythonTests.onPath("python3");
        assumeTrue(python != null, "python3 is not on PATH");
        Path repo = PythonTests.repoRoot();

        CertificateAuthority ca = CertificateAuthority.create(dir.resolve("certs"), CertificateAuthority.KeyType.EC, "t", 10);
        ca.issue(MeshIdentity.Role.COORDINATOR, "coordinator", 5, List.of("localhost", "127.0.0.1"));
        ca.issue(MeshIdentity.Role.CLIENT, "operator", 5);
        // another client's key: a ticket it signs does not verify against the operator's certificate
        ca.issue(MeshIdentity.Role.CLIENT, "bob", 5);
        // a CA the coordinator's certificate does not chain to: the client must refuse the server
        CertificateAuthority.create(dir.resolve("other"), CertificateAuthority.KeyType.EC, "other", 10);

        try (Catalog catalog = Catalog.inMemory("py" + System.nanoTime())) {
            for (String d : List.of("lending", "shop")) {
                catalog.upsertDomain(d, d + "-owner");
                catalog.registerProduct(d + ".accounts", d, "1.0.0", contract(d), 1000);
                catalog.upsertNode(d + "-1", d, "127.0.0.1:7000");
            }
            String job = catalog.createJob("credit", "name: credit").id();
            String known = null;
            // more runs than a page of 50 holds, so the client has to page
            for (int i = 0; i < 120; i++) {
                var run = catalog.startRun(job, "horizontal", "{}", "{}", i, List.of("lending.accounts", "shop.accounts"),
                        new Catalog.Ticket("client:operator", "n" + i, "sha"));
                for (int r = 1; r <= 3; r++) catalog.recordRound(run.id(), round(r, 0.6 + 0.05 * r));
                if (i % 10 == 9) catalog.failRun(run.id(), "node shop-1 lost", 100, 100);
                else catalog.finishRun(run.id(), "{\"auc\": 0.75}", 100, 100);
                if (i == 7) {
                    known = run.id();
                    catalog.saveModel(known, "logistic", new double[]{0.1, 0.2, 0.3}, "{\"job_file\": \"/home/op/jobs/credit.yaml\"}");
                }
            }
            var live = catalog.startRun(job, "horizontal", "{}", "{}", 999, List.of("lending.accounts"),
                    new Catalog.Ticket("client:operator", "live", "sha"));
            catalog.recordRound(live.id(), round(1, 0.6));
            Path signal = dir.resolve("live-signal");

            MeshTls tls = MeshTls.load(dir.resolve("certs"), MeshIdentity.Role.COORDINATOR, "coordinator");
            Jobs jobs = new Jobs(catalog, tls.ticketVerifier());
            try (ApiServer api = ApiServer.start(new InetSocketAddress("127.0.0.1", 0), tls,
                    new Backend(catalog, spec -> Planner.plan(spec, views(catalog)), tls.ca(), jobs), m -> { })) {
                Path certs = dir.resolve("certs");
                ProcessBuilder pb = new ProcessBuilder(python, "-m", "unittest", "discover", "-s", "clients/python/tests",
                        "-p", "test_client.py", "-v") // the trainer SDK's tests are PythonTrainerSdkTest's
                        .directory(repo.toFile()).redirectErrorStream(true).redirectOutput(dir.resolve("python.out").toFile());
                Map<String, String> env = pb.environment();
                env.put("MESHFL_API_URL", "https://localhost:" + api.port());
                env.put("MESHFL_CA", certs.resolve("ca.pem").toString());
                env.put("MESHFL_CERT", certs.resolve("client-operator.pem").toString());
                env.put("MESHFL_KEY", certs.resolve("client-operator-key.pem").toString());
                env.put("MESHFL_RUN_ID", known);
                env.put("MESHFL_OTHER_CA", dir.resolve("other/ca.pem").toString());
                env.put("MESHFL_LIVE_RUN_ID", live.id());
                env.put("MESHFL_LIVE_SIGNAL", signal.toString());
                env.put("MESHFL_JOB", "name: credit\nproducts: [lending.accounts, shop.accounts]\nlabel: y\nmodel: {type: logistic}\n");
                env.put("MESHFL_OTHER_KEY", certs.resolve("client-bob-key.pem").toString());
                env.put("PYTHONDONTWRITEBYTECODE", "1"); // no __pycache__ in the checkout
                Process p = pb.start();
                // the live run moves on only once the client has followed its first round, so following is seen while it runs
                CompletableFuture<Void> mover = CompletableFuture.runAsync(() -> {
                    while (!Files.exists(signal)) {
                        if (!p.isAlive()) return;
                        sleep(50);
                    }
                    catalog.recordRound(live.id(), round(2, 0.65));
                    sleep(300);
                    // the last round and the end together: the client must still yield that round
                    catalog.recordRound(live.id(), round(3, 0.7));
                    catalog.finishRun(live.id(), "{\"auc\": 0.7}", 100, 100);
                });

                boolean ended = p.waitFor(5, TimeUnit.MINUTES);
                if (!ended) p.destroyForcibly().waitFor();
                Throwable moving = mover.handle((v, e) -> e).get(1, TimeUnit.MINUTES);
                String out = Files.readString(dir.resolve("python.out"), StandardCharsets.UTF_8);
                System.out.print(out); // which Python tests ran, in the build's log

                assertTrue(ended, "the Python tests did not end in 5 minutes:\n" + out);
                assertEquals(0, p.exitValue(), "the Python tests failed:\n" + out);
                Matcher ran = Pattern.compile("^Ran (\\d+) tests? ", Pattern.MULTILINE).matcher(out);
                assertTrue(ran.find(), "no unittest summary:\n" + out);
                String suite = Files.readString(repo.resolve("clients/python/tests/test_client.py"));
                long defined = Pattern.compile("^\\s+def test_", Pattern.MULTILINE).matcher(suite).results().count();
                assertEquals(defined, Long.parseLong(ran.group(1)), "every test of test_client.py ran:\n" + out);
                // only the DataFrame test may skip, and only for want of pandas: the rest needs no package
                for (String line : out.split("\n")) {
                    if (line.contains(" ... skipped")) assertTrue(line.contains("pandas"), "a test was skipped:\n" + out);
                }
                assertNull(moving, "moving the live run on failed");
                // the Python-signed tickets verified as the nodes verify them, and the one signed with another key did not
                assertTrue(jobs.verified.size() >= 7, "tickets verified: " + jobs.verified);
                assertTrue(jobs.verified.stream().allMatch("client:operator"::equals), jobs.verified.toString());
                assertEquals(1, jobs.refused.size(), "refused: " + jobs.refused);
                assertNull(jobs.failure.get(), "a run the test's job service ran failed");
            }
        }
    }

    /** The catalog's products as the planner sees them. */
    private static Map<String, Planner.ProductView> views(Catalog catalog) {
        Map<String, Planner.ProductView> m = new java.util.LinkedHashMap<>();
        for (var p : catalog.products()) {
            m.put(p.id(), new Planner.ProductView(ContractLoader.parse(p.contractYaml(), Path.of(p.id() + ".yaml"), false), p.rows()));
        }
        return m;
    }

    /**
     * The coordinator's runs as this test stands them in: a ticket is verified as the nodes verify it (the mesh CA, the
     * certificate's key) and its run recorded in the catalog, where it runs two rounds and ends with its report, the job
     * file in a folder of this machine; a job named "wait..." runs until it is cancelled.
     */
    private final class Jobs implements JobService {
        final List<String> verified = new java.util.concurrent.CopyOnWriteArrayList<>();
        final List<String> refused = new java.util.concurrent.CopyOnWriteArrayList<>();
        final java.util.concurrent.atomic.AtomicReference<Throwable> failure = new java.util.concurrent.atomic.AtomicReference<>();
        private final Catalog catalog;
        private final TicketVerifier verifier;

        Jobs(Catalog catalog, TicketVerifier verifier) {
            this.catalog = catalog;
            this.verifier = verifier;
        }

        @Override
        public Started submit(JobSpec job, String yaml, SignedTicket ticket, String caller, boolean acceptWarnings) {
            TicketVerifier.Verified v;
            try {
                v = verifier.verify(ticket, java.time.Instant.now());
            } catch (RuntimeException e) {
                refused.add(caller + ": " + e.getMessage());
                throw e;
            }
            if (!v.submitter().equals(caller)) throw new AssertionError("ticket of " + v.submitter() + " presented by " + caller);
            verified.add(v.submitter());
            String jobId = catalog.createJob(job.name(), yaml).id();
            var run = catalog.startRun(jobId, "horizontal", "{}", "{}", job.seed(), List.copyOf(job.products()),
                    new Catalog.Ticket(v.submitter(), v.ticket().nonce(), v.fingerprint()));
            if (!job.name().startsWith("wait")) {
                CompletableFuture.runAsync(() -> {
                    try {
                        for (int r = 1; r <= 2; r++) {
                            sleep(150);
                            catalog.recordRound(run.id(), round(r, 0.6 + 0.05 * r));
                        }
                        catalog.saveRunReport(run.id(), report(run.id(), jobId, job.name(), "SUCCEEDED"));
                        catalog.finishRun(run.id(), "{\"auc\": 0.7}", 100, 100);
                    } catch (Throwable e) {
                        failure.set(e);
                    }
                });
            }
            return new Started(run.id(), jobId);
        }

        @Override
        public String cancel(String runId, String who) {
            var run = catalog.run(runId).orElseThrow();
            if (!"RUNNING".equals(run.status())) return "run " + runId + " is " + run.status() + ": there is nothing to stop";
            catalog.saveRunReport(runId, report(runId, run.jobId(), "wait", "CANCELLED"));
            catalog.cancelRun(runId, "cancelled by " + (who == null ? "the operator" : who), 0, 0);
            return null;
        }

        private com.fasterxml.jackson.databind.JsonNode report(String runId, String jobId, String name, String status) {
            var o = Json.MAPPER.createObjectNode().put("run_id", runId).put("job_id", jobId).put("job_name", name).put("status", status);
            o.putObject("plan").put("strategy", "horizontal").put("explain", "PLAN  strategy=horizontal");
            var history = o.putArray("history");
            for (RoundRecord r : catalog.rounds(runId)) {
                history.addObject().put("round", r.round()).put("seconds", r.seconds()).set("metrics", Json.parse(r.metricsJson()));
            }
            o.put("rounds", history.size());
            o.set("metrics", history.isEmpty() ? Json.MAPPER.createObjectNode() : history.get(history.size() - 1).path("metrics"));
            o.putObject("provenance").put("job_file", dir.resolve("jobs").resolve(name + ".yaml").toString());
            return o;
        }
    }

    private static void sleep(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }
}

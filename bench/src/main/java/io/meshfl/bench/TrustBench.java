package io.meshfl.bench;

import io.meshfl.cli.DemoData;
import io.meshfl.cli.EmbeddedMesh;
import io.meshfl.coordinator.Tickets;
import io.meshfl.core.catalog.Catalog;
import io.meshfl.core.contract.ContractLoader;
import io.meshfl.core.contract.DataContract;
import io.meshfl.core.plan.JobLoader;
import io.meshfl.core.plan.JobSpec;
import io.meshfl.core.plan.Plan;
import io.meshfl.core.plan.Planner;
import io.meshfl.core.trust.JobTicket;
import io.meshfl.core.trust.SignedTicket;
import io.meshfl.core.trust.Signer;
import io.meshfl.core.trust.Submitter;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * What the trust layer costs a run, measured side by side in one JVM:
 * <ol>
 *   <li>the demo job ({@code meshfl demo}'s data, contracts and job) on an {@link EmbeddedMesh}
 *       as the demo runs it, warm, with the two session steps timed inside those runs
 *       ({@link TrustRuns});</li>
 *   <li>the same two session calls made the way the coordinator makes them, to all nodes at once
 *       over the mesh's own mutual-TLS channels, with the CPU the whole process spends on them
 *       ({@link TrustSessionCalls});</li>
 *   <li>the coordinator's pieces, each alone: ticket signing, the ticket and grant check, the audit
 *       chain against the same inserts without it, the seal ({@link TrustCoordinatorWork});</li>
 *   <li>each node's pieces, each alone: the session steps through {@code DomainNode.handle}, the
 *       seal check it runs in the background, its journal appends, and the job-signature check
 *       against raw EC P-256 ({@link TrustNodeWork}).</li>
 * </ol>
 * {@link TrustReport} puts them in one table with two ratios: the trust work the run waits for,
 * and all the trust work's CPU wherever it runs, each over the demo run's median time.
 */
public final class TrustBench {

    static final long SEED = 7;

    private TrustBench() {
    }

    /** The demo's contracts and job as written by {@link DemoData#write}, planned once. */
    record Demo(List<DataContract> contracts, JobSpec job, String yaml, Plan plan, List<String> domains) {

        static Demo load(Path dir) throws IOException {
            List<DataContract> contracts = ContractLoader.loadDirectory(dir);
            Path jobFile = dir.resolve("job.yaml");
            JobSpec job = JobLoader.load(jobFile);
            Map<String, Planner.ProductView> views = new LinkedHashMap<>();
            for (DataContract c : contracts) views.put(c.id(), new Planner.ProductView(c, -1));
            List<String> domains = contracts.stream().map(DataContract::domain).distinct().sorted().toList();
            return new Demo(contracts, job, Files.readString(jobFile), Planner.plan(job, views), domains);
        }

        List<JobTicket.ProductVersion> products() {
            return Tickets.products(plan);
        }

        /** A fresh ticket for this job, signed the way the embedded mesh's submitter signs it. */
        SignedTicket ticket(Submitter submitter) {
            return submitter.sign(Tickets.draft(submitter.identity(), JobTicket.TRAIN, job.name(), plan.strategy(), yaml, products(), null));
        }

        /** The products of one domain, by id. */
        Map<String, DataContract> own(String domain) {
            Map<String, DataContract> own = new LinkedHashMap<>();
            for (DataContract c : contracts) if (c.domain().equals(domain)) own.put(c.id(), c);
            return own;
        }

        String rowsLabel() {
            return String.join(" / ", Arrays.stream(DemoData.UNITS).map(u -> String.format(Locale.ROOT, "%,d", u.rows())).toList());
        }
    }

    /** The operator's key in the mesh's certificate folder: it signs every job run on an embedded mesh. */
    static Signer operator(Path certs) {
        return Signer.load(certs.resolve("client-" + EmbeddedMesh.OPERATOR + ".pem"), certs.resolve("client-" + EmbeddedMesh.OPERATOR + "-key.pem"));
    }

    public static void main(String[] args) throws Exception {
        String loadBefore = loadAverage();
        Path dir = Files.createTempDirectory("meshfl-bench-trust");
        try {
            DemoData.write(dir, SEED);
            Demo demo = Demo.load(dir);
            Path stateRoot = dir.resolve("nodes");
            TrustRuns.Result runs;
            TrustSessionCalls.Calls calls;
            TrustCoordinatorWork.Result coordinator;
            Path certs;
            try (Catalog catalog = Catalog.open(dir.resolve("catalog"));
                 EmbeddedMesh mesh = new EmbeddedMesh(catalog, demo.contracts(), s -> { }, stateRoot)) {
                certs = mesh.certs();
                System.out.println("demo runs ...");
                runs = TrustRuns.measure(catalog, mesh, demo, stateRoot);
                System.out.println("session calls over the mesh's channels ...");
                calls = TrustSessionCalls.measure(mesh, demo, stateRoot);
                System.out.println("coordinator pieces ...");
                coordinator = TrustCoordinatorWork.measure(catalog, certs, demo, runs.lastRun());
            }
            System.out.println("audit chain ...");
            TrustCoordinatorWork.Chain chain = TrustCoordinatorWork.chain(dir, runs.records(), runs.counts().rounds() + 2);
            System.out.println("node pieces ...");
            TrustNodeWork.Result nodes = TrustNodeWork.measure(dir, certs, demo, runs.servedBodies());
            String md = TrustReport.markdown(demo, runs, calls, coordinator, chain, nodes, loadBefore, loadAverage());
            System.out.println(md);
            Docs.replaceBlock(Docs.docPath(args), "trust", md);
        } finally {
            BenchData.deleteTree(dir);
        }
    }

    static String loadAverage() {
        try {
            String[] f = Files.readString(Path.of("/proc/loadavg")).trim().split("\\s+");
            return f[0] + ", " + f[1] + ", " + f[2];
        } catch (IOException | RuntimeException e) {
            return "unknown";
        }
    }
}

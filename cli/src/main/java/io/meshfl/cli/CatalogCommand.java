package io.meshfl.cli;

import io.meshfl.core.ErrorCode;
import io.meshfl.core.MeshflException;
import io.meshfl.core.catalog.Catalog;
import io.meshfl.core.catalog.ModelRecord;
import io.meshfl.core.catalog.RoundRecord;
import io.meshfl.core.catalog.RunRecord;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;

import java.nio.file.Path;
import java.util.List;
import java.util.Locale;

/** {@code meshfl catalog}: lists and shows what the catalog holds. */
@Command(name = "catalog", mixinStandardHelpOptions = true, description = "List and show domains, products, nodes, jobs, runs, models and integrations.",
        subcommands = {CatalogCommand.Domains.class, CatalogCommand.Products.class, CatalogCommand.Nodes.class,
                CatalogCommand.Jobs.class, CatalogCommand.Runs.class, CatalogCommand.Show.class, CatalogCommand.Models.class,
                CatalogCommand.Integrations.class, CatalogCommand.Budgets.class})
final class CatalogCommand {

    @picocli.CommandLine.Mixin
    CatalogOptions catalog;

    Catalog open() {
        return catalog.open();
    }

    @Command(name = "domains", description = "Domains that have registered nodes.")
    static final class Domains implements Runnable {
        @ParentCommand
        CatalogCommand parent;

        @Override
        public void run() {
            try (Catalog c = parent.open()) {
                System.out.printf("%-24s %-24s %s%n", "DOMAIN", "OWNER", "REGISTERED");
                c.domains().forEach(d -> System.out.printf("%-24s %-24s %s%n", d.name(), d.owner(), d.registeredAt()));
            }
        }
    }

    @Command(name = "integrations", description = "Mesh integrations (relationships between products), every registered version.")
    static final class Integrations implements Runnable {
        @ParentCommand
        CatalogCommand parent;

        @Override
        public void run() {
            try (Catalog c = parent.open()) {
                var store = new io.meshfl.core.catalog.IntegrationStore(c);
                System.out.printf("%-36s %-10s %-14s %s%n", "INTEGRATION", "VERSION", "SHA256", "REGISTERED");
                for (var latest : store.list()) {
                    for (var r : store.versions(latest.id())) {
                        System.out.printf("%-36s %-10s %-14s %s%n", r.id(), r.version(), r.sha256().substring(0, 12), r.registeredAt());
                    }
                }
            }
        }
    }

    @Command(name = "budgets", description = "Privacy budgets: each product's total epsilon (meshfl.epsilonBudget), spent and remaining.")
    static final class Budgets implements Runnable {
        @ParentCommand
        CatalogCommand parent;

        @Override
        public void run() {
            try (Catalog c = parent.open()) {
                var ledger = new io.meshfl.core.catalog.PrivacyLedger(c);
                System.out.printf("%-36s %-10s %10s %10s %10s %s%n", "PRODUCT", "VERSION", "TOTAL", "SPENT", "REMAINING", "RUNS");
                for (var p : c.products()) {
                    var contract = io.meshfl.core.contract.ContractLoader.parse(p.contractYaml(),
                            Path.of("catalog:" + p.id() + "@" + p.version()), false);
                    Double total = contract.policy().epsilonBudget();
                    double spent = ledger.spent(p.id());
                    System.out.printf(Locale.ROOT, "%-36s %-10s %10s %10.4f %10s %d%n", p.id(), p.version(),
                            total == null ? "none" : String.format(Locale.ROOT, "%.4f", total), spent,
                            total == null ? "-" : String.format(Locale.ROOT, "%.4f", Math.max(0, total - spent)), ledger.charges(p.id()).size());
                }
            }
        }
    }

    @Command(name = "products", description = "Data products (latest contract version of each).")
    static final class Products implements Runnable {
        @ParentCommand
        CatalogCommand parent;

        @Override
        public void run() {
            try (Catalog c = parent.open()) {
                System.out.printf("%-36s %-20s %-10s %-14s %s%n", "PRODUCT", "DOMAIN", "VERSION", "CONTRACT", "REGISTERED");
                c.products().forEach(p -> System.out.printf("%-36s %-20s %-10s %-14s %s%n", p.id(), p.domain(), p.version(),
                        p.contractSha256().substring(0, 12), p.registeredAt()));
                // the output ports of models in production: products others request with meshfl predict / serve --model model.NAME
                for (var p : io.meshfl.core.catalog.OutputPorts.inProduction(c)) {
                    System.out.printf("%-36s %-20s %-10s %-14s %s%n", p.id(), "(model of " + p.owner() + ")", p.version(),
                            p.contractSha256().substring(0, 12), p.publishedAt());
                }
            }
        }
    }

    @Command(name = "nodes", description = "Nodes and their liveness.")
    static final class Nodes implements Runnable {
        @ParentCommand
        CatalogCommand parent;

        @Override
        public void run() {
            try (Catalog c = parent.open()) {
                System.out.printf("%-28s %-20s %-22s %-8s %s%n", "NODE", "DOMAIN", "ADDRESS", "STATUS", "LAST HEARTBEAT");
                c.nodes().forEach(n -> System.out.printf("%-28s %-20s %-22s %-8s %s%n", n.nodeId(), n.domain(), n.address(),
                        n.status(), n.lastHeartbeat()));
            }
        }
    }

    @Command(name = "jobs", description = "Submitted jobs.")
    static final class Jobs implements Runnable {
        @ParentCommand
        CatalogCommand parent;

        @Override
        public void run() {
            try (Catalog c = parent.open()) {
                System.out.printf("%-30s %-28s %s%n", "JOB", "NAME", "SUBMITTED");
                c.jobs().forEach(j -> System.out.printf("%-30s %-28s %s%n", j.id(), j.name(), j.submittedAt()));
            }
        }
    }

    @Command(name = "runs", description = "Runs, newest first: method, status, metrics, runtime.")
    static final class Runs implements Runnable {
        @ParentCommand
        CatalogCommand parent;

        @Option(names = "--product", description = "Only runs that used this product.")
        String product;

        @Option(names = "--job", description = "Only runs of this job.")
        String job;

        @Override
        public void run() {
            try (Catalog c = parent.open()) {
                List<RunRecord> runs = product != null ? c.runsForProduct(product) : job != null ? c.runsForJob(job) : c.runs();
                System.out.printf("%-30s %-12s %-10s %8s %10s  %s%n", "RUN", "STRATEGY", "STATUS", "SECONDS", "BYTES", "METRICS / ERROR");
                for (RunRecord r : runs) {
                    double secs = r.endedAt() == null ? Double.NaN : (r.endedAt().toEpochMilli() - r.startedAt().toEpochMilli()) / 1000.0;
                    System.out.printf(Locale.ROOT, "%-30s %-12s %-10s %8.2f %10d  %s%n", r.id(), r.strategy(), r.status(), secs,
                            r.bytesSent() + r.bytesReceived(), r.error() != null ? r.error() : r.metricsJson());
                }
            }
        }
    }

    @Command(name = "show", description = "One run in full: plan, configuration, rounds, metrics.")
    static final class Show implements Runnable {
        @ParentCommand
        CatalogCommand parent;

        @Parameters(paramLabel = "RUN_ID")
        String runId;

        @Override
        public void run() {
            try (Catalog c = parent.open()) {
                RunRecord r = c.run(runId).orElseThrow(() -> new MeshflException(ErrorCode.CATALOG_NOT_FOUND, "no run '" + runId + "' in the catalog"));
                System.out.println("run       " + r.id() + "  (job " + r.jobId() + ")");
                System.out.println("strategy  " + r.strategy() + "   status " + r.status() + "   seed " + r.seed());
                System.out.println("products  " + r.productsCsv());
                if (r.submitter() != null) System.out.println("submitter " + r.submitter() + "   ticket nonce " + r.nonce());
                new io.meshfl.core.catalog.ChainSeals(c).forRun(r.id()).ifPresent(s -> System.out.println("sealed    #" + s.seq() + " "
                        + s.hash() + " by " + s.signer() + " at " + s.sealedAt() + " (verify with 'meshfl audit verify')"));
                System.out.println("started   " + r.startedAt() + "   ended " + r.endedAt());
                System.out.println("traffic   " + r.bytesSent() + " bytes sent, " + r.bytesReceived() + " received");
                System.out.println("metrics   " + r.metricsJson());
                if (r.error() != null) System.out.println("error     " + r.error());
                System.out.println("plan      " + r.planJson());
                System.out.println("config    " + r.configJson());
                System.out.printf("%6s %8s %10s %10s %4s %4s  %s%n", "ROUND", "SECONDS", "SENT", "RECEIVED", "OK", "FAIL", "METRICS");
                for (RoundRecord x : c.rounds(r.id())) {
                    System.out.printf(Locale.ROOT, "%6d %8.3f %10d %10d %4d %4d  %s%n", x.round(), x.seconds(), x.bytesSent(),
                            x.bytesReceived(), x.nodesOk(), x.nodesFailed(), x.metricsJson());
                    if (x.failuresJson() != null) System.out.println("       failed: " + x.failuresJson());
                }
            }
        }
    }

    @Command(name = "models", description = "Trained models with their provenance.")
    static final class Models implements Runnable {
        @ParentCommand
        CatalogCommand parent;

        @Option(names = "--provenance", description = "Print each model's provenance JSON.")
        boolean provenance;

        @Override
        public void run() {
            try (Catalog c = parent.open()) {
                System.out.printf("%-30s %-30s %-10s %8s  %s%n", "MODEL", "RUN", "TYPE", "PARAMS", "CREATED");
                for (ModelRecord m : c.models()) {
                    System.out.printf("%-30s %-30s %-10s %8d  %s%n", m.id(), m.runId(), m.modelType(), m.numParams(), m.createdAt());
                    if (provenance) System.out.println("  " + m.provenanceJson());
                }
            }
        }
    }
}

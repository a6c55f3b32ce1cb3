package io.meshfl.cli;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.meshfl.core.catalog.Catalog;
import io.meshfl.core.contract.ContractLoader;
import io.meshfl.core.contract.DataContract;
import io.meshfl.core.plan.JobLoader;
import io.meshfl.core.plan.JobSpec;
import io.meshfl.core.protocol.centralized.CentralizedBaseline;
import io.meshfl.core.report.RunReport;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;

/**
 * {@code meshfl demo}: builds a small mesh of three lending units from seeded data, runs a
 * horizontal job end to end over loopback gRPC, and compares it with centralized training.
 */
@Command(name = "demo", mixinStandardHelpOptions = true, description = "Run the demo mesh end to end.")
final class DemoCommand implements Callable<Integer> {

    @Option(names = "--dir", defaultValue = "meshfl-demo", description = "Where the demo writes its data, contracts, catalog and report (default: ${DEFAULT-VALUE}).")
    Path dir;

    @Option(names = "--seed", defaultValue = "7", description = "Seed of the generated data.")
    long seed;

    @Override
    public Integer call() throws Exception {
        long t0 = System.nanoTime();
        System.out.println("MeshFL demo: three lending units of one bank each publish a 'loans' data product;");
        System.out.println("a logistic default-risk model is trained across them without any row leaving its unit.\n");
        DemoData.write(dir, seed);
        List<DataContract> contracts = ContractLoader.loadDirectory(dir);
        for (DataContract c : contracts) System.out.println("  contract " + c.id() + " v" + c.version() + "  (" + c.sourceFile().getFileName() + ")");
        Path jobFile = dir.resolve("job.yaml");
        JobSpec job = JobLoader.load(jobFile);
        ObjectNode report;
        Path catalogFile = dir.resolve("catalog");
        Files.deleteIfExists(dir.resolve("catalog.mv.db"));
        Files.deleteIfExists(dir.resolve("catalog.trace.db"));
        // a fresh run each time: node journals from an earlier demo would not match a new catalog
        deleteTree(dir.resolve("nodes"));
        try (Catalog cat = Catalog.open(catalogFile); EmbeddedMesh mesh = new EmbeddedMesh(cat, contracts, s -> { }, dir.resolve("nodes"))) {
            System.out.println("\nembedded mesh: coordinator on 127.0.0.1:" + mesh.coordinator().port() + ", nodes "
                    + mesh.nodes().stream().map(n -> n.domain() + "@" + n.address()).toList() + "\n");
            report = mesh.coordinator().runJob(job, Files.readString(jobFile), new Progress(System.out, false));
        }
        Map<String, Double> central = CentralizedBaseline.run(job, contracts);
        RunReport.putBaseline(report, central, "same model, split, scaling and passes over all rows pooled in one process");
        System.out.println();
        System.out.printf("%-12s %12s %14s%n", "metric", "federated", "centralized");
        for (String m : List.of("auc", "accuracy", "f1", "loss")) {
            if (report.path("metrics").has(m)) {
                System.out.printf(Locale.ROOT, "%-12s %12.4f %14.4f%n", m, report.path("metrics").path(m).asDouble(), central.getOrDefault(m, Double.NaN));
            }
        }
        System.out.println();
        Reports.printSummary(report, System.out);
        Path json = dir.resolve("report.json");
        Path html = Reports.write(report, json);
        System.out.printf(Locale.ROOT, "%nreport: %s%ncurves: %s%ncatalog: %s (try: ./meshfl catalog --catalog %s runs, "
                        + "./meshfl audit --catalog %s for every message that crossed,%n  or ./meshfl audit verify --catalog %s "
                        + "--node-audit %s to check the signed chains against a node's own audit)%ndemo finished in %.1f s%n",
                json.toAbsolutePath(), html.toAbsolutePath(), catalogFile.toAbsolutePath(), catalogFile, catalogFile, catalogFile,
                dir.resolve("nodes").resolve(contracts.get(0).domain()), (System.nanoTime() - t0) / 1e9);
        return 0;
    }

    private static void deleteTree(Path p) throws java.io.IOException {
        if (!Files.exists(p)) return;
        try (var files = Files.walk(p)) {
            for (Path f : files.sorted(java.util.Comparator.reverseOrder()).toList()) Files.delete(f);
        }
    }
}

package io.meshfl.cli;

import io.meshfl.core.catalog.Catalog;
import io.meshfl.core.catalog.IntegrationRecord;
import io.meshfl.core.catalog.IntegrationStore;
import io.meshfl.core.contract.ContractLoader;
import io.meshfl.core.contract.DataContract;
import io.meshfl.core.data.ProductReader;
import io.meshfl.core.integration.Integration;
import io.meshfl.core.integration.IntegrationLoader;
import io.meshfl.core.integration.JoinPlan;
import io.meshfl.core.integration.JoinStep;
import io.meshfl.core.integration.KeyChecks;
import io.meshfl.core.integration.KeyMatch;
import io.meshfl.core.integration.Overlap;
import io.meshfl.core.integration.RowIndex;
import io.meshfl.core.integration.SourceFeed;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;

/**
 * {@code meshfl integrate}: checks a mesh integration file against the products' contracts
 * (and, where this process may read the data, the join keys themselves) and registers it in the
 * catalog as a new version.
 */
@Command(name = "integrate", mixinStandardHelpOptions = true,
        description = "Validate a mesh integration file (relationships, column mappings, overlaps) and register it in the catalog.")
final class IntegrateCommand implements Callable<Integer> {

    @Option(names = "--mesh", required = true, description = "Mesh integration YAML file (kind: MeshIntegration).")
    Path mesh;

    @Option(names = "--contracts", description = "Folder of the products' contracts. Default: the mesh file's folder.")
    Path contracts;

    @Option(names = "--check-data", description = "Also read the join key columns and check them: matches, uniqueness of the 'one' side, unmatched rows.")
    boolean checkData;

    @picocli.CommandLine.Mixin
    CatalogOptions catalog;

    @Override
    public Integer call() {
        Path dir = contracts != null ? contracts : mesh.toAbsolutePath().getParent();
        List<DataContract> all = ContractLoader.loadDirectory(dir);
        Integration in = IntegrationLoader.load(mesh, all);
        JoinPlan plan = in.plan();
        System.out.println("integration " + in.id() + " v" + in.version() + ": one row per row of " + plan.base());
        for (JoinStep s : plan.steps()) {
            System.out.println("  join " + s.product() + " on " + s.parentKey().product() + "." + s.parentKey().column() + " = "
                    + s.childKey().product() + "." + s.childKey().column() + "  (" + s.relationship().cardinality() + ")");
        }
        for (SourceFeed f : plan.feeds()) {
            System.out.println("  " + f.product() + " feeds " + f.targetColumns());
        }
        for (Overlap o : in.overlaps()) {
            System.out.println("  overlap '" + o.target() + "': kept from " + o.kept().product() + ", dropped from "
                    + o.dropped().stream().map(c -> c.product()).toList());
        }
        if (checkData) {
            Map<String, DataContract> byId = new HashMap<>();
            for (DataContract c : all) byId.put(c.id(), c);
            RowIndex index = KeyChecks.index(plan, ref -> ProductReader.readKeys(byId.get(ref.product()), ref.column()));
            for (KeyMatch m : index.matches()) System.out.println("  keys: " + m.summary());
        }
        try (Catalog c = catalog.open()) {
            IntegrationRecord r = new IntegrationStore(c).register(in.id(), in.version(), in.rawYaml());
            System.out.println("registered " + r.id() + " v" + r.version() + " (sha256 " + r.sha256().substring(0, 12) + ") in " + catalog);
        }
        return 0;
    }
}

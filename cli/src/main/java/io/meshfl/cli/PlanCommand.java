package io.meshfl.cli;

import io.meshfl.core.ErrorCode;
import io.meshfl.core.MeshflException;
import io.meshfl.core.contract.ContractLoader;
import io.meshfl.core.contract.DataContract;
import io.meshfl.core.data.Dataset;
import io.meshfl.core.data.ProductReader;
import io.meshfl.core.integration.Integration;
import io.meshfl.core.integration.IntegrationLoader;
import io.meshfl.core.plan.JobLoader;
import io.meshfl.core.plan.JobSpec;
import io.meshfl.core.plan.LabelPreflight;
import io.meshfl.core.plan.Plan;
import io.meshfl.core.plan.Planner;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;

/**
 * {@code meshfl plan}: prints how a job would run, like a database EXPLAIN, without running it; a
 * label holder's product this process can read has its label checked against the model's kind of
 * target first ({@link LabelPreflight}).
 */
@Command(name = "plan", mixinStandardHelpOptions = true, description = "Explain how a job would run.")
final class PlanCommand implements Callable<Integer> {

    @Option(names = "--job", required = true, description = "Job YAML file.")
    Path job;

    @Option(names = "--contracts", description = "Folder of data product contracts. Default: the job file's folder.")
    Path contracts;

    @Override
    public Integer call() {
        JobSpec asked = JobLoader.load(job);
        Path dir = contracts != null ? contracts : job.toAbsolutePath().getParent();
        Map<String, Planner.ProductView> views = new LinkedHashMap<>();
        List<DataContract> all = ContractLoader.loadDirectory(dir);
        for (DataContract c : all) views.put(c.id(), new Planner.ProductView(c, rows(c)));
        Map<String, Integration> integrations = new LinkedHashMap<>();
        for (Integration in : IntegrationLoader.loadDirectory(dir, all)) integrations.put(in.id(), in);
        var joining = integrations.values().stream().filter(in -> in.products().equals(new java.util.HashSet<>(asked.products()))).toList();
        JobSpec spec = asked;
        Plan plan = Planner.plan(spec, views, id -> {
            Integration in = integrations.get(id);
            if (in == null) {
                throw new MeshflException(ErrorCode.CATALOG_NOT_FOUND, job + ": integration: no mesh integration file with id '" + id
                        + "' in " + dir + "; found " + integrations.keySet());
            }
            return in;
        });
        if (asked.integration() == null && !joining.isEmpty()) {
            plan = plan.withReason("integration(s) " + joining.stream().map(Integration::id).toList() + " in " + dir + " join these products; "
                    + "the job names none, so it trains as planned here; name one in 'integration' to train over its join");
        }
        plan = LabelPreflight.check(plan, id -> label(views.get(id)));
        System.out.print(plan.explain());
        return 0;
    }

    /**
     * The product's declared label as its node reads it (no features, the label only), or null when
     * this process cannot read the product, as its row count above found.
     */
    private static Dataset label(Planner.ProductView v) {
        if (v == null || v.rows() < 0) return null;
        return ProductReader.read(v.contract(), List.of(), v.contract().policy().label());
    }

    /** The product's row count where this process can read it, for the cost estimates; -1 otherwise. */
    private static long rows(DataContract c) {
        try {
            return ProductReader.count(c);
        } catch (RuntimeException e) {
            return -1;
        }
    }
}

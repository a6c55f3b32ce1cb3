package io.meshfl.cli;

import io.meshfl.core.contract.ContractLoader;
import io.meshfl.core.contract.DataContract;
import io.meshfl.core.plan.JobLoader;
import io.meshfl.core.plan.Planner;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.Callable;

/** {@code meshfl plan}: prints how a job would run, like a database EXPLAIN, without running it. */
@Command(name = "plan", mixinStandardHelpOptions = true, description = "Explain how a job would run.")
final class PlanCommand implements Callable<Integer> {

    @Option(names = "--job", required = true, description = "Job YAML file.")
    Path job;

    @Option(names = "--contracts", description = "Folder of data product contracts. Default: the job file's folder.")
    Path contracts;

    @Override
    public Integer call() {
        var spec = JobLoader.load(job);
        Path dir = contracts != null ? contracts : job.toAbsolutePath().getParent();
        Map<String, Planner.ProductView> views = new LinkedHashMap<>();
        for (DataContract c : ContractLoader.loadDirectory(dir)) views.put(c.id(), new Planner.ProductView(c, -1));
        System.out.print(Planner.plan(spec, views).explain());
        return 0;
    }
}

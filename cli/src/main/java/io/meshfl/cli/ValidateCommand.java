package io.meshfl.cli;

import io.meshfl.core.ErrorCode;
import io.meshfl.core.MeshflException;
import io.meshfl.core.contract.ContractLoader;
import io.meshfl.core.contract.DataContract;
import io.meshfl.core.integration.Integration;
import io.meshfl.core.integration.IntegrationLoader;
import io.meshfl.core.plan.FileSchemas;
import io.meshfl.core.plan.JobLoader;
import io.meshfl.core.plan.JobSpec;
import io.meshfl.core.plan.Plan;
import io.meshfl.core.plan.Planner;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * {@code meshfl validate DIR}: checks every contract, integration and job file of a folder and
 * reports every error, not just the first: each file against its JSON Schema (the one shipped in
 * the jar, with a JSON Schema validator), then contracts against their data, integrations
 * against the contracts, jobs by planning them against both (settings that do not apply, unknown
 * products, columns a policy forbids), with each plan's warnings.
 */
@Command(name = "validate", mixinStandardHelpOptions = true,
        description = "Check every contract, integration and job file in a folder and report all errors.")
final class ValidateCommand implements Callable<Integer> {

    private static final Pattern CONTRACT = Pattern.compile("(?m)^kind:\\s*[\"']?DataContract\\b");
    private static final Pattern INTEGRATION = Pattern.compile("(?m)^kind:\\s*[\"']?MeshIntegration\\b");
    private static final Pattern JOB = Pattern.compile("(?m)^products:");

    @Parameters(index = "0", paramLabel = "DIR", description = "Folder of contract, integration and job YAML files.")
    Path dir;

    @Override
    public Integer call() {
        Result r = validate(dir, System.out);
        System.out.printf(Locale.ROOT, "%d file(s): %d contract(s), %d integration(s), %d job(s); %d error(s), %d warning(s)%n",
                r.files(), r.contracts(), r.integrations(), r.jobs(), r.errors(), r.warnings());
        return r.errors() == 0 ? 0 : 2;
    }

    /** What a folder held and how many errors and warnings its files had. */
    record Result(int files, int contracts, int integrations, int jobs, int errors, int warnings) {
    }

    static Result validate(Path folder, PrintStream out) {
        Path abs = folder.toAbsolutePath().normalize();
        if (!Files.isDirectory(abs)) throw new MeshflException(ErrorCode.CONTRACT_FILE_MISSING, "folder not found: " + abs);
        List<Path> contracts = new ArrayList<>(), integrations = new ArrayList<>(), jobs = new ArrayList<>();
        int files = 0, errors = 0, warnings = 0;
        try (Stream<Path> s = Files.list(abs)) {
            for (Path f : s.filter(Files::isRegularFile).sorted().toList()) {
                String n = f.getFileName().toString().toLowerCase(Locale.ROOT);
                if (!n.endsWith(".yaml") && !n.endsWith(".yml")) continue;
                files++;
                String text = Files.readString(f);
                if (CONTRACT.matcher(text).find()) contracts.add(f);
                else if (INTEGRATION.matcher(text).find()) integrations.add(f);
                else if (JOB.matcher(text).find()) jobs.add(f);
                else out.println("skipped  " + f.getFileName() + ": neither a contract (kind: DataContract), an integration (kind: "
                        + "MeshIntegration) nor a job (products:)");
            }
        } catch (IOException e) {
            throw new MeshflException(ErrorCode.CONTRACT_FILE_MISSING, "cannot read folder " + abs + ": " + e.getMessage(), e);
        }
        Map<String, Planner.ProductView> views = new LinkedHashMap<>();
        Map<String, Path> declaredBy = new LinkedHashMap<>();
        for (Path f : contracts) {
            int broken = schemaErrors(out, f, FileSchemas.CONTRACT);
            errors += broken;
            try {
                DataContract c = ContractLoader.load(f);
                Path other = declaredBy.putIfAbsent(c.id(), f);
                if (other != null) {
                    throw new MeshflException(ErrorCode.CONTRACT_INVALID, f + ": id: product id '" + c.id() + "' is already declared by "
                            + other.getFileName());
                }
                views.put(c.id(), new Planner.ProductView(c, -1));
                if (broken == 0) out.println("ok       contract     " + f.getFileName() + "  " + c.id() + " v" + c.version());
            } catch (MeshflException e) {
                // its schema errors said it already: the loader's first error would repeat one of them
                if (broken == 0) errors += report(out, f, e);
            }
        }
        List<DataContract> all = views.values().stream().map(Planner.ProductView::contract).toList();
        Map<String, Integration> joins = new LinkedHashMap<>();
        for (Path f : integrations) {
            int broken = schemaErrors(out, f, FileSchemas.INTEGRATION);
            errors += broken;
            if (broken > 0) continue;
            try {
                Integration in = IntegrationLoader.load(f, all);
                joins.put(in.id(), in);
                out.println("ok       integration  " + f.getFileName() + "  " + in.id() + " v" + in.version());
            } catch (MeshflException e) {
                errors += report(out, f, e);
            }
        }
        for (Path f : jobs) {
            int broken = schemaErrors(out, f, FileSchemas.JOB);
            errors += broken;
            if (broken > 0) continue;
            try {
                JobSpec job = JobLoader.load(f);
                Plan plan = Planner.plan(job, views, id -> {
                    Integration in = joins.get(id);
                    if (in == null) {
                        throw new MeshflException(ErrorCode.CATALOG_NOT_FOUND, f + ": integration: no valid integration '" + id
                                + "' in this folder; found " + joins.keySet());
                    }
                    return in;
                });
                out.println("ok       job          " + f.getFileName() + "  " + job.name() + " -> " + plan.strategy());
                for (String w : plan.warnings()) {
                    out.println("WARNING  " + f.getFileName() + ": " + w);
                    warnings++;
                }
            } catch (MeshflException e) {
                errors += report(out, f, e);
            }
        }
        return new Result(files, contracts.size(), integrations.size(), jobs.size(), errors, warnings);
    }

    /**
     * The file checked against its JSON Schema by a JSON Schema validator, as an editor would: every
     * field that is not one, of the wrong type or out of its choices, and every required field missing,
     * each on a line of its own; the count. Malformed YAML is left to the loader, which says where.
     */
    private static int schemaErrors(PrintStream out, Path f, io.meshfl.core.schema.FileSchema schema) {
        com.fasterxml.jackson.databind.JsonNode doc;
        try {
            doc = YAML.readTree(f.toFile());
        } catch (IOException e) {
            return 0;
        }
        if (doc == null || !doc.isObject()) return 0;
        List<String> problems = io.meshfl.core.schema.SchemaCheck.problems(schema, doc);
        for (String p : problems) out.println("ERROR    " + f.getFileName() + ": " + p);
        return problems.size();
    }

    private static final com.fasterxml.jackson.databind.ObjectMapper YAML =
            new com.fasterxml.jackson.databind.ObjectMapper(new com.fasterxml.jackson.dataformat.yaml.YAMLFactory());

    /** Prints each error of a file on its own line (a contract's errors come as one message of several lines). */
    private static int report(PrintStream out, Path f, MeshflException e) {
        List<String> lines = e.getMessage().lines().filter(l -> !l.isBlank()).toList();
        for (String l : lines) out.println("ERROR    " + f.getFileName() + ": " + l.strip());
        return Math.max(1, lines.size());
    }
}

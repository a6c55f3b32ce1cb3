package io.meshfl.cli;

import com.fasterxml.jackson.databind.JsonNode;
import io.meshfl.core.catalog.Catalog;
import io.meshfl.core.catalog.CostModelStore;
import io.meshfl.core.catalog.RunRecord;
import io.meshfl.core.plan.cost.CostModel;
import io.meshfl.core.plan.cost.Workload;
import io.meshfl.core.protocol.factorized.Calibration;
import io.meshfl.core.report.RunReport;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;

/**
 * {@code meshfl calibrate}: measures this machine's cost-model constants on a grid of generated
 * star schemas (and, with {@code --history}, the joined runs in the run log) and stores them in
 * the catalog, where the planner finds them.
 */
@Command(name = "calibrate", mixinStandardHelpOptions = true,
        description = "Measure the cost model of materialized against factorized training on this machine and store it in the catalog.")
final class CalibrateCommand implements Callable<Integer> {

    @picocli.CommandLine.Mixin
    CatalogOptions catalog;

    @Option(names = "--history", description = "Also fit to the materialized and factorized runs in the run log (their workloads and actual seconds).")
    boolean history;

    @Option(names = "--rows", defaultValue = "5000", description = "Dimension rows of the calibration grid (default: ${DEFAULT-VALUE}).")
    int rows;

    @Override
    public Integer call() {
        int[] tupleRatios = {1, 2, 5, 10, 20};
        double[] featureRatios = {0.5, 1, 2, 5};
        System.out.printf(Locale.ROOT, "timing %d cells (tuple ratio %s x feature ratio %s, %,d dimension rows)...%n",
                tupleRatios.length * featureRatios.length, java.util.Arrays.toString(tupleRatios), java.util.Arrays.toString(featureRatios), rows);
        List<CostModel.Sample> samples = new ArrayList<>(Calibration.grid(rows, 10, tupleRatios, featureRatios, 10, 2, 7));
        double loo = CostModel.leaveOneOutAccuracy(samples);
        try (Catalog c = catalog.open()) {
            int fromRuns = 0;
            if (history) {
                for (RunRecord r : c.runs()) {
                    CostModel.Sample s = sampleOf(r);
                    if (s != null) {
                        samples.add(s);
                        fromRuns++;
                    }
                }
            }
            double kernel = io.meshfl.core.protocol.vertical.EncryptedCalibration.kernelSeconds(2000, 8, 2, 7);
            double encrypted = io.meshfl.core.protocol.vertical.EncryptedCalibration.constantFromKernel(kernel);
            List<Double> epochs = history ? encryptedEpochs(c) : List.of();
            if (!epochs.isEmpty()) {
                // measured epochs of this machine's own encrypted runs beat a kernel scaled from the reference machine
                List<Double> sorted = epochs.stream().sorted().toList();
                encrypted = sorted.get(sorted.size() / 2);
            }
            CostModel fit = CostModel.fit(samples).withEncrypted(encrypted);
            new CostModelStore(c).save(fit, fromRuns > 0 ? "calibration+history" : "calibration", samples.size(), loo);
            System.out.printf(Locale.ROOT, "constants: dense %.3g s/cell, join %.3g s/cell, index %.3g s/row, row %.3g s/row "
                    + "(%d grid cells, %d runs from the log)%n", fit.dense(), fit.join(), fit.index(), fit.row(), samples.size() - fromRuns, fromRuns);
            for (String line : zeroConstants(fit, samples)) System.out.println(line);
            System.out.printf(Locale.ROOT, "encrypted work (Paillier-1024, per row and coefficient): %.3g s, %s (reference machine %.3g s)%n",
                    fit.encrypted(), epochs.isEmpty() ? "from the kernel timing" : "median of " + epochs.size() + " encrypted runs of the log",
                    CostModel.REFERENCE_ENCRYPTED);
            System.out.printf(Locale.ROOT, "decision accuracy on the grid, leave-one-out: %.0f%% (Morpheus rule: %.0f%%)%n", 100 * loo,
                    100 * CostModel.ruleAccuracy(samples));
            System.out.println("stored in " + catalog.describe() + "; the planner prices joins with these from now on");
        }
        return 0;
    }

    /**
     * One line for every constant the fit put at zero, saying why: the index cost cannot be told
     * apart from the row cost when every sample joins one source, and a zero dense or row cost
     * means the timings were too noisy to separate them, so the planner's choice rests on the others.
     */
    static List<String> zeroConstants(CostModel fit, List<CostModel.Sample> samples) {
        List<String> out = new ArrayList<>();
        boolean oneSource = samples.stream().allMatch(s -> s.workload().sources() == 1);
        if (fit.index() == 0) {
            out.add(oneSource
                    ? "note: index fitted to 0: every sample joins one source, so its cost is counted in the row cost"
                    : "note: index fitted to 0: the timings did not separate it from the row cost");
        }
        for (String name : List.of("dense", "row")) {
            double v = name.equals("dense") ? fit.dense() : fit.row();
            if (v == 0) {
                out.add("warning: " + name + " fitted to 0: the timings were too noisy to separate it from the other costs; "
                        + "re-run on an idle machine or with more --rows");
            }
        }
        return out;
    }

    /**
     * Seconds per encrypted unit of the vertical and federated-factorized runs of the log: each
     * run's median epoch over the encrypted work of one epoch it recorded.
     */
    static List<Double> encryptedEpochs(Catalog c) {
        List<Double> out = new ArrayList<>();
        for (RunRecord r : c.runs()) {
            if (!RunRecord.SUCCEEDED.equals(r.status()) || r.metricsJson() == null) continue;
            if (!r.strategy().equals("vertical") && !r.strategy().equals("federated-factorized")) continue;
            try {
                double units = RunReport.JSON.readTree(r.metricsJson()).path("encrypted_units_per_epoch").asDouble(0);
                List<Double> secs = c.rounds(r.id()).stream().map(io.meshfl.core.catalog.RoundRecord::seconds).sorted().toList();
                if (units > 0 && !secs.isEmpty()) out.add(secs.get(secs.size() / 2) / units);
            } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
                // a run whose metrics do not parse says nothing about the machine
            }
        }
        return out;
    }

    /** A joined run's workload and actual seconds, or null for any other run. */
    static CostModel.Sample sampleOf(RunRecord r) {
        if (!RunRecord.SUCCEEDED.equals(r.status()) || r.metricsJson() == null) return null;
        if (!r.strategy().equals(CostModel.MATERIALIZED) && !r.strategy().equals(CostModel.FACTORIZED)) return null;
        try {
            JsonNode m = RunReport.JSON.readTree(r.metricsJson());
            if (!m.has("workload_n0") || !m.has("actual_seconds")) return null;
            Workload w = new Workload(m.path("workload_n0").asLong(), m.path("workload_d0").asInt(), Math.max(1, m.path("workload_nk").asLong()),
                    m.path("workload_dk").asInt(), m.path("workload_sources").asInt(), m.path("iterations").asInt());
            return CostModel.Sample.of(w, r.strategy(), m.path("actual_seconds").asDouble());
        } catch (com.fasterxml.jackson.core.JsonProcessingException | IllegalArgumentException e) {
            return null;
        }
    }
}

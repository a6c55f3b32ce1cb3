package io.meshfl.bench;

import org.openjdk.jmh.results.BenchmarkResult;
import org.openjdk.jmh.results.IterationResult;
import org.openjdk.jmh.results.RunResult;
import org.openjdk.jmh.runner.Runner;
import org.openjdk.jmh.runner.options.OptionsBuilder;

import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Runs {@link AggregationBenchmark} under JMH (one fork, short warm-up and measurement) and
 * writes the {@code aggregation} block: ms per aggregation, GB/s of input consumed, and the ratio
 * of each core function to the floor measured in the same run.
 */
public final class AggregationReport {

    private AggregationReport() {
    }

    public static void main(String[] args) throws Exception {
        AggregationBenchmark.agree();
        Collection<RunResult> results = new Runner(new OptionsBuilder()
                .include(AggregationBenchmark.class.getName() + "\\.")
                .shouldFailOnError(true)
                .build()).run();
        // the median and range of the measured iterations: on a shared machine one slow iteration
        // should not move the figure, and JMH's interval over 4-5 samples says little
        Map<String, double[]> ms = new HashMap<>();
        for (RunResult r : results) {
            String name = r.getParams().getBenchmark();
            name = name.substring(name.lastIndexOf('.') + 1);
            List<Double> its = new ArrayList<>();
            for (BenchmarkResult b : r.getBenchmarkResults()) {
                for (IterationResult it : b.getIterationResults()) its.add(it.getPrimaryResult().getScore());
            }
            ms.put(name, new double[]{Stats.median(its), Stats.min(its), Stats.max(its), its.size()});
        }
        double gb = (double) AggregationBenchmark.UPDATES * AggregationBenchmark.PARAMS * Double.BYTES / 1e9;
        StringBuilder md = new StringBuilder();
        md.append(String.format(Locale.ROOT, "%d updates x %,d float64 parameters = %.1f GB of input per aggregation. "
                        + "JMH 1.37, average-time mode, 1 fork (-Xmx2g) per implementation; FedAvg rows: 3 warm-up and 5 measured "
                        + "iterations of 1 s; sort-based and Krum rows: 1 warm-up and 4 measured iterations of one aggregation each. "
                        + "Time = median of the measured iterations (min-max in brackets). GB/s = input bytes / median time. "
                        + "Ratio = median time of the implementation / median time of its floor (1.00 = at the floor).%n%n",
                AggregationBenchmark.UPDATES, AggregationBenchmark.PARAMS, gb));
        md.append("| aggregation | implementation | ms per aggregation, median (min-max) | GB/s of input | ratio to floor |\n");
        md.append("|---|---|---:|---:|---:|\n");
        row(md, ms, gb, "FedAvg", "core `Aggregation.weightedMean`", "fedAvg", "fedAvgFloor");
        row(md, ms, gb, "FedAvg", "floor: plain weighted-sum loop", "fedAvgFloor", "fedAvgFloor");
        row(md, ms, gb, "FedAvg", "reference: same loop blocked by 2048 coordinates", "fedAvgBlocked", "fedAvgFloor");
        row(md, ms, gb, "FedMedian", "core `Aggregation.median` (selection per coordinate)", "median", "medianSelect");
        row(md, ms, gb, "FedMedian", "floor: gather + selection of the middle, in the benchmark", "medianSelect", "medianSelect");
        row(md, ms, gb, "FedMedian", "previous version: gather + `Arrays.sort` 100 values per coordinate", "medianFloor", "medianSelect");
        row(md, ms, gb, "trimmed mean (beta 0.1)", "core `Aggregation.trimmedMean` (two selections per coordinate)", "trimmedMean", "trimmedMeanSelect");
        row(md, ms, gb, "trimmed mean (beta 0.1)", "floor: gather + two selections + sum of the middle 80, in the benchmark", "trimmedMeanSelect",
                "trimmedMeanSelect");
        row(md, ms, gb, "trimmed mean (beta 0.1)", "previous version: gather + sort + sum of the middle 80", "trimmedMeanFloor", "trimmedMeanSelect");
        int f = AggregationBenchmark.KRUM_F;
        String krum = "Krum (f = " + f + ")";
        row(md, ms, gb, krum, "core `Aggregation.krum` (distances in blocks of 1024 coordinates, 4 running sums)", "krum", "krumFloor");
        row(md, ms, gb, krum, "floor: one plain pass over both updates per pair (4,950 pairs) + row sorts", "krumFloor", "krumFloor");
        row(md, ms, gb, "Multi-Krum (f = " + f + ", m = " + (AggregationBenchmark.UPDATES - f) + ")",
                "core `Aggregation.multiKrum` (Krum's distances + plain mean of the m best)", "multiKrum", "krumFloor");
        md.append('\n').append(Docs.stamp()).append('\n');
        System.out.println(md);
        Docs.replaceBlock(Docs.docPath(args), "aggregation", md.toString());
    }

    private static void row(StringBuilder md, Map<String, double[]> ms, double gb, String what, String impl, String bench, String floor) {
        double[] t = ms.get(bench);
        double f = ms.get(floor)[0];
        md.append(String.format(Locale.ROOT, "| %s | %s | %.1f (%.1f-%.1f) | %.2f | %.2f |%n", what, impl, t[0], t[1], t[2], gb / (t[0] / 1e3), t[0] / f));
    }
}

package io.meshfl.cli;

import com.fasterxml.jackson.databind.node.ObjectNode;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.nio.file.Path;
import java.util.Locale;
import java.util.concurrent.Callable;

/** {@code meshfl simulate}: a horizontal job over many virtual nodes in this JVM. */
@Command(name = "simulate", mixinStandardHelpOptions = true,
        description = "Simulate a mesh of many virtual nodes in one JVM (real services, in-process transport).")
final class SimulateCommand implements Callable<Integer> {

    @Option(names = "--nodes", defaultValue = "100", description = "Virtual nodes (default: ${DEFAULT-VALUE}).")
    int nodes;

    @Option(names = "--rows", defaultValue = "200", description = "Rows per node (default: ${DEFAULT-VALUE}).")
    int rows;

    @Option(names = "--features", defaultValue = "20", description = "Features (default: ${DEFAULT-VALUE}).")
    int features;

    @Option(names = "--rounds", defaultValue = "5", description = "Rounds (default: ${DEFAULT-VALUE}).")
    int rounds;

    @Option(names = "--fraction", defaultValue = "1.0", description = "Fraction of nodes sampled per round (default: ${DEFAULT-VALUE}).")
    double fraction;

    @Option(names = "--model", defaultValue = "logistic", description = "Model type (default: ${DEFAULT-VALUE}).")
    String model;

    @Option(names = "--report", description = "Write the run report here (JSON, with HTML beside it).")
    Path report;

    @Override
    public Integer call() throws Exception {
        long t0 = System.nanoTime();
        Simulator.resetPeaks();
        try (Simulator sim = new Simulator(new Simulator.Config(nodes, rows, features, rounds, fraction, model, 11))) {
            double setup = (System.nanoTime() - t0) / 1e9;
            System.out.printf(Locale.ROOT, "%d virtual nodes up in %.2f s%n", nodes, setup);
            ObjectNode r = sim.run(new Progress(System.out, false));
            Reports.printSummary(r, System.out);
            System.out.printf(Locale.ROOT, "peak heap %.1f MB, total %.2f s%n", Simulator.peakHeapBytes() / 1e6, (System.nanoTime() - t0) / 1e9);
            if (report != null) Reports.write(r, report);
        }
        return 0;
    }
}

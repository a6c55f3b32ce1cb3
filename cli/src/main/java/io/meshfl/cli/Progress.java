package io.meshfl.cli;

import io.meshfl.coordinator.JobObserver;
import io.meshfl.core.protocol.horizontal.RoundSummary;

import java.io.PrintStream;
import java.util.Locale;
import java.util.Map;

/** Prints a job's plan and one line per round (metrics, traffic, ETA) on the terminal. */
final class Progress implements JobObserver {

    private final PrintStream out;
    private final long start = System.nanoTime();
    private final boolean verbose;

    Progress(PrintStream out, boolean verbose) {
        this.out = out;
        this.verbose = verbose;
    }

    @Override
    public void plan(String explain) {
        out.println(explain);
    }

    @Override
    public void round(RoundSummary s) {
        out.println(line(s.round(), s.rounds(), s.seconds(), s.metrics(), s.nodesOk(), s.failures().size(),
                (System.nanoTime() - start) / 1e9));
    }

    /** The line of a round the coordinator streamed, {@code elapsed} seconds after the client started following. */
    static String line(io.meshfl.proto.RoundEvent r, double elapsed) {
        return line(r.getRound(), r.getRounds(), r.getSeconds(), r.getMetricsMap(), r.getNodesOk(), r.getNodesFailed(), elapsed);
    }

    static String line(int round, int rounds, double seconds, Map<String, Double> m, int ok, int failed, double elapsed) {
        StringBuilder sb = new StringBuilder();
        sb.append(String.format(Locale.ROOT, "round %3d/%d  %6.2fs", round, rounds, seconds));
        for (String k : new String[]{"train_loss", "loss", "auc", "accuracy", "f1", "rmse", "r2", "poisson_deviance"}) {
            Double v = m.get(k);
            if (v != null) sb.append(String.format(Locale.ROOT, "  %s=%.4f", k, v));
        }
        sb.append(String.format(Locale.ROOT, "  nodes=%d", ok));
        if (failed > 0) sb.append(String.format(Locale.ROOT, " (%d failed)", failed));
        double eta = round == 0 ? 0 : elapsed / round * (rounds - round);
        sb.append(String.format(Locale.ROOT, "  ETA %.0fs", eta));
        return sb.toString();
    }

    @Override
    public void log(String line) {
        if (verbose) out.println("  " + line);
    }
}

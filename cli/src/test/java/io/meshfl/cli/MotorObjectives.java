package io.meshfl.cli;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.meshfl.coordinator.JobObserver;
import io.meshfl.core.catalog.Catalog;
import io.meshfl.core.contract.DataContract;
import io.meshfl.core.data.Poisson;
import io.meshfl.core.plan.JobSpec;
import io.meshfl.core.protocol.horizontal.RoundSummary;

import java.nio.file.Files;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import java.util.function.DoubleUnaryOperator;

import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * What the real-data objective suites share: the labels they derive from motor speed in the FATE
 * motor files, a job run in an embedded mesh, and its comparison with the same model trained
 * centrally on the same rows.
 */
final class MotorObjectives {

    private MotorObjectives() {
    }

    /** A run over {@code data} and the same model trained centrally, scored on the same rows. */
    record Compared(String data, ObjectNode run, Map<String, Double> central) {
        double got(String metric) {
            return run.path("metrics").path(metric).asDouble();
        }

        /** Prints the pair and checks the run within {@code share} (relative) or {@code within} (absolute) of central training. */
        void near(String what, String metric, double share, double within) {
            double got = got(metric), want = central.get(metric);
            System.out.printf(Locale.ROOT, "%s %s %s %.4f, the same model trained centrally %.4f (%s), %.1f s%n", data, what, metric, got, want,
                    central, run.path("wall_seconds").asDouble());
            assertTrue(Math.abs(got - want) <= Math.max(share * want, within), what + ": " + metric + " " + got + " vs central " + central);
        }
    }

    /** Runs {@code job} over {@code contracts} in an embedded mesh, printing its plan, every tenth of its rounds, and the trees' and epochs' lines. */
    static ObjectNode run(List<DataContract> contracts, JobSpec job, String yaml) throws Exception {
        try (Catalog cat = Catalog.inMemory("objectives" + System.nanoTime()); EmbeddedMesh mesh = new EmbeddedMesh(cat, contracts, s -> { })) {
            return mesh.coordinator().runJob(job, yaml, new JobObserver() {
                @Override
                public void plan(String explain) {
                    System.out.println(explain);
                }

                @Override
                public void round(RoundSummary r) {
                    if (r.round() % Math.max(1, r.rounds() / 10) == 0) {
                        System.out.println(Progress.line(r.round(), r.rounds(), r.seconds(), r.metrics(), r.nodesOk(), r.failures().size(), 0));
                    }
                }

                @Override
                public void log(String line) {
                    if (line.startsWith("tree") || line.startsWith("round") || line.startsWith("split epoch")) System.out.println(line);
                }
            });
        }
    }

    /** Motor speed in four classes by its quartiles. */
    static DoubleUnaryOperator speedClasses() throws Exception {
        double[] sorted = motorSpeeds();
        Arrays.sort(sorted);
        double[] cut = {sorted[sorted.length / 4], sorted[sorted.length / 2], sorted[3 * sorted.length / 4]};
        return s -> s < cut[0] ? 0 : s < cut[1] ? 1 : s < cut[2] ? 2 : 3;
    }

    /** Counts with a mean growing with motor speed, drawn one per call: applied to the rows in file order, every suite draws the same. */
    static DoubleUnaryOperator counts() {
        Random rnd = new Random(7);
        return s -> Poisson.draw(rnd, Math.exp(0.8 * s + 1));
    }

    /** The label holder's file, header first, from the shared folder read in place. */
    static List<String> guestLines() throws Exception {
        assumeTrue(SharedData.present(), "../shared/datasets is absent");
        return Files.readAllLines(SharedData.datasets().resolve("motor_hetero_guest.csv"));
    }

    private static double[] motorSpeeds() throws Exception {
        List<String> lines = guestLines();
        double[] s = new double[lines.size() - 1];
        for (int i = 1; i < lines.size(); i++) s[i - 1] = Double.parseDouble(lines.get(i).split(",")[1]);
        return s;
    }
}

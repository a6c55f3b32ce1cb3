package io.meshfl.cli;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.meshfl.coordinator.JobObserver;
import io.meshfl.core.catalog.Catalog;
import io.meshfl.core.contract.ContractLoader;
import io.meshfl.core.contract.DataContract;
import io.meshfl.core.data.Dataset;
import io.meshfl.core.metrics.EvalSums;
import io.meshfl.core.model.ModelSpec;
import io.meshfl.core.model.nn.Head;
import io.meshfl.core.model.nn.SplitReference;
import io.meshfl.core.model.tree.GradientBoosting;
import io.meshfl.core.model.tree.Objective;
import io.meshfl.core.model.tree.TreeParams;
import io.meshfl.core.plan.JobLoader;
import io.meshfl.core.plan.JobSpec;
import io.meshfl.core.protocol.centralized.JoinedProducts;
import io.meshfl.core.protocol.split.SplitArchitecture;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * SecureBoost and split networks beyond binary labels on the FATE motor data (three domains):
 * regression of motor speed, four speed classes and a count drawn from the speed, each against the
 * same model (objective, trees, depth and bins; or networks, seed and epochs) trained centrally on
 * the joined rows in the same run (bars: RMSE within 3%, accuracy within 0.02). The class and
 * count labels are derived in a temporary folder from the shared file, read in place; nothing
 * derived is kept.
 */
@Tag("realdata")
class RealDataObjectivesTest {

    @TempDir
    Path tmp;

    @Test
    void motorSpeedRegressionTreesMatchCentralBoosting() throws Exception {
        assumeTrue(SharedData.present(), "../shared/datasets is absent");
        Path dir = SharedData.repoRoot().resolve("examples/motor-hetero");
        JobSpec job = JobLoader.load(dir.resolve("job-gbdt.yaml"));
        List<DataContract> contracts = ContractLoader.loadDirectory(dir);
        ObjectNode r = run(contracts, job, Files.readString(dir.resolve("job-gbdt.yaml")));
        Map<String, Double> central = central(contracts, job);
        double rmse = r.path("metrics").path("rmse").asDouble();
        System.out.printf(Locale.ROOT, "motor-hetero SecureBoost regression RMSE %.4f (R2 %.4f), central boosting %.4f, %.1f s%n", rmse,
                r.path("metrics").path("r2").asDouble(), central.get("rmse"), r.path("wall_seconds").asDouble());
        assertEquals("secureboost", r.path("plan").path("strategy").asText());
        assertTrue(Math.abs(rmse - central.get("rmse")) <= 0.03 * central.get("rmse"), "RMSE " + rmse + " vs central " + central);
        // the vertical linear model of the same example reaches 0.279; trees over the same columns do better
        assertTrue(rmse < 0.279, "RMSE " + rmse);
    }

    @Test
    void fourMotorSpeedClassesMatchCentralSoftmaxBoosting() throws Exception {
        double[] speed = motorSpeeds();
        double[] sorted = speed.clone();
        Arrays.sort(sorted);
        double[] cut = {sorted[sorted.length / 4], sorted[sorted.length / 2], sorted[3 * sorted.length / 4]};
        Path dir = derived("speed_class", s -> (double) (s < cut[0] ? 0 : s < cut[1] ? 1 : s < cut[2] ? 2 : 3));
        String yaml = """
                name: motor-hetero-classes
                products: [motors.speed, cooling.sensors, drives.control]
                label: speed_class
                model: {type: gbdt, objective: multiclass, classes: 4}
                boost: {trees: 15, depth: 3, lr: 0.3, bins: 32, keyBits: 1024}
                seed: 42
                """;
        JobSpec job = JobLoader.parse(yaml, "job-classes.yaml");
        List<DataContract> contracts = ContractLoader.loadDirectory(dir);
        ObjectNode r = run(contracts, job, yaml);
        Map<String, Double> central = central(contracts, job);
        double acc = r.path("metrics").path("accuracy").asDouble();
        System.out.printf(Locale.ROOT, "motor-hetero SecureBoost 4 speed classes accuracy %.4f, central softmax boosting %.4f, %.1f s%n", acc,
                central.get("accuracy"), r.path("wall_seconds").asDouble());
        assertTrue(Math.abs(acc - central.get("accuracy")) <= 0.02, "accuracy " + acc + " vs central " + central);
        assertTrue(acc > 0.5, "four balanced classes: accuracy " + acc + " must be well above 0.25");
    }

    @Test
    void countsDrawnFromMotorSpeedMatchCentralPoissonBoosting() throws Exception {
        Random rnd = new Random(7);
        Path dir = derived("events", s -> (double) poisson(Math.exp(0.8 * s + 1), rnd));
        String yaml = """
                name: motor-hetero-counts
                products: [motors.speed, cooling.sensors, drives.control]
                label: events
                model: {type: gbdt, objective: count}
                boost: {trees: 20, depth: 3, lr: 0.3, bins: 32, keyBits: 1024}
                seed: 42
                """;
        JobSpec job = JobLoader.parse(yaml, "job-counts.yaml");
        List<DataContract> contracts = ContractLoader.loadDirectory(dir);
        ObjectNode r = run(contracts, job, yaml);
        Map<String, Double> central = central(contracts, job);
        double rmse = r.path("metrics").path("rmse").asDouble();
        System.out.printf(Locale.ROOT, "motor-hetero SecureBoost counts RMSE %.4f, deviance %.4f; central Poisson boosting RMSE %.4f, deviance %.4f%n",
                rmse, r.path("metrics").path("poisson_deviance").asDouble(), central.get("rmse"), central.get("poisson_deviance"));
        assertTrue(Math.abs(rmse - central.get("rmse")) <= 0.03 * central.get("rmse"), "RMSE " + rmse + " vs central " + central);
    }

    @Test
    void motorSpeedRegressionSplitNetworkMatchesTheSameNetworkTrainedCentrally() throws Exception {
        assumeTrue(SharedData.present(), "../shared/datasets is absent");
        Path dir = SharedData.repoRoot().resolve("examples/motor-hetero");
        JobSpec job = JobLoader.load(dir.resolve("job-splitnn.yaml"));
        List<DataContract> contracts = ContractLoader.loadDirectory(dir);
        ObjectNode r = run(contracts, job, Files.readString(dir.resolve("job-splitnn.yaml")));
        Map<String, Double> central = central(contracts, job);
        double rmse = r.path("metrics").path("rmse").asDouble();
        System.out.printf(Locale.ROOT, "motor-hetero split network regression RMSE %.4f (R2 %.4f), same network trained centrally %.4f, %.1f s%n",
                rmse, r.path("metrics").path("r2").asDouble(), central.get("rmse"), r.path("wall_seconds").asDouble());
        assertEquals("split", r.path("plan").path("strategy").asText());
        assertTrue(Math.abs(rmse - central.get("rmse")) <= 0.03 * central.get("rmse"), "RMSE " + rmse + " vs central " + central);
    }

    @Test
    void fourMotorSpeedClassesSplitNetworkMatchesTheSameNetworkTrainedCentrally() throws Exception {
        double[] speed = motorSpeeds();
        double[] sorted = speed.clone();
        Arrays.sort(sorted);
        double[] cut = {sorted[sorted.length / 4], sorted[sorted.length / 2], sorted[3 * sorted.length / 4]};
        Path dir = derived("speed_class", s -> (double) (s < cut[0] ? 0 : s < cut[1] ? 1 : s < cut[2] ? 2 : 3));
        String yaml = """
                name: motor-hetero-classes-splitnn
                products: [motors.speed, cooling.sensors, drives.control]
                label: speed_class
                model: {type: splitnn, objective: multiclass, classes: 4}
                split: {bottomHidden: [16], cutWidth: 4, topHidden: [8], epochs: 40, batchSize: 32, lr: 0.005, optimizer: adam, labels: motors}
                seed: 42
                """;
        JobSpec job = JobLoader.parse(yaml, "job-classes-splitnn.yaml");
        List<DataContract> contracts = ContractLoader.loadDirectory(dir);
        ObjectNode r = run(contracts, job, yaml);
        Map<String, Double> central = central(contracts, job);
        double acc = r.path("metrics").path("accuracy").asDouble();
        System.out.printf(Locale.ROOT, "motor-hetero split network 4 speed classes accuracy %.4f, same network trained centrally %.4f, %.1f s%n",
                acc, central.get("accuracy"), r.path("wall_seconds").asDouble());
        assertTrue(Math.abs(acc - central.get("accuracy")) <= 0.02, "accuracy " + acc + " vs central " + central);
        assertTrue(acc > 0.5, "four balanced classes: accuracy " + acc + " must be well above 0.25");
    }

    @Test
    void countsDrawnFromMotorSpeedSplitNetworkMatchesTheSameNetworkTrainedCentrally() throws Exception {
        Random rnd = new Random(7);
        Path dir = derived("events", s -> (double) poisson(Math.exp(0.8 * s + 1), rnd));
        String yaml = """
                name: motor-hetero-counts-splitnn
                products: [motors.speed, cooling.sensors, drives.control]
                label: events
                model: {type: splitnn, objective: count}
                split: {bottomHidden: [16], cutWidth: 4, topHidden: [8], epochs: 40, batchSize: 32, lr: 0.005, optimizer: adam, labels: motors}
                seed: 42
                """;
        JobSpec job = JobLoader.parse(yaml, "job-counts-splitnn.yaml");
        List<DataContract> contracts = ContractLoader.loadDirectory(dir);
        ObjectNode r = run(contracts, job, yaml);
        Map<String, Double> central = central(contracts, job);
        double rmse = r.path("metrics").path("rmse").asDouble();
        System.out.printf(Locale.ROOT, "motor-hetero split network counts RMSE %.4f, deviance %.4f; same network centrally RMSE %.4f, deviance %.4f%n",
                rmse, r.path("metrics").path("poisson_deviance").asDouble(), central.get("rmse"), central.get("poisson_deviance"));
        assertTrue(Math.abs(rmse - central.get("rmse")) <= 0.03 * central.get("rmse"), "RMSE " + rmse + " vs central " + central);
    }

    private static ObjectNode run(List<DataContract> contracts, JobSpec job, String yaml) throws Exception {
        try (Catalog cat = Catalog.inMemory("boost-objectives" + System.nanoTime()); EmbeddedMesh mesh = new EmbeddedMesh(cat, contracts, s -> { })) {
            return mesh.coordinator().runJob(job, yaml, new JobObserver() {
                @Override
                public void plan(String explain) {
                    System.out.println(explain);
                }

                @Override
                public void round(io.meshfl.core.protocol.horizontal.RoundSummary r) {
                }

                @Override
                public void log(String line) {
                    if (line.startsWith("tree") || line.startsWith("round") || line.startsWith("split epoch")) System.out.println(line);
                }
            });
        }
    }

    /**
     * The job's model trained centrally on the joined rows, its metrics on them: boosting with the
     * job's objective, trees, depth and bins, or the job's split network with its head, seed and epochs.
     */
    private static Map<String, Double> central(List<DataContract> contracts, JobSpec job) {
        List<DataContract> ordered = new ArrayList<>();
        for (String id : job.products()) ordered.add(contracts.stream().filter(c -> c.id().equals(id)).findFirst().orElseThrow());
        JoinedProducts j = JoinedProducts.read(ordered, job.label());
        if (job.model().type() == ModelSpec.Type.SPLITNN) {
            // the rows in the order the run's alignment leaves them, so that both meet the same batches
            j = j.inKeyOrder();
            Head head = Head.of(job.model());
            SplitArchitecture.Centralized c = SplitArchitecture.centralized(j, job.split(), head);
            SplitReference ref = new SplitReference(c.bottoms(), c.top(), SplitArchitecture.reference(job.split(), job.seed(), head));
            ref.fit(c.parties(), j.labels());
            return EvalSums.of(head.task(), ref.predict(c.parties()), j.labels(), head.outputs()).toMap();
        }
        int rows = j.rows(), cols = j.parties().stream().mapToInt(Dataset::cols).sum();
        double[] x = new double[rows * cols];
        List<String> names = new ArrayList<>();
        int at = 0;
        for (Dataset d : j.parties()) {
            for (int i = 0; i < rows; i++) System.arraycopy(d.x(), i * d.cols(), x, i * cols + at, d.cols());
            names.addAll(d.features());
            at += d.cols();
        }
        Dataset all = new Dataset(names, x, j.labels(), j.parties().get(0).keys(), rows);
        ModelSpec m = job.model();
        Objective objective = Objective.of(m.task(), m.classes());
        GradientBoosting.Result r = GradientBoosting.fit(all, TreeParams.of(job.boost()), job.boost().trees(), job.boost().bins(), objective);
        return EvalSums.of(m.task(), objective.predict(r.trainScores()), j.labels(), objective.classes()).toMap();
    }

    private static double[] motorSpeeds() throws Exception {
        assumeTrue(SharedData.present(), "../shared/datasets is absent");
        List<String> lines = Files.readAllLines(SharedData.datasets().resolve("motor_hetero_guest.csv"));
        double[] s = new double[lines.size() - 1];
        for (int i = 1; i < lines.size(); i++) s[i - 1] = Double.parseDouble(lines.get(i).split(",")[1]);
        return s;
    }

    /**
     * The motor example's contracts in a temporary folder, reading the shared files in place, except
     * the label holder's: a file derived from it whose label {@code name} replaces motor speed.
     */
    private Path derived(String name, java.util.function.DoubleUnaryOperator label) throws Exception {
        assumeTrue(SharedData.present(), "../shared/datasets is absent");
        Path shared = SharedData.datasets();
        List<String> lines = Files.readAllLines(shared.resolve("motor_hetero_guest.csv"));
        StringBuilder csv = new StringBuilder(lines.get(0).replace("motor_speed", name)).append('\n');
        for (String line : lines.subList(1, lines.size())) {
            String[] f = line.split(",", -1);
            f[1] = String.valueOf((long) label.applyAsDouble(Double.parseDouble(f[1])));
            csv.append(String.join(",", f)).append('\n');
        }
        Path dir = Files.createDirectories(tmp.resolve(name));
        Files.writeString(dir.resolve("motor_guest_" + name + ".csv"), csv);
        Path examples = SharedData.repoRoot().resolve("examples/motor-hetero");
        for (String c : List.of("motors.speed.yaml", "cooling.sensors.yaml", "drives.control.yaml")) {
            String yaml = Files.readString(examples.resolve(c));
            if (c.startsWith("motors")) {
                yaml = yaml.replace("../../../shared/datasets/motor_hetero_guest.csv", dir.resolve("motor_guest_" + name + ".csv").toString())
                        .replace("{name: motor_speed, logicalType: number}", "{name: " + name + ", logicalType: integer}")
                        .replace("label: motor_speed", "label: " + name);
            } else {
                yaml = yaml.replace("../../../shared/datasets/", shared + "/");
            }
            Files.writeString(dir.resolve(c), yaml);
        }
        return dir;
    }

    private static int poisson(double mean, Random rnd) {
        double l = Math.exp(-mean), p = 1;
        int k = 0;
        do {
            k++;
            p *= rnd.nextDouble();
        } while (p > l);
        return k - 1;
    }
}

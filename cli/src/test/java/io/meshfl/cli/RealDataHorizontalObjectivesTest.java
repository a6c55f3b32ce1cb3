package io.meshfl.cli;

import io.meshfl.cli.MotorObjectives.Compared;
import io.meshfl.core.contract.ContractLoader;
import io.meshfl.core.contract.DataContract;
import io.meshfl.core.plan.JobLoader;
import io.meshfl.core.plan.JobSpec;
import io.meshfl.core.protocol.centralized.CentralizedBaseline;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.function.DoubleUnaryOperator;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Horizontal models beyond binary labels on rows derived from the FATE motor data: the three motor
 * files joined by id, shuffled (seeded) into three plants' products of 300, 200 and 100 rows and a
 * held-out product of 200 that plant A keeps for evaluation. Four speed classes (softmax), motor
 * speed (linear regression) and counts drawn from the speed (Poisson regression) are each trained by
 * FedAvg and compared with the same model, scaling, optimizer and passes over the rows trained on the
 * three products pooled in one place, both scored on the held-out product (bars: accuracy within
 * 0.02, RMSE within 3%). Everything derived lives in a temporary folder; the shared files are read in place.
 */
@Tag("realdata")
class RealDataHorizontalObjectivesTest {

    @TempDir
    Path tmp;

    /** The plants that train, each with its number of rows; the rows left over are plant A's held-out product. */
    private static final List<String> PLANTS = List.of("plant-a", "plant-b", "plant-c");
    private static final int[] ROWS = {300, 200, 100};

    @Test
    void fourMotorSpeedClassesSoftmaxOnThreePlantsMatchesCentralSoftmax() throws Exception {
        Compared c = job(products("speed_class", MotorObjectives.speedClasses()), "speed_class", "{type: softmax, classes: 4}", 0.05);
        c.near("FedAvg softmax, 4 speed classes", "accuracy", 0, 0.02);
        assertTrue(c.got("accuracy") > 0.5, "four balanced classes: accuracy " + c.got("accuracy") + " must be well above 0.25");
    }

    @Test
    void motorSpeedLinearRegressionOnThreePlantsMatchesCentralLinearRegression() throws Exception {
        Compared c = job(products("motor_speed", null), "motor_speed", "{type: linear}", 0.05);
        c.near("FedAvg linear regression, motor speed", "rmse", 0.03, 0);
        assertTrue(c.got("r2") > 0.8, "R2 " + c.got("r2"));
    }

    @Test
    void countsDrawnFromMotorSpeedPoissonRegressionOnThreePlantsMatchesCentralPoissonRegression() throws Exception {
        // gradients grow with the counts (up to about 20): at a tenth of the others' rate the last iterates of both sides stay near the optimum
        Compared c = job(products("events", MotorObjectives.counts()), "events", "{type: poisson}", 0.005);
        c.near("FedAvg Poisson regression, counts", "rmse", 0.03, 0);
        assertTrue(c.got("r2") > 0.5, "counts growing with speed: R2 " + c.got("r2") + " must be well above a constant mean's 0");
    }

    /**
     * FedAvg over the three plants, scored on plant A's held-out product, and the same model trained
     * centrally. The columns are strongly correlated (stator temperatures) and the classes nearly
     * separable, so without a penalty neither side settles in any practical number of passes; with the
     * L2 penalty there is one optimum, which both reach in 600 rounds of 3 local epochs (1800 central
     * epochs). FedAvg needs the rounds: averaging the plants' steps moves it less per pass than central training.
     */
    private static Compared job(Path dir, String label, String model, double lr) throws Exception {
        String yaml = "name: motor-homo-" + label + "\nproducts: [plant-a.motors, plant-b.motors, plant-c.motors]\nlabel: " + label
                + "\nmodel: " + model + "\naggregator: {name: fedavg, minNodes: 3}\nlocal: {epochs: 3, batchSize: 64, optimizer: sgd, lr: " + lr
                + ", l2: 0.01}\nrounds: 600\nevaluation: {products: [plant-a.motors-test]}\nseed: 42\n";
        JobSpec job = JobLoader.parse(yaml, "job-" + label + ".yaml");
        List<DataContract> contracts = ContractLoader.loadDirectory(dir);
        Compared c = new Compared("motor rows on 3 plants", MotorObjectives.run(contracts, job, yaml), central(contracts, job));
        assertEquals("horizontal", c.run().path("plan").path("strategy").asText());
        return c;
    }

    /** The same model, scaling, optimizer and passes (local epochs x rounds) over the plants' rows pooled, scored on the held-out product. */
    private static Map<String, Double> central(List<DataContract> contracts, JobSpec job) {
        return CentralizedBaseline.run(job, contracts);
    }

    /**
     * The motor rows with every column (the guest's joined by id with both hosts'), {@code label}
     * derived from motor speed (null: motor speed itself), shuffled and cut into the plants' products
     * and plant A's held-out one, each a CSV with its contract in a folder of its own.
     */
    private Path products(String label, DoubleUnaryOperator derive) throws Exception {
        List<String> guest = MotorObjectives.guestLines();
        Map<String, String> hostColumns = new HashMap<>();
        List<String> header = new ArrayList<>(List.of("idx", label, "pm", "stator_yoke", "stator_tooth", "stator_winding"));
        for (String file : List.of("motor_hetero_host_1.csv", "motor_hetero_host_2.csv")) {
            List<String> lines = Files.readAllLines(SharedData.datasets().resolve(file));
            String[] columns = lines.get(0).split(",");
            header.addAll(List.of(columns).subList(1, columns.length));
            for (String line : lines.subList(1, lines.size())) {
                int comma = line.indexOf(',');
                hostColumns.merge(line.substring(0, comma), line.substring(comma + 1), (a, b) -> a + "," + b);
            }
        }
        List<String> rows = new ArrayList<>();
        for (String line : guest.subList(1, guest.size())) {
            String[] f = line.split(",", 2);
            String[] speedAndOwn = f[1].split(",", 2);
            String y = derive == null ? speedAndOwn[0] : String.valueOf((long) derive.applyAsDouble(Double.parseDouble(speedAndOwn[0])));
            rows.add(f[0] + "," + y + "," + speedAndOwn[1] + "," + hostColumns.get(f[0]));
        }
        Collections.shuffle(rows, new Random(42));
        Path dir = Files.createDirectories(tmp.resolve(label));
        int from = 0;
        for (int i = 0; i < PLANTS.size(); i++) {
            write(dir, PLANTS.get(i), "motors", header, rows.subList(from, from + ROWS[i]), derive == null);
            from += ROWS[i];
        }
        write(dir, "plant-a", "motors-test", header, rows.subList(from, rows.size()), derive == null);
        return dir;
    }

    /** One plant's product: its rows as a CSV and its contract, which declares the label and allows horizontal training only. */
    private static void write(Path dir, String domain, String product, List<String> header, List<String> rows, boolean numberLabel) throws Exception {
        Path csv = dir.resolve(domain + "-" + product + ".csv");
        Files.writeString(csv, String.join(",", header) + "\n" + String.join("\n", rows) + "\n");
        StringBuilder columns = new StringBuilder("      - {name: idx, logicalType: string, primaryKey: true, classification: pii}\n");
        columns.append("      - {name: ").append(header.get(1)).append(", logicalType: ").append(numberLabel ? "number" : "integer").append("}\n");
        for (String c : header.subList(2, header.size())) columns.append("      - {name: ").append(c).append(", logicalType: number}\n");
        Files.writeString(dir.resolve(domain + "." + product + ".yaml"), """
                apiVersion: v3.0.2
                kind: DataContract
                id: %1$s.%2$s
                version: 1.0.0
                domain: %1$s
                dataProduct: %2$s
                status: active
                team:
                  name: %1$s-data
                  members: [{username: %1$s-owner, role: owner}]
                description: {purpose: "Motor readings of %1$s", usage: "derived from FATE example data (Apache-2.0) in a temporary folder"}
                servers:
                  - server: local
                    type: csv
                    path: %3$s
                schema:
                  - name: %2$s
                    physicalType: table
                    properties:
                %4$smeshfl:
                  entityKey: idx
                  label: %5$s
                  features: "*"
                  rawRowsMayLeave: false
                  consumers:
                    - {identity: "client:operator", may: [train, predict], protocols: [horizontal]}
                """.formatted(domain, product, csv, columns, header.get(1)));
    }
}

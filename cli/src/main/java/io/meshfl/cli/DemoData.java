package io.meshfl.cli;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.Random;

/**
 * Seeded data for the demo mesh: three lending units of one bank, each publishing a "loans"
 * product with the same columns for different customers, with unit-specific shifts so the
 * federation has something to reconcile.
 */
public final class DemoData {

    /** One domain of the demo: name, rows, and how its population differs. */
    public record Unit(String domain, int rows, double ageShift, double incomeScale, double riskShift) {
    }

    public static final Unit[] UNITS = {
            new Unit("lending-north", 4000, 2.0, 1.10, -0.2),
            new Unit("lending-south", 3000, -3.0, 0.85, 0.3),
            new Unit("lending-online", 5000, -8.0, 1.00, 0.1),
    };

    static final String[] FEATURES = {"age", "income_k", "debt_ratio", "open_credit_lines", "late_payments_12m",
            "utilization", "tenure_months", "loan_amount_k"};

    private DemoData() {
    }

    /** Writes the three units' data, contracts and the demo job into {@code dir} (created owner-only). */
    public static void write(Path dir, long seed) throws IOException {
        // the demo folder holds its catalog, node state and keys too: only its owner may read it
        io.meshfl.core.trust.PrivateFiles.directory(dir, "demo folder");
        Files.createDirectories(dir.resolve("data"));
        Random rng = new Random(seed);
        for (Unit u : UNITS) {
            StringBuilder sb = new StringBuilder("customer_id,").append(String.join(",", FEATURES)).append(",defaulted\n");
            for (int i = 0; i < u.rows(); i++) {
                double age = clamp(40 + u.ageShift() + 12 * rng.nextGaussian(), 18, 90);
                double income = Math.max(8, u.incomeScale() * Math.exp(3.8 + 0.45 * rng.nextGaussian()));
                double debt = clamp(0.35 + 0.15 * rng.nextGaussian(), 0, 1.5);
                int lines = (int) Math.max(0, Math.round(4 + 2.5 * rng.nextGaussian()));
                int late = io.meshfl.core.data.Poisson.draw(rng, 0.4 + Math.max(0, debt - 0.3));
                double util = clamp(0.3 + 0.25 * rng.nextGaussian() + 0.2 * late / 3.0, 0, 1);
                int tenure = (int) Math.max(1, Math.round(36 + 30 * rng.nextGaussian()));
                double loan = Math.max(1, income * (0.2 + 0.3 * rng.nextDouble()));
                double logit = -2.2 + u.riskShift() - 0.02 * (age - 40) - 0.012 * (income - 45) + 2.4 * (debt - 0.35)
                        + 0.55 * late + 1.6 * (util - 0.3) - 0.008 * (tenure - 36) + 0.01 * (loan - 12) + 0.05 * (lines - 4);
                int y = rng.nextDouble() < 1 / (1 + Math.exp(-logit)) ? 1 : 0;
                sb.append(String.format(Locale.ROOT, "%s-%06d,%.1f,%.2f,%.4f,%d,%d,%.4f,%d,%.2f,%d%n", u.domain(), i, age, income,
                        debt, lines, late, util, tenure, loan, y));
            }
            Files.writeString(dir.resolve("data").resolve(u.domain() + "-loans.csv"), sb.toString());
            Files.writeString(dir.resolve(u.domain() + ".loans.yaml"), contract(u));
        }
        Files.writeString(dir.resolve("job.yaml"), """
                name: demo-default-risk
                description: Predict loan default across three lending units without pooling their rows.
                products: [lending-north.loans, lending-south.loans, lending-online.loans]
                label: defaulted
                model: {type: logistic}
                strategy: auto
                aggregator: {name: fedavg, fraction: 1.0, minNodes: 2}
                local: {epochs: 1, batchSize: 32, optimizer: sgd, lr: 0.05}
                rounds: 15
                evaluation: {holdout: 0.2}
                seed: 7
                """);
    }

    private static String contract(Unit u) {
        StringBuilder props = new StringBuilder("      - {name: customer_id, logicalType: string, primaryKey: true, classification: pii}\n");
        for (String f : FEATURES) props.append("      - {name: ").append(f).append(", logicalType: number}\n");
        props.append("      - {name: defaulted, logicalType: integer}\n");
        return """
                apiVersion: v3.0.2
                kind: DataContract
                id: %1$s.loans
                version: 1.0.0
                domain: %1$s
                dataProduct: loans
                status: active
                team:
                  name: %1$s-data
                  members: [{username: %1$s-owner, role: owner}]
                description: {purpose: "Loan book of the %1$s unit, one row per customer."}
                servers:
                  - server: local
                    type: csv
                    path: data/%1$s-loans.csv
                schema:
                  - name: loans
                    physicalType: table
                    properties:
                %2$s
                meshfl:
                  entityKey: customer_id
                  consumers: [{identity: 'client:operator'}]
                  label: defaulted
                  features: "*"
                  rawRowsMayLeave: false
                """.formatted(u.domain(), props.toString().stripTrailing());
    }

    private static double clamp(double v, double lo, double hi) {
        return Math.max(lo, Math.min(hi, v));
    }
}

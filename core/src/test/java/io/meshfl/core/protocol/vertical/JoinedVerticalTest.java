package io.meshfl.core.protocol.vertical;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.meshfl.core.ErrorCode;
import io.meshfl.core.MeshflException;
import io.meshfl.core.data.ColumnStats;
import io.meshfl.core.data.Dataset;
import io.meshfl.core.data.Standardizer;
import io.meshfl.core.model.ModelSpec;
import io.meshfl.core.plan.JobLoader;
import io.meshfl.core.plan.JobSpec;
import io.meshfl.core.plan.Plan;
import io.meshfl.core.protocol.DirectNode;
import io.meshfl.core.protocol.Message;
import io.meshfl.core.protocol.NodeChannel;
import io.meshfl.core.protocol.horizontal.RoundSummary;
import io.meshfl.core.protocol.horizontal.RunObserver;
import io.meshfl.core.protocol.horizontal.RunOutcome;
import io.meshfl.core.protocol.psi.PsiNode;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Factorized training over a star join whose sources stay in their domains: orders (guest, label)
 * refer many-to-one to customers and to regions, each in its own domain. The federated run must
 * train the model plain full-batch gradient descent trains on the joined table, while each host
 * only ever handles one value per row of its own.
 */
class JoinedVerticalTest {

    private static final ObjectMapper JSON = new ObjectMapper();

    /** A product in memory: named columns, maybe a label, and text columns usable as keys. */
    static final class Table extends DirectNode {
        final Map<String, double[]> cols = new LinkedHashMap<>();
        final Map<String, String[]> text = new HashMap<>();
        double[] label;
        int rows;
        final List<Message> seen = new ArrayList<>();
        private final PsiNode psi = new PsiNode();
        private final VerticalNode vertical = new VerticalNode();

        Table(String domain) {
            super(domain);
        }

        @Override
        protected Message answer(Message request) {
            synchronized (seen) {
                seen.add(request);
            }
            try {
                return request.protocol().equals(VerticalSteps.PROTOCOL) ? vertical.handle(request, this) : psi.handle(request, this);
            } catch (MeshflException e) {
                return request.failure(domain, e.code(), e.getMessage());
            }
        }

        @Override
        public Dataset load(String productId, List<String> features, String labelName) {
            double[] x = new double[rows * features.size()];
            for (int r = 0; r < rows; r++) {
                for (int j = 0; j < features.size(); j++) x[r * features.size() + j] = cols.get(features.get(j))[r];
            }
            return new Dataset(features, x, labelName == null ? null : label, text.get("id"), rows);
        }

        @Override
        public String[] joinKeys(String productId, String column) {
            String[] v = text.get(column);
            if (v == null) throw new MeshflException(ErrorCode.DATA_MISSING_COLUMN, productId + " declares no column '" + column + "'");
            return v;
        }
    }

    /** Orders of 90 customer ids (crm knows 80) in 6 regions (geo knows 5). */
    static final class Star {
        final Table orders = new Table("sales");
        final Table customers = new Table("crm");
        final Table regions = new Table("geo");

        Star(int n, boolean linear) {
            Random r = new Random(11);
            customers.rows = 80;
            customers.cols.put("age", gaussian(r, 80, 40, 10));
            customers.cols.put("income", gaussian(r, 80, 50, 20));
            customers.text.put("id", ids("c", 80));
            regions.rows = 5;
            regions.cols.put("score", gaussian(r, 5, 0, 1));
            regions.text.put("id", ids("r", 5));
            orders.rows = n;
            orders.cols.put("amount", gaussian(r, n, 100, 30));
            orders.cols.put("items", gaussian(r, n, 3, 1));
            orders.text.put("id", ids("o", n));
            String[] cust = new String[n];
            String[] reg = new String[n];
            orders.label = new double[n];
            for (int i = 0; i < n; i++) {
                int c = r.nextInt(90);
                int g = r.nextInt(6);
                cust[i] = "c" + c;
                reg[i] = "r" + g;
                double z = 0.02 * (orders.cols.get("amount")[i] - 100) - 0.5 * (orders.cols.get("items")[i] - 3)
                        + (c < 80 ? 0.05 * (customers.cols.get("age")[c] - 40) : 0) + (g < 5 ? regions.cols.get("score")[g] : 0);
                orders.label[i] = linear ? z + 0.1 * r.nextGaussian() : (r.nextDouble() < 1 / (1 + Math.exp(-z)) ? 1 : 0);
            }
            orders.text.put("customer_id", cust);
            orders.text.put("region_id", reg);
        }

        Map<String, NodeChannel> channels() {
            return Map.of("sales", orders, "crm", customers, "geo", regions);
        }

        Plan plan(ModelSpec.Type type) {
            return new Plan("federated-factorized", "joined-gd", List.of(
                    new Plan.Participant("sales.orders", "sales", "1", orders.rows, "guest", List.of("amount", "items")),
                    new Plan.Participant("crm.customers", "crm", "1", customers.rows, "host", List.of("age", "income")),
                    new Plan.Participant("geo.regions", "geo", "1", regions.rows, "host", List.of("score"))),
                    List.of(), List.of("amount", "items", "age", "income", "score"), "y", ModelSpec.of(type), 6, 0, List.of(), List.of());
        }

        static final List<VerticalRunner.Link> LINKS = List.of(new VerticalRunner.Link("crm", "customer_id", "id"),
                new VerticalRunner.Link("geo", "region_id", "id"));

        /**
         * The joined table the federated run trains on, built in plain: orders with a known customer
         * and region; each product's columns standardized over its own aligned rows.
         */
        double[][] joined(List<double[]> yOut) {
            String[] cust = orders.text.get("customer_id");
            String[] reg = orders.text.get("region_id");
            Map<String, Integer> cIdx = index(customers.text.get("id"));
            Map<String, Integer> rIdx = index(regions.text.get("id"));
            List<Integer> keep = new ArrayList<>();
            for (int i = 0; i < orders.rows; i++) if (cIdx.containsKey(cust[i]) && rIdx.containsKey(reg[i])) keep.add(i);
            double[][] o = scaled(orders, List.of("amount", "items"), keep.stream().mapToInt(Integer::intValue).toArray());
            int[] cAligned = cIdx.entrySet().stream().filter(e -> List.of(cust).contains(e.getKey())).mapToInt(Map.Entry::getValue).toArray();
            int[] rAligned = rIdx.entrySet().stream().filter(e -> List.of(reg).contains(e.getKey())).mapToInt(Map.Entry::getValue).toArray();
            double[][] c = scaledByRow(customers, List.of("age", "income"), cAligned);
            double[][] g = scaledByRow(regions, List.of("score"), rAligned);
            double[][] t = new double[keep.size()][];
            double[] y = new double[keep.size()];
            for (int k = 0; k < keep.size(); k++) {
                int i = keep.get(k);
                double[] cr = c[cIdx.get(cust[i])];
                double[] gr = g[rIdx.get(reg[i])];
                t[k] = new double[]{o[k][0], o[k][1], cr[0], cr[1], gr[0]};
                y[k] = orders.label[i];
            }
            yOut.add(y);
            return t;
        }
    }

    @Test
    void linearModelOverTheStarJoinEqualsGradientDescentOnTheJoinedTable() throws Exception {
        Star star = new Star(400, true);
        RunOutcome out = train(star, "linear", 25);
        List<double[]> ys = new ArrayList<>();
        double[][] t = star.joined(ys);
        double[] ref = reference(t, ys.get(0), false, 25, 0.3, 0.5);
        double[] fed = weights(star);
        for (int j = 0; j < ref.length; j++) assertEquals(ref[j], fed[j], 1e-5 * Math.max(1, Math.abs(ref[j])), "coefficient " + j);
        assertEquals(t.length, out.metrics().get("rows_joined").intValue(), "orders of unknown customers or regions are left out");
        assertTrue(t.length < 400 && t.length > 250, "rows joined " + t.length);
    }

    @Test
    void logisticModelOverTheStarJoinEqualsTaylorGradientDescentAndEachHostHandlesOnlyItsOwnRows() throws Exception {
        Star star = new Star(600, false);
        RunOutcome out = train(star, "logistic", 20);
        List<double[]> ys = new ArrayList<>();
        double[][] t = star.joined(ys);
        double[] ref = reference(t, ys.get(0), true, 20, 0.3, 0.5);
        double[] fed = weights(star);
        for (int j = 0; j < ref.length; j++) assertEquals(ref[j], fed[j], 1e-5 * Math.max(1, Math.abs(ref[j])), "coefficient " + j);
        assertTrue(out.metrics().get("auc") > 0.7, "auc " + out.metrics());
        // The residuals a host receives are one ciphertext per row of its own, not per order.
        int cipherBytes = 2 * 1024 / 8;
        for (Table host : List.of(star.customers, star.regions)) {
            for (Message m : host.seen) {
                if (!m.step().equals(VerticalSteps.GRADIENT)) continue;
                int len = m.blob("from:sales").length;
                assertTrue(len < (host.rows + 1) * cipherBytes + 200, host.domain() + " received " + len + " bytes of residuals for "
                        + host.rows + " rows");
            }
        }
    }

    @Test
    void joinKeysThatMatchNothingAreAClearError() {
        Star star = new Star(100, true);
        String[] none = new String[100];
        java.util.Arrays.fill(none, "nobody");
        star.orders.text.put("customer_id", none);
        var e = assertThrows(MeshflException.class, () -> train(star, "linear", 2));
        assertEquals(ErrorCode.DATA_EMPTY, e.code());
        assertTrue(e.getMessage().contains("customer_id") && e.getMessage().contains("share no value"), e.getMessage());
    }

    private static RunOutcome train(Star star, String model, int iterations) {
        String yaml = """
                name: star
                products: [sales.orders, crm.customers, geo.regions]
                label: y
                model: {type: %s}
                integration: star
                strategy: federated-factorized
                joined: {iterations: %d, lr: 0.3, momentum: 0.5}
                vertical: {keyBits: 1024}
                """.formatted(model, iterations);
        JobSpec job = JobLoader.parse(yaml, "job.yaml");
        RunObserver quiet = new RunObserver() {
            @Override
            public void round(RoundSummary summary) {
            }

            @Override
            public void log(String line) {
            }
        };
        return new VerticalRunner(job, star.plan(job.model().type()), star.channels(), quiet, Star.LINKS).run("job", "run");
    }

    /** Guest weights, its bias, then each host's weights, in plan feature order: amount, items, age, income, score, bias. */
    private static double[] weights(Star star) throws Exception {
        JsonNode g = JSON.readTree(star.orders.modelPart("run"));
        JsonNode c = JSON.readTree(star.customers.modelPart("run"));
        JsonNode r = JSON.readTree(star.regions.modelPart("run"));
        return new double[]{g.get("weights").get(0).asDouble(), g.get("weights").get(1).asDouble(), c.get("weights").get(0).asDouble(),
                c.get("weights").get(1).asDouble(), r.get("weights").get(0).asDouble(), g.get("bias").asDouble()};
    }

    /** Full-batch heavy-ball gradient descent on the joined table; logistic through the same Taylor expansion. */
    static double[] reference(double[][] t, double[] y, boolean logistic, int iterations, double lr, double momentum) {
        int d = t[0].length;
        double[] w = new double[d + 1];
        double[] m = new double[d + 1];
        for (int it = 0; it < iterations; it++) {
            double[] g = new double[d + 1];
            for (int i = 0; i < t.length; i++) {
                double u = w[d];
                for (int j = 0; j < d; j++) u += t[i][j] * w[j];
                double r = logistic ? 0.25 * u - 0.5 * (2 * y[i] - 1) : u - y[i];
                for (int j = 0; j < d; j++) g[j] += t[i][j] * r;
                g[d] += r;
            }
            for (int j = 0; j <= d; j++) {
                m[j] = momentum * m[j] + g[j] / t.length;
                w[j] -= lr * m[j];
            }
        }
        return w;
    }

    private static double[] gaussian(Random r, int n, double mean, double sd) {
        double[] v = new double[n];
        for (int i = 0; i < n; i++) v[i] = mean + sd * r.nextGaussian();
        return v;
    }

    private static String[] ids(String prefix, int n) {
        String[] v = new String[n];
        for (int i = 0; i < n; i++) v[i] = prefix + i;
        return v;
    }

    private static Map<String, Integer> index(String[] keys) {
        Map<String, Integer> m = new LinkedHashMap<>();
        for (int i = 0; i < keys.length; i++) m.put(keys[i], i);
        return m;
    }

    /** Rows {@code rows} of the table, standardized over those rows, in that order. */
    private static double[][] scaled(Table tb, List<String> cols, int[] rows) {
        Dataset d = tb.load("p", cols, null).select(rows);
        Dataset z = Standardizer.from(ColumnStats.of(d)).apply(d);
        double[][] out = new double[rows.length][cols.size()];
        for (int i = 0; i < rows.length; i++) for (int j = 0; j < cols.size(); j++) out[i][j] = z.x()[i * cols.size() + j];
        return out;
    }

    /** Every row of the table, standardized with the statistics of {@code aligned} rows only; indexed by table row. */
    private static double[][] scaledByRow(Table tb, List<String> cols, int[] aligned) {
        Dataset all = tb.load("p", cols, null);
        Standardizer z = Standardizer.from(ColumnStats.of(all.select(aligned)));
        Dataset s = z.apply(all);
        double[][] out = new double[tb.rows][cols.size()];
        for (int i = 0; i < tb.rows; i++) for (int j = 0; j < cols.size(); j++) out[i][j] = s.x()[i * cols.size() + j];
        return out;
    }
}

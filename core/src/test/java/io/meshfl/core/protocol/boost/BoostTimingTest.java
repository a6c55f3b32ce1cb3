package io.meshfl.core.protocol.boost;

import io.meshfl.core.plan.JobSpec;
import io.meshfl.core.plan.Plan;
import io.meshfl.core.protocol.horizontal.RoundSummary;
import io.meshfl.core.protocol.horizontal.RunObserver;
import io.meshfl.core.protocol.horizontal.RunOutcome;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * Time per tree on a guest and one host, only when MESHFL_BOOST_BENCH is set to
 * "rows,guestFeatures,hostFeatures[,trees]" (say "20000,10,60,2"); prints the per-tree breakdown.
 */
class BoostTimingTest {

    @TempDir
    Path out;

    @Test
    void timePerTreeIsReported() {
        String spec = System.getenv("MESHFL_BOOST_BENCH");
        assumeTrue(spec != null && !spec.isBlank(), "set MESHFL_BOOST_BENCH=rows,guestFeatures,hostFeatures[,trees] to run");
        String[] a = spec.split(",");
        int n = Integer.parseInt(a[0]), dg = Integer.parseInt(a[1]), dh = Integer.parseInt(a[2]);
        int trees = a.length > 3 ? Integer.parseInt(a[3]) : 2;
        Random rnd = new Random(1);
        String[] keys = new String[n];
        double[][] gx = new double[n][dg], hx = new double[n][dh];
        double[] y = new double[n];
        for (int i = 0; i < n; i++) {
            keys[i] = "k" + i;
            for (int j = 0; j < dg; j++) gx[i][j] = rnd.nextGaussian();
            for (int j = 0; j < dh; j++) hx[i][j] = rnd.nextGaussian();
            y[i] = gx[i][0] + hx[i][0] - hx[i][1] + 0.5 * rnd.nextGaussian() > 0 ? 1 : 0;
        }
        List<String> gc = new ArrayList<>(), hc = new ArrayList<>();
        for (int j = 0; j < dg; j++) gc.add("g" + j);
        for (int j = 0; j < dh; j++) hc.add("h" + j);
        var guest = new BoostProtocolTest.DataParty("bank", gc, gx, y, keys, out);
        var host = new BoostProtocolTest.DataParty("shop", hc, hx, null, keys.clone(), out);
        Map<String, io.meshfl.core.protocol.NodeChannel> ch = new LinkedHashMap<>();
        ch.put("bank", guest);
        ch.put("shop", host);
        var s = new JobSpec.BoostSettings(trees, 3, 0.3, 32, 1e-3, 1.0, 0.0, 1024, 1 << 16);
        Plan plan = new Plan("secureboost", "none", List.of(new Plan.Participant("bank.p", "bank", "1", n, "guest", gc),
                new Plan.Participant("shop.p", "shop", "1", n, "host", hc)), List.of(), List.of(), "y",
                io.meshfl.core.model.ModelSpec.of(io.meshfl.core.model.ModelSpec.Type.GBDT), 0, 0, List.of(), List.of());
        RunObserver obs = new RunObserver() {
            @Override
            public void round(RoundSummary r) {
            }

            @Override
            public void log(String line) {
                System.out.println("[boost-bench] " + line);
            }
        };
        RunOutcome r = new BoostRunner(BoostProtocolTest.job(s), plan, ch, obs).run("bench", "bench-run");
        for (RoundSummary t : r.rounds()) {
            System.out.println(String.format(Locale.ROOT, "[boost-bench] %d rows x (%d + %d): tree %d %s", n, dg, dh, t.round(), t.metrics()));
        }
        assertTrue(r.metrics().get("auc") > 0.7);
    }
}

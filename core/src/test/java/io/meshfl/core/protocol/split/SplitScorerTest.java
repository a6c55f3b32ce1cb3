package io.meshfl.core.protocol.split;

import io.meshfl.core.ErrorCode;
import io.meshfl.core.MeshflException;
import io.meshfl.core.data.Dataset;
import io.meshfl.core.model.nn.SplitReference;
import io.meshfl.core.plan.JobSpec;
import io.meshfl.core.protocol.horizontal.RunObserver;
import io.meshfl.core.protocol.horizontal.RunOutcome;
import io.meshfl.core.protocol.vertical.VerticalScorer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Scoring with a trained split network: PSI on the scoring products, bottoms on the parties, the top on the coordinator. */
class SplitScorerTest {

    private static final long SEED = 11;
    private static final List<String> PARTIES = List.of("bank", "shop", "telco");

    @TempDir
    Path dir;

    static Map<String, Double> readPredictions(Path csv) throws IOException {
        Map<String, Double> out = new HashMap<>();
        List<String> lines = Files.readAllLines(csv);
        assertEquals("entity_key,prediction", lines.get(0));
        for (String l : lines.subList(1, lines.size())) {
            String[] kv = l.split(",");
            out.put(kv[0], Double.parseDouble(kv[1]));
        }
        return out;
    }

    private static List<VerticalScorer.Part> parts(String suffix) {
        return PARTIES.stream().map(d -> new VerticalScorer.Part(d, d + suffix, true)).toList();
    }

    private static VerticalScorer.Result score(SplitWorld w, JobSpec.SplitSettings s, RunOutcome trained, String jobId,
                                               List<VerticalScorer.Part> parts, String requester) {
        return SplitScorer.score(w.channels, jobId, "run", s, PARTIES, trained.params(), parts, requester, SplitWorld.LABEL,
                Duration.ofSeconds(30), line -> { });
    }

    @Test
    void scoringTheTrainingRowsGivesTheCentralizedPredictionsAtTheRequester() throws IOException {
        JobSpec.SplitSettings s = SplitWorld.settings("coordinator", "adam", "relu", 0, 0);
        SplitWorld w = new SplitWorld(300, 4, false, dir);
        RunOutcome trained = w.train(s, SEED, RunObserver.NONE, "run");
        SplitWorld.Centralized c = w.centralized(s);
        SplitReference ref = new SplitReference(c.bottoms(), c.top(), SplitArchitecture.reference(s, SEED));
        SplitReference.Result fitted = ref.fit(c.parties(), c.labels());
        double[] expected = ref.predict(c.parties());
        String[] keys = c.parties().get(0).keys();

        VerticalScorer.Result r = score(w, s, trained, "score-1", parts(".p"), "bank");
        assertEquals(300, r.rows());
        assertEquals("bank", r.requester());
        Path file = Path.of(r.predictions());
        assertTrue(file.startsWith(dir.resolve("bank")), "predictions left the requester: " + file);
        Map<String, Double> got = readPredictions(file);
        assertEquals(300, got.size());
        for (int i = 0; i < keys.length; i++) {
            assertEquals(expected[i], got.get(keys[i]), 1e-5 * Math.max(1e-3, expected[i]), "prediction of " + keys[i]);
        }
        assertEquals(fitted.trainAuc(), r.metrics().get("auc"), 1e-9);
        assertTrue(w.shop.jobState("score-1").isEmpty() && w.bank.jobState("score-1").isEmpty(), "scoring state was left behind");
    }

    /** Scoring products equal to the training ones, except that shop's category of the first rows is {@code unseen}. */
    private static void addScoringProducts(SplitWorld w, String suffix, double unseen, int rows) {
        for (SplitWorld.DataNode n : w.nodes) {
            Dataset d = n.products.get(n.domain() + ".p");
            double[] x = d.x().clone();
            if (n == w.shop) for (int i = 0; i < rows; i++) x[i * d.cols() + d.features().indexOf("cat")] = unseen;
            n.products.put(n.domain() + suffix, new Dataset(d.features(), x, d.y(), d.keys(), d.rows()));
        }
    }

    @Test
    void categoryUnseenInTrainingIsScoredAsTheUnknownCategory() throws IOException {
        JobSpec.SplitSettings s = SplitWorld.settings("bank", "adam", "relu", 0, 0);
        SplitWorld w = new SplitWorld(300, 4, false, dir);
        RunOutcome trained = w.train(s, SEED, RunObserver.NONE, "run");
        addScoringProducts(w, ".new", 99, 20);
        addScoringProducts(w, ".other", -5, 20);

        VerticalScorer.Result a = score(w, s, trained, "score-a", parts(".new"), "shop");
        Map<String, Double> pa = readPredictions(Path.of(a.predictions()));
        VerticalScorer.Result b = score(w, s, trained, "score-b", parts(".other"), "shop");
        Map<String, Double> pb = readPredictions(Path.of(b.predictions()));
        VerticalScorer.Result seen = score(w, s, trained, "score-c", parts(".p"), "shop");
        Map<String, Double> pc = readPredictions(Path.of(seen.predictions()));

        assertEquals(300, pa.size());
        assertFalse(a.metrics().containsKey("auc"), "shop holds no label, yet got label metrics");
        String[] shopKeys = w.shop.products.get("shop.p").keys();
        int changed = 0;
        for (int i = 0; i < 20; i++) {
            String k = shopKeys[i];
            if (!pc.containsKey(k)) continue;
            double p = pa.get(k);
            assertTrue(p > 0 && p < 1, "prediction " + p);
            // Both unseen values go to the same unknown embedding row.
            assertEquals(p, pb.get(k), 0.0, "unseen categories scored differently for " + k);
            if (Math.abs(p - pc.get(k)) > 1e-6) changed++;
        }
        assertTrue(changed > 0, "an unseen category scored exactly like the seen one");
        for (int i = 20; i < shopKeys.length; i++) {
            if (pc.containsKey(shopKeys[i])) assertEquals(pc.get(shopKeys[i]), pa.get(shopKeys[i]), 0.0);
        }
    }

    @Test
    void scoringWithoutEveryTrainingPartyIsRefused() {
        JobSpec.SplitSettings s = SplitWorld.settings("coordinator", "adam", "relu", 0, 0);
        SplitWorld w = new SplitWorld(100, 4, false, dir);
        RunOutcome trained = w.train(s, SEED, RunObserver.NONE, "run");
        List<VerticalScorer.Part> noTelco = List.of(new VerticalScorer.Part("bank", "bank.p", true), new VerticalScorer.Part("shop", "shop.p", true));
        var e = assertThrows(MeshflException.class, () -> score(w, s, trained, "score", noTelco, "bank"));
        assertEquals(ErrorCode.PLAN_REFUSED, e.code());
        assertTrue(e.getMessage().contains("telco"), e.getMessage());
        var wrongTop = assertThrows(MeshflException.class, () -> SplitScorer.score(w.channels, "score", "run", s, PARTIES,
                new double[3], parts(".p"), "bank", SplitWorld.LABEL, Duration.ofSeconds(30), line -> { }));
        assertNotEquals(ErrorCode.PLAN_REFUSED, wrongTop.code());
        assertTrue(wrongTop.getMessage().contains("top parameters"), wrongTop.getMessage());
    }
}

package io.meshfl.core.plan;

import io.meshfl.core.ErrorCode;
import io.meshfl.core.MeshflException;
import org.junit.jupiter.api.Test;

import java.util.LinkedHashMap;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The {@code secureAggregation:} block: read field by field, and planned only where the coordinator needs no more than a sum. */
class SecureAggregationPlanTest {

    private static final String JOB = """
            name: j
            products: [a.p, b.p, c.p]
            label: y
            model: {type: logistic}
            aggregator: {name: %s}
            """;

    private static JobSpec job(String aggregator, String block) {
        return JobLoader.parse(JOB.formatted(aggregator) + block, "j.yaml");
    }

    private static Map<String, Planner.ProductView> horizontal(int products) {
        Map<String, Planner.ProductView> m = new LinkedHashMap<>();
        for (int i = 0; i < products; i++) {
            String domain = String.valueOf((char) ('a' + i));
            m.put(domain + ".p", new Planner.ProductView(Contracts.of(domain + ".p", domain, "y", false, "x0", "x1"), 100));
        }
        return m;
    }

    @Test
    void readsEveryFieldOfTheBlock() {
        SecureAggregationSpec s = job("fedavg", "secureAggregation: {degree: 6, threshold: 4, modulusBits: 40, clip: 0.5, maxExamples: 5000}\n")
                .secureAggregation();
        assertEquals(new SecureAggregationSpec(6, 4, 40, 0.5, 5000), s);
    }

    @Test
    void absentOrDisabledBlockMeansNoSecureAggregation() {
        assertNull(job("fedavg", "").secureAggregation());
        assertNull(job("fedavg", "secureAggregation: {enabled: false, clip: 3}\n").secureAggregation());
        assertEquals(SecureAggregationSpec.defaults(), job("fedavg", "secureAggregation: {enabled: true}\n").secureAggregation());
    }

    @Test
    void badFieldsAreRejectedByName() {
        var unknown = assertThrows(MeshflException.class, () -> job("fedavg", "secureAggregation: {clipping: 1}\n"));
        assertTrue(unknown.getMessage().contains("secureAggregation.clipping"), unknown.getMessage());
        var clip = assertThrows(MeshflException.class, () -> job("fedavg", "secureAggregation: {clip: -1}\n"));
        assertEquals(ErrorCode.JOB_INVALID, clip.code());
        assertTrue(clip.getMessage().contains("secureAggregation.clip"), clip.getMessage());
        var threshold = assertThrows(MeshflException.class, () -> job("fedavg", "secureAggregation: {degree: 6, threshold: 3}\n"));
        assertTrue(threshold.getMessage().contains("secureAggregation.threshold") && threshold.getMessage().contains("4..6"),
                threshold.getMessage());
        var bits = assertThrows(MeshflException.class, () -> job("fedavg", "secureAggregation: {modulusBits: 64}\n"));
        assertTrue(bits.getMessage().contains("secureAggregation.modulusBits"), bits.getMessage());
        var enabled = assertThrows(MeshflException.class, () -> job("fedavg", "secureAggregation: {enabled: yes please}\n"));
        assertTrue(enabled.getMessage().contains("secureAggregation.enabled"), enabled.getMessage());
    }

    @Test
    void defaultDegreeIsCompleteForSmallRoundsAndLogarithmicBeyond() {
        SecureAggregationSpec s = SecureAggregationSpec.defaults();
        assertEquals(9, s.degreeFor(10));
        assertEquals(8, s.degreeFor(9)); // odd degree over an odd count has no regular graph
        assertEquals(34, s.degreeFor(50));
        assertEquals(40, s.degreeFor(100));
        assertEquals(21, s.thresholdFor(40));
    }

    @Test
    void planExplainsWhatTheCoordinatorLearns() {
        Plan p = Planner.plan(job("fedyogi", "secureAggregation: {clip: 2}\n"), horizontal(3));
        String explain = p.explain();
        assertTrue(explain.contains("protection secagg") && explain.contains("only the sum of the survivors' example-weighted updates")
                && explain.contains("number of their examples"), explain);
    }

    @Test
    void aggregatorsThatNeedEveryUpdateAreRefused() {
        for (String agg : new String[] {"fedmedian", "trimmedmean"}) {
            // a trimmed mean over three updates trims one at each end from trimBeta 1/3
            String rule = agg.equals("trimmedmean") ? agg + ", trimBeta: 0.34" : agg;
            var e = assertThrows(MeshflException.class, () -> Planner.plan(job(rule, "secureAggregation: {}\n"), horizontal(3)));
            assertEquals(ErrorCode.PLAN_REFUSED, e.code());
            assertTrue(e.getMessage().contains("'" + agg + "'") && e.getMessage().contains("only their sum")
                    && e.getMessage().contains("fedavg"), e.getMessage());
        }
    }

    @Test
    void fewerThanThreeNodesAreRefused() {
        JobSpec two = JobLoader.parse(JOB.formatted("fedavg").replace(", c.p", "") + "secureAggregation: {}\n", "j.yaml");
        var e = assertThrows(MeshflException.class, () -> Planner.plan(two, horizontal(2)));
        assertTrue(e.getMessage().contains("at least 3 nodes"), e.getMessage());
    }

    @Test
    void verticalJobsAreRefused() {
        Map<String, Planner.ProductView> m = new LinkedHashMap<>();
        m.put("a.p", new Planner.ProductView(Contracts.of("a.p", "a", "y", false, "x0"), 100));
        m.put("b.p", new Planner.ProductView(Contracts.of("b.p", "b", null, false, "z0"), 100));
        JobSpec j = JobLoader.parse(JOB.formatted("fedavg").replace(", c.p", "") + "secureAggregation: {}\n", "j.yaml");
        var e = assertThrows(MeshflException.class, () -> Planner.plan(j, m));
        assertTrue(e.getMessage().contains("secureAggregation") && e.getMessage().contains("vertical"), e.getMessage());
    }
}

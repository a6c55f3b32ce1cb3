package io.meshfl.core.plan;

import io.meshfl.core.ErrorCode;
import io.meshfl.core.MeshflException;
import org.junit.jupiter.api.Test;

import java.util.LinkedHashMap;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Robust rules read every update; secure aggregation shows only their sum, so the planner refuses the pair. */
class RobustSecureAggregationPlanTest {

    private static JobSpec job(String aggregator, String extra) {
        return JobLoader.parse("""
                name: j
                products: [a.p, b.p, c.p, d.p]
                label: y
                model: {type: logistic}
                aggregator: {%s}
                %s
                """.formatted(aggregator, extra), "j.yaml");
    }

    private static Map<String, Planner.ProductView> products() {
        Map<String, Planner.ProductView> m = new LinkedHashMap<>();
        for (String d : new String[]{"a", "b", "c", "d"}) {
            m.put(d + ".p", new Planner.ProductView(Contracts.of(d + ".p", d, "y", false, "x0", "x1"), 100));
        }
        return m;
    }

    private static String refusal(String aggregator) {
        var e = assertThrows(MeshflException.class, () -> Planner.plan(job(aggregator, "secureAggregation: {}"), products()));
        assertEquals(ErrorCode.PLAN_REFUSED, e.code());
        return e.getMessage();
    }

    @Test
    void krumAndMultiKrumAreRefusedWithSecureAggregation() {
        assertTrue(refusal("name: krum, byzantine: 0").contains("'krum' needs every node's update"));
        assertTrue(refusal("name: multikrum").contains("'multikrum' needs every node's update"));
    }

    @Test
    void normBoundIsRefusedWithSecureAggregationEvenAroundFedAvg() {
        String m = refusal("name: fedavg, normBound: 1.0");
        assertTrue(m.contains("aggregator.normBound") && m.contains("secureAggregation.clip"), m);
    }

    @Test
    void robustRulesPlanWithoutSecureAggregation() {
        assertEquals("multikrum", Planner.plan(job("name: multikrum, byzantine: 0, normBound: 1.0", ""), products()).aggregator());
    }
}

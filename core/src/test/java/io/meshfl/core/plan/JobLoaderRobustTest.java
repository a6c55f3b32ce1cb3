package io.meshfl.core.plan;

import io.meshfl.core.ErrorCode;
import io.meshfl.core.MeshflException;
import io.meshfl.core.protocol.horizontal.NormBounded;
import io.meshfl.core.protocol.horizontal.Strategies;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The robust-aggregation settings under {@code aggregator:}: read, defaulted, and refused with the field named. */
class JobLoaderRobustTest {

    private static final String JOB = """
            name: j
            products: [a.p, b.p, c.p, d.p, e.p, f.p, g.p]
            label: y
            model: {type: logistic}
            aggregator: {%s}
            """;

    private static JobSpec parse(String aggregator) {
        return JobLoader.parse(JOB.formatted(aggregator), "job.yaml");
    }

    private static String refusal(String aggregator) {
        var e = assertThrows(MeshflException.class, () -> parse(aggregator));
        assertEquals(ErrorCode.JOB_INVALID, e.code());
        return e.getMessage();
    }

    @Test
    void aRobustRuleOverTooFewUpdatesToBeRobustIsRefused() {
        String two = "name: j\nproducts: [a.p, b.p]\nlabel: y\nmodel: {type: logistic}\naggregator: {%s}\n";
        var median = assertThrows(MeshflException.class, () -> JobLoader.parse(two.formatted("name: fedmedian"), "job.yaml"));
        assertTrue(median.getMessage().contains("fedmedian over 2 update(s) per round is their mean"), median.getMessage());
        var trim = assertThrows(MeshflException.class, () -> JobLoader.parse(two.formatted("name: trimmedmean, trimBeta: 0.2"), "job.yaml"));
        assertTrue(trim.getMessage().contains("field 'aggregator.trimBeta'") && trim.getMessage().contains("trims none"), trim.getMessage());
        // seven nodes sampled at half are four per round: 0.2 of four trims none, 0.25 trims one at each end
        assertTrue(refusal("name: trimmedmean, trimBeta: 0.2, fraction: 0.5").contains("over 4 update(s) per round trims none"));
        assertEquals("trimmedmean", parse("name: trimmedmean, trimBeta: 0.25, fraction: 0.5").aggregator().name());
        assertEquals("fedmedian", parse("name: fedmedian").aggregator().name());
    }

    @Test
    void readsKrumSettings() {
        JobSpec.AggregatorSpec a = parse("name: multikrum, byzantine: 2, selected: 4, normBound: 1.5").aggregator();
        assertEquals("multikrum", a.name());
        assertEquals(2, a.byzantine());
        assertEquals(4, a.selected());
        assertEquals(1.5, a.normBound());
    }

    @Test
    void byzantineDefaultsToTheMostEachRoundAllows() {
        JobSpec.AggregatorSpec a = parse("name: krum").aggregator();
        assertEquals(-1, a.byzantine());
        assertEquals(0, a.selected());
        assertEquals(0.0, a.normBound());
    }

    @Test
    void krumNeedsMoreThanTwoFPlusTwoNodesNamingTheField() {
        String m = refusal("name: krum, byzantine: 3");
        assertTrue(m.contains("'aggregator.byzantine'") && m.contains("2f + 2 = 8") && m.contains("7 product"), m);
    }

    @Test
    void selectedBeyondNMinusFIsRefused() {
        String m = refusal("name: multikrum, byzantine: 2, selected: 6");
        assertTrue(m.contains("'aggregator.selected'") && m.contains("n - f = 5"), m);
    }

    @Test
    void settingsOfOtherRulesAreRefusedWhereTheyDoNotApply() {
        assertTrue(refusal("name: fedavg, byzantine: 1").contains("'aggregator.byzantine'"));
        assertTrue(refusal("name: krum, selected: 2").contains("'aggregator.selected'"));
        assertTrue(refusal("name: krum, byzantine: -1").contains("'aggregator.byzantine'"));
    }

    @Test
    void negativeNormBoundIsRefused() {
        String m = refusal("name: fedmedian, normBound: -0.5");
        assertTrue(m.contains("'aggregator.normBound'"), m);
    }

    @Test
    void normBoundWrapsWhicheverRuleIsNamed() {
        var s = Strategies.create(parse("name: fedmedian, normBound: 2.0"));
        assertInstanceOf(NormBounded.class, s);
        assertEquals("fedmedian+normbound", s.name());
        assertEquals("multikrum", Strategies.create(parse("name: multikrum, byzantine: 1")).name());
    }
}

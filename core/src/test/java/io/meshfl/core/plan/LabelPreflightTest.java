package io.meshfl.core.plan;

import io.meshfl.core.ErrorCode;
import io.meshfl.core.MeshflException;
import io.meshfl.core.data.Dataset;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class LabelPreflightTest {

    private static Plan vertical(String model) {
        Map<String, Planner.ProductView> m = new LinkedHashMap<>();
        m.put("bank.accounts", new Planner.ProductView(Contracts.of("bank.accounts", "bank", "y", false, "a0", "a1"), 4));
        m.put("shop.orders", new Planner.ProductView(Contracts.of("shop.orders", "shop", null, false, "b0"), 4));
        return Planner.plan(JobLoader.parse("name: j\nproducts: [bank.accounts, shop.orders]\nlabel: y\nmodel: " + model + "\n", "j.yaml"), m);
    }

    private static Plan horizontal(String model) {
        Map<String, Planner.ProductView> m = new LinkedHashMap<>();
        for (String id : List.of("east.credit", "west.credit", "east.test")) {
            m.put(id, new Planner.ProductView(Contracts.of(id, id.substring(0, 4), "y", false, "a0"), 4));
        }
        return Planner.plan(JobLoader.parse("name: j\nproducts: [east.credit, west.credit]\nlabel: y\nmodel: " + model
                + "\nevaluation: {products: [east.test]}\n", "j.yaml"), m);
    }

    private static Dataset labels(double... y) {
        return new Dataset(List.of(), new double[0], y, null, y.length);
    }

    @Test
    void aLabelThatFitsAddsALineNamingTheRowsReadHere() {
        List<String> asked = new ArrayList<>();
        Plan p = LabelPreflight.check(vertical("{type: logistic}"), id -> {
            asked.add(id);
            return labels(0, 1, 1, 0);
        });
        // only the label holder is asked for its label, never a host
        assertEquals(List.of("bank.accounts"), asked);
        String line = "label check: bank.accounts label 'y' fits a binary objective (4 rows read here)";
        assertTrue(p.reasons().contains(line), p.reasons().toString());
        assertTrue(p.explain().contains(line), p.explain());
    }

    @Test
    void aFourClassLabelAgainstABinaryObjectiveRefusesThePlanNamingProductLabelAndRowButNotTheValue() {
        Plan plan = vertical("{type: logistic}");
        var e = assertThrows(MeshflException.class, () -> LabelPreflight.check(plan, id -> labels(1, 3, 0, 2)));
        assertEquals(ErrorCode.DATA_BAD_VALUE, e.code());
        String m = e.getMessage();
        assertTrue(m.contains("product bank.accounts") && m.contains("label 'y'") && m.contains("must be 0 or 1") && m.contains("row 2 is not"), m);
        // neither the message nor a local detail carries the offending 3
        assertFalse(m.contains("3"), m);
        assertNull(e.localDetail());
    }

    @Test
    void aProductNotReadableHereIsSaidSoWithWhoChecksItInstead() {
        Plan p = LabelPreflight.check(vertical("{type: gbdt, objective: multiclass, classes: 4}"), id -> null);
        assertEquals("secureboost", p.strategy());
        assertTrue(p.reasons().contains("label check: bank.accounts is not readable here; its node checks label 'y' against the multiclass "
                + "objective with 4 classes when the run starts, before entity alignment"), p.reasons().toString());
    }

    @Test
    void everyHorizontalProductAndItsEvaluationProductIsCheckedAgainstTheClasses() {
        Function<String, Dataset> read = id -> id.equals("west.credit") ? null : labels(0, 3, 2, 1);
        Plan p = LabelPreflight.check(horizontal("{type: softmax, classes: 4}"), read);
        List<String> lines = p.reasons().stream().filter(r -> r.startsWith("label check: ")).toList();
        assertEquals(List.of("label check: east.credit label 'y' fits a multiclass objective with 4 classes (4 rows read here)",
                "label check: west.credit is not readable here, and a horizontal run has no label check step: nothing checks label 'y' "
                        + "against the multiclass objective with 4 classes before the run",
                "label check: east.test label 'y' fits a multiclass objective with 4 classes (4 rows read here)"), lines);
        // the same labels with three classes: class 3 is out of range, in the evaluation product too
        var e = assertThrows(MeshflException.class, () -> LabelPreflight.check(horizontal("{type: softmax, classes: 3}"),
                id -> id.equals("east.test") ? labels(0, 1, 2, 5) : labels(0, 1, 2, 2)));
        assertTrue(e.getMessage().contains("product east.test") && e.getMessage().contains("class number 0..2") && e.getMessage().contains("row 4"),
                e.getMessage());
    }
}

package io.meshfl.core.plan;

import io.meshfl.core.ErrorCode;
import io.meshfl.core.MeshflException;
import io.meshfl.core.model.ModelSpec;
import org.junit.jupiter.api.Test;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Job files with a model of type external: read with errors naming the field, planned horizontally only, priced as an MLP. */
class ExternalModelPlanTest {

    private static final String MODEL = "model: {type: external, trainer: credit-mlp, objective: binary, parameters: [{name: fc1.weight, shape: [4, 2]}, "
            + "{name: fc1.bias, shape: [4]}, {name: fc2.weight, shape: [1, 4]}, {name: fc2.bias, shape: [1]}]}\n";

    private static JobSpec job(String products, String rest) {
        return JobLoader.parse("name: j\nproducts: [" + products + "]\nlabel: y\n" + rest, "j.yaml");
    }

    private static Map<String, Planner.ProductView> catalog() {
        Map<String, Planner.ProductView> m = new LinkedHashMap<>();
        m.put("north.accounts", new Planner.ProductView(Contracts.of("north.accounts", "north", "y", false, "a0", "a1"), 4000));
        m.put("south.accounts", new Planner.ProductView(Contracts.of("south.accounts", "south", "y", false, "a0", "a1"), 1000));
        m.put("shop.orders", new Planner.ProductView(Contracts.of("shop.orders", "shop", null, false, "b0", "b1"), 900));
        return m;
    }

    @Test
    void theJobLoaderReadsTheTrainerAndTheDeclaredTensorsInOrder() {
        ModelSpec m = job("north.accounts, south.accounts", MODEL).model();
        assertEquals(ModelSpec.Type.EXTERNAL, m.type());
        assertEquals("credit-mlp", m.trainer());
        assertEquals(List.of("fc1.weight", "fc1.bias", "fc2.weight", "fc2.bias"), m.parameters().stream().map(t -> t.name()).toList());
        assertEquals(List.of(4, 2), m.parameters().get(0).shape());
        assertEquals(ModelSpec.Task.BINARY, m.task());
    }

    @Test
    void aBadDeclarationIsAnErrorNamingItsField() {
        String p = "north.accounts, south.accounts";
        assertTrue(assertThrows(MeshflException.class, () -> job(p, "model: {type: external, parameters: [{name: w, shape: [2]}]}\n"))
                .getMessage().contains("model.trainer"));
        assertTrue(assertThrows(MeshflException.class, () -> job(p, "model: {type: external, trainer: t, parameters: [{name: w, shape: [2, 0]}]}\n"))
                .getMessage().contains("field 'model.parameters[0].shape'"));
        assertTrue(assertThrows(MeshflException.class, () -> job(p, "model: {type: external, trainer: t, parameters: [{name: w, shap: [2]}]}\n"))
                .getMessage().contains("field 'model.parameters[0].shap'"));
        assertTrue(assertThrows(MeshflException.class, () -> job(p, "model: {type: logistic, trainer: t}\n"))
                .getMessage().contains("model.trainer applies to model type external only"));
    }

    @Test
    void anExternalModelIsPlannedHorizontallyAndPricedLikeAnMlpOfTheSameSize() {
        Plan ext = Planner.plan(job("north.accounts, south.accounts", MODEL), catalog());
        Plan mlp = Planner.plan(job("north.accounts, south.accounts", "model: {type: mlp, hidden: [4]}\n"), catalog());
        assertEquals("horizontal", ext.strategy());
        assertEquals(mlp.numParams(), ext.numParams());
        assertEquals(mlp.candidates().stream().filter(c -> c.strategy().equals("horizontal")).findFirst().orElseThrow().estSeconds(),
                ext.candidates().stream().filter(c -> c.strategy().equals("horizontal")).findFirst().orElseThrow().estSeconds());
    }

    @Test
    void anyOtherStrategyIsRefusedAtPlanTimeNeverReplaced() {
        var vertical = assertThrows(MeshflException.class, () -> Planner.plan(job("north.accounts, shop.orders", MODEL), catalog()));
        assertEquals(ErrorCode.PLAN_REFUSED, vertical.code());
        assertTrue(vertical.getMessage().contains("trains only with the horizontal strategy"), vertical.getMessage());
        var asked = assertThrows(MeshflException.class, () -> Planner.plan(job("north.accounts, shop.orders", MODEL + "strategy: vertical\n"), catalog()));
        assertTrue(asked.getMessage().contains("strategy vertical"), asked.getMessage());
    }
}

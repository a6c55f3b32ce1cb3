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

/**
 * Job files with a model of type external: read with errors naming the field, planned horizontally
 * (priced as an MLP) or, over a vertical layout, as a split network declared by role; any other way
 * refused.
 */
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

    /** An external split network over north (label holder) and shop: each party's bottom and the top declared by role. */
    private static final String SPLIT = "model: {type: external, trainer: credit-split, parameters: [{name: north/l0.weight, shape: [4, 2]}, "
            + "{name: north/l0.bias, shape: [4]}, {name: shop/l0.weight, shape: [4, 2]}, {name: shop/l0.bias, shape: [4]}, "
            + "{name: top/l0.weight, shape: [1, 8]}, {name: top/l0.bias, shape: [1]}]}\nsplit: {cutWidth: 4, labels: north}\n";

    @Test
    void overAVerticalLayoutAnExternalModelTrainsAsASplitNetworkWithItsTopOnTheLabelHolder() {
        Plan p = Planner.plan(job("north.accounts, shop.orders", SPLIT), catalog());
        assertEquals("split", p.strategy());
        assertEquals(4 * 2 + 4 + 4 * 2 + 4 + 8 + 1, p.numParams());
        assertTrue(p.reasons().stream().anyMatch(r -> r.contains("top runs in the label holder north's trainer")
                && r.contains("north learns every party's cut layers")), p.reasons().toString());
    }

    @Test
    void anExternalSplitNetworkWithoutEveryRoleDeclaredOrWithSharedLabelsIsRefusedByField() {
        String noShop = SPLIT.replace("{name: shop/l0.weight, shape: [4, 2]}, {name: shop/l0.bias, shape: [4]}, ", "");
        assertTrue(assertThrows(MeshflException.class, () -> Planner.plan(job("north.accounts, shop.orders", noShop), catalog()))
                .getMessage().contains("no tensor declared for the bottom of shop"));
        String noRole = SPLIT.replace("top/l0.bias", "l0.bias");
        assertTrue(assertThrows(MeshflException.class, () -> Planner.plan(job("north.accounts, shop.orders", noRole), catalog()))
                .getMessage().contains("'l0.bias' names no role"));
        String stranger = SPLIT.replace("shop/l0.bias", "telco/l0.bias");
        assertTrue(assertThrows(MeshflException.class, () -> Planner.plan(job("north.accounts, shop.orders", stranger), catalog()))
                .getMessage().contains("[telco] take no part in this job"));
        String shared = SPLIT.replace("labels: north", "labels: coordinator");
        assertTrue(assertThrows(MeshflException.class, () -> Planner.plan(job("north.accounts, shop.orders", shared), catalog()))
                .getMessage().contains("set split.labels to north"));
        String layers = SPLIT.replace("cutWidth: 4", "cutWidth: 4, bottomHidden: [8]");
        assertTrue(assertThrows(MeshflException.class, () -> Planner.plan(job("north.accounts, shop.orders", layers), catalog()))
                .getMessage().contains("field 'split.bottomHidden' applies to MeshFL's own split networks"));
    }

    @Test
    void anyOtherStrategyIsRefusedAtPlanTimeNeverReplaced() {
        var asked = assertThrows(MeshflException.class, () -> Planner.plan(job("north.accounts, shop.orders", MODEL + "strategy: vertical\n"), catalog()));
        assertEquals(ErrorCode.PLAN_REFUSED, asked.code());
        assertTrue(asked.getMessage().contains("strategy vertical"), asked.getMessage());
        var boost = assertThrows(MeshflException.class, () -> Planner.plan(job("north.accounts, shop.orders", MODEL + "strategy: secureboost\n"), catalog()));
        assertTrue(boost.getMessage().contains("strategy secureboost"), boost.getMessage());
    }
}

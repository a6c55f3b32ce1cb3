package io.meshfl.core.model;

import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ExternalModelTest {

    private static final List<TensorSpec> MLP_LAYOUT = TensorSpec.decode("fc1.weight=16x23,fc1.bias=16,fc2.weight=8x16,fc2.bias=8,out.weight=1x8,out.bias=1");

    @Test
    void anExternalNetworkLaidOutAsMeshflsMlpStartsFromTheSameVectorForTheSameSeed() {
        ExternalModel ext = new ExternalModel(ModelSpec.external("credit-mlp", MLP_LAYOUT, null, 2), 23);
        Mlp mlp = new Mlp(new ModelSpec(ModelSpec.Type.MLP, List.of(16, 8), 2, 0.0), 23);
        assertEquals(mlp.numParams(), ext.numParams());
        double[] a = new double[ext.numParams()];
        double[] b = new double[mlp.numParams()];
        ext.initialize(a, new Random(42));
        mlp.initialize(b, new Random(42));
        assertArrayEquals(b, a, 0.0);
        for (int i = 0; i < a.length; i++) assertEquals(mlp.isBias(i), ext.isBias(i), "bias flag " + i);
    }

    @Test
    void itsSizeIsTheSumOfTheDeclaredTensorsAndItCannotTrainOrScoreInsideMeshfl() {
        ExternalModel ext = new ExternalModel(ModelSpec.external("t", TensorSpec.decode("w=3x4,b=3,s="), ModelSpec.Task.BINARY, 2), 4);
        assertEquals(16, ext.numParams());
        var e = assertThrows(UnsupportedOperationException.class, () -> ext.lossAndGradient(new double[16], null, new int[0], new double[16]));
        assertTrue(e.getMessage().contains("trainer 't'"), e.getMessage());
        assertThrows(UnsupportedOperationException.class, () -> ext.predict(new double[16], null, new double[0]));
        assertFalse(ext.isBias(0));
        assertTrue(ext.isBias(12) && ext.isBias(15));
    }

    @Test
    void aSpecNamesTheFieldThatIsWrong() {
        assertTrue(assertThrows(IllegalArgumentException.class, () -> ModelSpec.external(" ", MLP_LAYOUT, null, 2))
                .getMessage().startsWith("model.trainer"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> ModelSpec.external("t", List.of(), null, 2))
                .getMessage().startsWith("model.parameters"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> ModelSpec.external("t", TensorSpec.decode("w=2,w=3"), null, 2))
                .getMessage().contains("'w' is declared twice"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> new ModelSpec(ModelSpec.Type.LOGISTIC, List.of(), 2, 0, null, "t", List.of()))
                .getMessage().startsWith("model.trainer applies"));
    }

    @Test
    void aDeclarationSurvivesTheRequestEncoding() {
        assertEquals(MLP_LAYOUT, TensorSpec.decode(TensorSpec.encode(MLP_LAYOUT)));
    }
}

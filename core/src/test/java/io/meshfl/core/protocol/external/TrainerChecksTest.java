package io.meshfl.core.protocol.external;

import io.meshfl.core.ErrorCode;
import io.meshfl.core.MeshflException;
import io.meshfl.core.model.ModelSpec;
import io.meshfl.core.model.TensorSpec;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class TrainerChecksTest {

    private static final List<TensorSpec> DECLARED = TensorSpec.decode("w=2x2,b=2");

    private static ExternalTrainer.Tensor t(String name, long[] shape, double... v) {
        return new ExternalTrainer.Tensor(name, shape, v);
    }

    private static String refusal(Runnable r) {
        MeshflException e = assertThrows(MeshflException.class, r::run);
        assertEquals(ErrorCode.POLICY_VIOLATION, e.code());
        return e.getMessage();
    }

    @Test
    void theDeclaredTensorsInAnyOrderBecomeTheFlatVectorInDeclaredOrder() {
        double[] flat = TrainerChecks.flatten("t", "Fit", DECLARED, List.of(t("b", new long[]{2}, 5, 6), t("w", new long[]{2, 2}, 1, 2, 3, 4)));
        assertArrayEquals(new double[]{1, 2, 3, 4, 5, 6}, flat);
        assertEquals(DECLARED.size(), TrainerChecks.split(DECLARED, flat).size());
    }

    @Test
    void everyDepartureFromTheDeclarationIsRefusedNamingTheTensorAndNoValue() {
        var w = t("w", new long[]{2, 2}, 1, 2, 3, 4);
        assertTrue(refusal(() -> TrainerChecks.flatten("t", "Fit", DECLARED, List.of(w))).contains("no tensor b"));
        assertTrue(refusal(() -> TrainerChecks.flatten("t", "Fit", DECLARED, List.of(w, t("b", new long[]{2}, 1, 2), t("x", new long[]{1}, 7))))
                .contains("'x' the model does not declare"));
        assertTrue(refusal(() -> TrainerChecks.flatten("t", "Fit", DECLARED, List.of(w, w, t("b", new long[]{2}, 1, 2)))).contains("w twice"));
        assertTrue(refusal(() -> TrainerChecks.flatten("t", "Fit", DECLARED, List.of(w, t("b", new long[]{1, 2}, 1, 2)))).contains("b with shape [1, 2]"));
        assertTrue(refusal(() -> TrainerChecks.flatten("t", "Fit", DECLARED, List.of(w, t("b", new long[]{2}, 1)))).contains("b with 1 values"));
        String nan = refusal(() -> TrainerChecks.flatten("t", "Fit", DECLARED, List.of(w, t("b", new long[]{2}, 123.456, Double.POSITIVE_INFINITY))));
        assertTrue(nan.contains("b with a non-finite value") && !nan.contains("123.456"), nan);
    }

    @Test
    void examplesMustLieBetweenOneAndTheRowsGiven() {
        TrainerChecks.examples("t", 10, 10);
        assertTrue(refusal(() -> TrainerChecks.examples("t", 0, 10)).contains("0 training examples"));
        assertTrue(refusal(() -> TrainerChecks.examples("t", 11, 10)).contains("given 10 rows"));
    }

    @Test
    void scoresMustBeRowsTimesOutputsFiniteAndProbabilitiesForClassifiers() {
        TrainerChecks.scores("t", "eval:0", new ExternalTrainer.Scores(1, new double[]{0, 1}), 2, 1, ModelSpec.Task.BINARY);
        TrainerChecks.scores("t", "eval:0", new ExternalTrainer.Scores(1, new double[]{-3, 7}), 2, 1, ModelSpec.Task.REGRESSION);
        assertTrue(refusal(() -> TrainerChecks.scores("t", "eval:0", new ExternalTrainer.Scores(1, new double[]{0.5}), 2, 1, ModelSpec.Task.BINARY))
                .contains("1 scores for part eval:0"));
        assertTrue(refusal(() -> TrainerChecks.scores("t", "eval:0", new ExternalTrainer.Scores(1, new double[]{0.5, 1.01}), 2, 1, ModelSpec.Task.BINARY))
                .contains("outside [0, 1]"));
        assertTrue(refusal(() -> TrainerChecks.scores("t", "eval:0", new ExternalTrainer.Scores(1, new double[]{0.5, Double.NaN}), 2, 1,
                ModelSpec.Task.REGRESSION)).contains("non-finite score"));
        assertTrue(refusal(() -> TrainerChecks.scores("t", "eval:0", new ExternalTrainer.Scores(2, new double[]{0.5, 0.5}), 1, 1,
                ModelSpec.Task.BINARY)).contains("2 outputs per row"));
    }

    @Test
    void aDeclarationThatDiffersIsRefusedNamingTheFirstDifference() {
        TrainerChecks.declaration("t", DECLARED, List.of(t("w", new long[]{2, 2}), t("b", new long[]{2})));
        assertTrue(refusal(() -> TrainerChecks.declaration("t", DECLARED, List.of(t("b", new long[]{2}), t("w", new long[]{2, 2}))))
                .contains("declares parameter 1 as 'b'; the job declares w there"));
        assertTrue(refusal(() -> TrainerChecks.declaration("t", DECLARED, List.of(t("w", new long[]{2, 2}))))
                .contains("the first missing being b [2]"));
        assertTrue(refusal(() -> TrainerChecks.declaration("t", DECLARED, List.of(t("w", new long[]{2, 2}), t("b", new long[]{2}),
                t("c", new long[]{1})))).contains("'c' (number 3) that the job does not declare"));
    }
}

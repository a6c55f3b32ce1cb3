package io.meshfl.core.model;

import io.meshfl.core.ErrorCode;
import io.meshfl.core.MeshflException;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class LabelsTest {

    @Test
    void aBadLabelIsNamedByItsRowAndRuleWhileItsValueStaysInTheLocalDetail() {
        var e = assertThrows(MeshflException.class, () -> Labels.check(ModelSpec.Task.MULTICLASS, 3, new double[]{0, 2, 1, 7.25, 1},
                "product bank.p: label 'tier'", "aligned row"));
        assertEquals(ErrorCode.DATA_BAD_VALUE, e.code());
        assertEquals("product bank.p: label 'tier' must be a class number 0..2 for a multiclass objective with 3 classes; aligned row 4 is not",
                e.getMessage());
        assertTrue(!e.getMessage().contains("7.25") && e.localDetail().contains("7.25"), e.localDetail());
        Labels.check(ModelSpec.Task.REGRESSION, 0, new double[]{-3.5, 1e9}, "x", "row");
        Labels.check(ModelSpec.Task.COUNT, 0, new double[]{0, 4}, "x", "row");
        assertThrows(MeshflException.class, () -> Labels.check(ModelSpec.Task.COUNT, 0, new double[]{0, -1}, "x", "row"));
        assertThrows(MeshflException.class, () -> Labels.check(ModelSpec.Task.REGRESSION, 0, new double[]{Double.NaN}, "x", "row"));
        assertThrows(MeshflException.class, () -> Labels.check(ModelSpec.Task.BINARY, 1, new double[]{1, 0.5}, "x", "row"));
    }
}

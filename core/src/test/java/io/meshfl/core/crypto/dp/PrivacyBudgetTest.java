package io.meshfl.core.crypto.dp;

import io.meshfl.core.ErrorCode;
import io.meshfl.core.MeshflException;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class PrivacyBudgetTest {

    @Test
    void invalidBudgetsNameTheField() {
        var e = assertThrows(MeshflException.class, () -> new PrivacyBudget(-1, 1e-5));
        assertEquals(ErrorCode.CRYPTO_FAILURE, e.code());
        assertTrue(e.getMessage().contains("'epsilon'"), e.getMessage());
        e = assertThrows(MeshflException.class, () -> new PrivacyBudget(Double.POSITIVE_INFINITY, 1e-5));
        assertTrue(e.getMessage().contains("'epsilon'"), e.getMessage());
        e = assertThrows(MeshflException.class, () -> new PrivacyBudget(1, 1));
        assertTrue(e.getMessage().contains("'delta'"), e.getMessage());
        e = assertThrows(MeshflException.class, () -> new PrivacyBudget(1, Double.NaN));
        assertTrue(e.getMessage().contains("'delta'"), e.getMessage());
    }

    @Test
    void budgetCoversWhatFitsAndNothingMore() {
        RdpAccountant spent = new RdpAccountant().compose(0.04, 1.5, 2250); // 7.33 at 1e-5
        assertTrue(new PrivacyBudget(8, 1e-5).covers(spent));
        assertFalse(new PrivacyBudget(7, 1e-5).covers(spent));
        assertFalse(new PrivacyBudget(100, 0).covers(spent));
    }
}

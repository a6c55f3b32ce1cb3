package io.meshfl.node;

import io.meshfl.core.ErrorCode;
import io.meshfl.core.MeshflException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class NodePrivacyLedgerTest {

    @TempDir
    Path dir;

    @Test
    void chargesSurviveARestartAndAJobChargedTwicePaysOnce() {
        Path file = dir.resolve("state").resolve("privacy-ledger.properties");
        new NodePrivacyLedger(file).charge("p", 3.0, "job-1", 1.0);
        NodePrivacyLedger reopened = new NodePrivacyLedger(file);
        reopened.charge("p", 3.0, "job-1", 1.0);
        assertEquals(1.0, reopened.spent("p"));
        reopened.charge("p", 3.0, "job-2", 2.0);
        var e = assertThrows(MeshflException.class, () -> reopened.charge("p", 3.0, "job-3", 0.5));
        assertEquals(ErrorCode.POLICY_VIOLATION, e.code());
        assertTrue(e.getMessage().contains("product p") && e.getMessage().contains("spent 3.000"), e.getMessage());
    }

    @Test
    void aProductWithABudgetRefusesAJobWithoutPrivacy() {
        NodePrivacyLedger ledger = new NodePrivacyLedger(null);
        var e = assertThrows(MeshflException.class, () -> ledger.charge("p", 10.0, "job", Double.POSITIVE_INFINITY));
        assertTrue(e.getMessage().contains("without differential privacy"), e.getMessage());
        ledger.charge("q", null, "job", Double.POSITIVE_INFINITY);
        assertEquals(0.0, ledger.spent("q"), "a product without a budget keeps no record of non-private jobs");
    }
}

package io.meshfl.node;

import io.meshfl.core.ErrorCode;
import io.meshfl.core.MeshflException;
import io.meshfl.core.trust.Journal;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class NodeLedgerTest {

    @TempDir
    Path dir;

    @Test
    void chargesSurviveARestartAndARunChargedTwicePaysOnce() {
        NodeLedger.open(dir).charge("p", 3.0, "run-1", 1.0);
        NodeLedger reopened = NodeLedger.open(dir);
        reopened.charge("p", 3.0, "run-1", 1.0);
        assertEquals(1.0, reopened.spent("p"));
        reopened.charge("p", 3.0, "run-2", 2.0);
        var e = assertThrows(MeshflException.class, () -> reopened.charge("p", 3.0, "run-3", 0.5));
        assertEquals(ErrorCode.POLICY_VIOLATION, e.code());
        assertTrue(e.getMessage().contains("product p") && e.getMessage().contains("spent 3.000"), e.getMessage());
    }

    @Test
    void everyRunOfOneJobIsChargedOnItsOwn() {
        NodeLedger ledger = NodeLedger.inMemory();
        ledger.charge("p", 8.0, "run-a", 5.0);
        // the same job submitted again is a new run with a new nonce: it pays again and finds the budget spent
        var e = assertThrows(MeshflException.class, () -> ledger.charge("p", 8.0, "run-b", 5.0));
        assertTrue(e.getMessage().contains("spent 5.000") && e.getMessage().contains("requested epsilon 5.000"), e.getMessage());
    }

    @Test
    void aProductWithABudgetRefusesAJobWithoutPrivacy() {
        NodeLedger ledger = NodeLedger.inMemory();
        var e = assertThrows(MeshflException.class, () -> ledger.charge("p", 10.0, "run", Double.POSITIVE_INFINITY));
        assertTrue(e.getMessage().contains("without differential privacy"), e.getMessage());
        ledger.charge("q", null, "run", Double.POSITIVE_INFINITY);
        assertEquals(0.0, ledger.spent("q"), "a product without a budget keeps no record of non-private jobs");
    }

    @Test
    void aLedgerWithADeletedChargeChargesNothingMore() throws Exception {
        NodeLedger ledger = NodeLedger.open(dir);
        ledger.charge("p", 8.0, "run-1", 3.0);
        ledger.charge("p", 8.0, "run-2", 3.0);
        Path file = dir.resolve("privacy-ledger.jsonl");
        List<String> lines = new ArrayList<>(Files.readAllLines(file));
        lines.remove(0); // an attacker on the host gives the first run's epsilon back
        Files.write(file, lines);
        var e = assertThrows(MeshflException.class, () -> NodeLedger.open(dir).charge("p", 8.0, "run-3", 1.0));
        assertTrue(e.getMessage().contains("fails verification") && e.getMessage().contains("entry #1 is missing"), e.getMessage());
    }

    @Test
    void theFormerPropertiesLedgerIsCarriedOverOnce() throws Exception {
        Files.writeString(dir.resolve("privacy-ledger.properties"), "p|job-7=4.5\n");
        NodeLedger ledger = NodeLedger.open(dir);
        assertEquals(4.5, ledger.spent("p"));
        assertFalse(Files.exists(dir.resolve("privacy-ledger.properties")));
        assertEquals(4.5, NodeLedger.open(dir).spent("p"), "carried over once, not twice");
        assertTrue(Journal.verify(dir.resolve("privacy-ledger.jsonl")).ok());
    }
}

package io.meshfl.core.catalog;

import io.meshfl.core.ErrorCode;
import io.meshfl.core.MeshflException;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;
import java.util.UUID;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class PrivacyLedgerTest {

    private Catalog catalog;
    private PrivacyLedger ledger;

    @BeforeEach
    void open() {
        catalog = Catalog.inMemory("ledger-" + UUID.randomUUID());
        catalog.registerProduct("a.p", "a", "1.0.0", "id: a.p\n", 10);
        catalog.registerProduct("b.p", "b", "1.0.0", "id: b.p\n", 10);
        ledger = new PrivacyLedger(catalog);
    }

    @AfterEach
    void close() {
        catalog.close();
    }

    private String run() {
        return catalog.startRun(catalog.createJob("j", "name: j").id(), "horizontal", null, null, 1, List.of("a.p", "b.p")).id();
    }

    @Test
    void runsChargeEveryProductTheyTouchAndSettleToWhatTheySpent() {
        String r1 = run();
        ledger.charge(r1, Map.of("a.p", 5.0), List.of("a.p", "b.p"), 2.0, 1e-5);
        assertEquals(2.0, ledger.spent("a.p"));
        assertEquals(2.0, ledger.spent("b.p"), "a product without a budget keeps its record too");
        ledger.settle(r1, 1.5, false);
        assertEquals(1.5, ledger.spent("a.p"));
        assertEquals("FINAL", ledger.charges("a.p").get(0).status());
        String r2 = run();
        ledger.charge(r2, Map.of("a.p", 5.0), List.of("a.p"), 1.0, 1e-5);
        ledger.settle(r2, 0.4, true);
        assertEquals(1.9, ledger.spent("a.p"), 1e-12);
        assertEquals("FAILED", ledger.charges("a.p").get(1).status());
    }

    @Test
    void aRunOverTheRemainingBudgetIsRefusedNamingProductBudgetSpentAndRequest() {
        ledger.charge(run(), Map.of("a.p", 3.0), List.of("a.p", "b.p"), 2.0, 1e-5);
        String r2 = run();
        var e = assertThrows(MeshflException.class, () -> ledger.charge(r2, Map.of("a.p", 3.0), List.of("b.p", "a.p"), 1.5, 1e-5));
        assertEquals(ErrorCode.PLAN_REFUSED, e.code());
        for (String part : List.of("a.p", "budget epsilon 3.000", "spent 2.000", "remaining 1.000", "requested epsilon 1.500")) {
            assertTrue(e.getMessage().contains(part), e.getMessage());
        }
        assertEquals(2.0, ledger.spent("b.p"), "a refused run charges no product");
        ledger.charge(r2, Map.of("a.p", 3.0), List.of("a.p"), 1.0, 1e-5);
        assertEquals(3.0, ledger.spent("a.p"), "what is left can still be spent exactly");
    }
}

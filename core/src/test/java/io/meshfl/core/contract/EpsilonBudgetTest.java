package io.meshfl.core.contract;

import io.meshfl.core.ErrorCode;
import io.meshfl.core.MeshflException;
import org.junit.jupiter.api.Test;

import java.nio.file.Path;

import static io.meshfl.core.contract.ContractFixtures.CONTRACT;
import static io.meshfl.core.contract.ContractFixtures.lineOf;
import static io.meshfl.core.contract.ContractFixtures.with;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class EpsilonBudgetTest {

    private static DataContract parse(String yaml) {
        return ContractLoader.parse(yaml, Path.of("contract.yaml"), false);
    }

    @Test
    void contractMaySetATotalEpsilon() {
        DataContract c = parse(with(CONTRACT, "  label: y\n", "  label: y\n  epsilonBudget: 4.5\n"));
        assertTrue(c.policy().hasEpsilonBudget());
        assertEquals(4.5, c.policy().epsilonBudget());
        assertNull(parse(CONTRACT).policy().epsilonBudget());
        assertFalse(parse(CONTRACT).policy().hasEpsilonBudget());
    }

    @Test
    void badBudgetIsReportedAtItsFileLineAndColumn() {
        for (String bad : new String[]{"-1", "0", "lots", "[1, 2]"}) {
            String yaml = with(CONTRACT, "  label: y\n", "  label: y\n  epsilonBudget: " + bad + "\n");
            var e = assertThrows(MeshflException.class, () -> parse(yaml));
            assertEquals(ErrorCode.CONTRACT_INVALID, e.code());
            assertTrue(e.getMessage().contains("contract.yaml:" + lineOf(yaml, "epsilonBudget") + ":18"), e.getMessage());
            assertTrue(e.getMessage().contains("meshfl.epsilonBudget"), e.getMessage());
        }
    }
}

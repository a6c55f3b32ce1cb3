package io.meshfl.core.trust;

import io.meshfl.core.ErrorCode;
import io.meshfl.core.MeshflException;
import io.meshfl.core.contract.ContractLoader;
import io.meshfl.core.contract.DataContract;
import org.junit.jupiter.api.Test;

import java.nio.file.Path;

import static io.meshfl.core.contract.ContractFixtures.CONTRACT;
import static io.meshfl.core.contract.ContractFixtures.lineOf;
import static io.meshfl.core.contract.ContractFixtures.with;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class AccessTest {

    private static DataContract withConsumers(String consumers) {
        return ContractLoader.parse(with(CONTRACT, "  label: y\n", "  label: y\n" + consumers), Path.of("contract.yaml"), false);
    }

    @Test
    void withoutConsumersOnlyTheProductsOwnDomainMayUseIt() {
        DataContract c = ContractLoader.parse(CONTRACT, Path.of("contract.yaml"), false);
        assertNull(Access.refusal(c, "domain:clinic-a", "train", "horizontal"));
        String why = Access.refusal(c, "client:operator", "train", "horizontal");
        assertTrue(why.contains("product clinic-a.breast grants no access to client:operator") && why.contains("only its own domain"), why);
        assertTrue(Access.refusal(c, "domain:clinic-b", "predict", "vertical").contains("domain:clinic-b"));
    }

    @Test
    void aGrantNamesIdentityUsesAndProtocols() {
        DataContract c = withConsumers("""
                  consumers:
                    - {identity: "client:risk-team", may: [train, predict], protocols: [vertical, secureboost]}
                    - {identity: "domain:clinic-b", may: [train]}
                """);
        assertNull(Access.refusal(c, "client:risk-team", "train", "secureboost"));
        assertNull(Access.refusal(c, "client:risk-team", "predict", "vertical"));
        assertNull(Access.refusal(c, "domain:clinic-b", "train", "horizontal"), "no protocols listed: any the product allows");
        String protocol = Access.refusal(c, "client:risk-team", "train", "split");
        assertTrue(protocol.contains("does not let client:risk-team train with split"), protocol);
        String use = Access.refusal(c, "domain:clinic-b", "predict", "horizontal");
        assertTrue(use.contains("does not let domain:clinic-b predict"), use);
        String nobody = Access.refusal(c, "client:eve", "train", "vertical");
        assertTrue(nobody.contains("grants no access to client:eve") && nobody.contains("client:risk-team"), nobody);
        assertTrue(Access.refusal(c, "domain:clinic-a", "train", "vertical").contains("domain:clinic-a"),
                "naming consumers replaces the default: the owner lists itself if it trains too");
    }

    @Test
    void pooledStrategiesAreGrantedAsPooled() {
        DataContract c = withConsumers("  consumers: [{identity: \"*\", protocols: [pooled]}]\n");
        assertNull(Access.refusal(c, "client:anyone", "train", "materialized"));
        assertNull(Access.refusal(c, "domain:x", "train", "factorized"));
        assertTrue(Access.refusal(c, "client:anyone", "train", "horizontal").contains("with horizontal"));
    }

    @Test
    void aMalformedGrantIsAnErrorAtItsLine() {
        String yaml = with(CONTRACT, "  label: y\n", "  label: y\n  consumers:\n    - {identity: \"risk-team\", may: [train, copy]}\n");
        var e = assertThrows(MeshflException.class, () -> ContractLoader.parse(yaml, Path.of("contract.yaml"), false));
        assertEquals(ErrorCode.CONTRACT_INVALID, e.code());
        assertTrue(e.getMessage().contains("contract.yaml:" + lineOf(yaml, "risk-team")) && e.getMessage().contains("meshfl.consumers[0].identity")
                && e.getMessage().contains("expected coordinator, domain:NAME or client:NAME"), e.getMessage());
        String badUse = with(CONTRACT, "  label: y\n", "  label: y\n  consumers:\n    - {identity: \"client:a\", may: [train, copy]}\n");
        var u = assertThrows(MeshflException.class, () -> ContractLoader.parse(badUse, Path.of("contract.yaml"), false));
        assertTrue(u.getMessage().contains("meshfl.consumers[0].may[1]") && u.getMessage().contains("'copy'"), u.getMessage());
    }
}

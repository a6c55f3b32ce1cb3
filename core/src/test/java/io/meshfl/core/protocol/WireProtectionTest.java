package io.meshfl.core.protocol;

import io.meshfl.core.ErrorCode;
import org.junit.jupiter.api.Test;

import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;

class WireProtectionTest {

    private static Message req(String protocol, String step) {
        return Message.request("j", "r", protocol, step, 0, "bank");
    }

    @Test
    void emptyRequestsAreInstructionsAndEmptyRepliesAcknowledgements() {
        assertEquals("instructions", WireProtection.of(req("vertical", "forward")));
        assertEquals("acknowledgement", WireProtection.of(req("vertical", "save").reply("bank", Map.of(), Map.of())));
        assertEquals("counts and metrics", WireProtection.of(req("psi", "keys").reply("bank", Map.of("count", 3.0), Map.of())));
        assertEquals("error report", WireProtection.of(req("psi", "keys").failure("bank", ErrorCode.DATA_EMPTY, "none")));
    }

    @Test
    void payloadsAreNamedByWhatTheyCarryAndSealedRelaysSaySo() {
        Message sealed = req("vertical", "forward").reply("bank", Map.of(), Map.of(), Map.of("to:shop", new byte[8]));
        assertEquals("paillier ciphertexts, sealed node-to-node", WireProtection.of(sealed));
        Message blinded = req("psi", "reblind").withBlobs(Map.of("points", new byte[32]));
        assertEquals("ecdh-blinded keys in a secret order", WireProtection.of(blinded));
        Message update = req("horizontal", "fit").reply("bank", Map.of("num_examples", 10.0), Map.of("params", new double[3]));
        assertEquals("model update", WireProtection.of(update));
        Message rows = req("rows", "export").reply("bank", Map.of(), Map.of("x", new double[3]));
        assertEquals("raw rows (the product's policy lets them leave)", WireProtection.of(rows));
        Message labels = req("split", "labels").reply("bank", Map.of(), Map.of("labels", new double[3]));
        assertEquals("training labels (split.labels: coordinator)", WireProtection.of(labels));
    }
}

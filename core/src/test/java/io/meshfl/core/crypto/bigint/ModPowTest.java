package io.meshfl.core.crypto.bigint;

import io.meshfl.core.crypto.paillier.Decryptor;
import io.meshfl.core.crypto.paillier.Encryptor;
import io.meshfl.core.crypto.paillier.PaillierKeyPair;
import org.junit.jupiter.api.Test;

import java.math.BigInteger;
import java.security.SecureRandom;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ModPowTest {

    static GmpModPow gmp() {
        return io.meshfl.core.crypto.NativeLibraries.required(GmpModPow.load(), "GMP", GmpModPow::failure);
    }

    @Test
    void gmpGivesBigIntegersPowersForRandomAndEdgeInputs() {
        GmpModPow g = gmp();
        Random rng = new Random(11);
        for (int i = 0; i < 300; i++) {
            int bits = 64 + rng.nextInt(2100);
            BigInteger mod = new BigInteger(bits, rng).setBit(0).setBit(bits - 1);
            BigInteger base = new BigInteger(bits + 8, rng).mod(mod);
            BigInteger exp = new BigInteger(1 + rng.nextInt(1100), rng).add(BigInteger.ONE);
            assertEquals(base.modPow(exp, mod), g.modPow(base, exp, mod), () -> "bits " + bits);
        }
        BigInteger mod = BigInteger.TWO.pow(2048).subtract(BigInteger.valueOf(159)); // odd
        assertEquals(BigInteger.ZERO, g.modPow(BigInteger.ZERO, BigInteger.TEN, mod));
        assertEquals(BigInteger.ONE, g.modPow(BigInteger.ONE, mod.subtract(BigInteger.ONE), mod));
        assertEquals(BigInteger.ONE, g.modPow(BigInteger.TWO, BigInteger.ZERO, mod), "exponent 0 falls back to BigInteger");
        assertEquals(BigInteger.valueOf(5).modPow(BigInteger.TEN, BigInteger.valueOf(64)),
                g.modPow(BigInteger.valueOf(5), BigInteger.TEN, BigInteger.valueOf(64)), "an even modulus falls back to BigInteger");
        // a result with leading zero bytes comes back whole
        BigInteger small = g.modPow(BigInteger.TWO, BigInteger.valueOf(20), mod);
        assertEquals(BigInteger.ONE.shiftLeft(20), small);
    }

    @Test
    void paillierDecryptsTheSamePlaintextsOnGmpAndOnBigInteger() {
        GmpModPow g = gmp();
        SecureRandom rnd = new SecureRandom();
        PaillierKeyPair kp = PaillierKeyPair.generate(2048, rnd);
        Decryptor java = new Decryptor(kp.priv(), ModPow.Java.INSTANCE);
        Decryptor nat = new Decryptor(kp.priv(), g);
        try (Encryptor enc = new Encryptor(kp.pub(), rnd, Encryptor.Options.withoutBackgroundThread())) {
            for (int i = 0; i < 20; i++) {
                BigInteger m = new BigInteger(2040, rnd).mod(kp.pub().n());
                BigInteger c = enc.encrypt(m);
                assertEquals(m, java.decrypt(c));
                assertEquals(m, nat.decrypt(c));
            }
        }
    }

    @Test
    void theSettingChoosesTheEngineAndAnUnknownOneIsRefusedNamingIt() {
        assertSame(ModPow.Java.INSTANCE, ModPow.choose("java").engine());
        var auto = ModPow.choose(null);
        assertTrue(auto.why().startsWith("Paillier decryption by "), auto.why());
        if (auto.engine() == ModPow.Java.INSTANCE) assertTrue(auto.why().contains("not GMP: "), auto.why());
        var e = assertThrows(IllegalArgumentException.class, () -> ModPow.choose("openssl"));
        assertEquals("meshfl.bigint is 'openssl': choose auto, gmp or java", e.getMessage());
    }
}

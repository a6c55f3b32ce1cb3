package io.meshfl.core.crypto.paillier;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.meshfl.core.crypto.paillier.ModNSquared.Residue;
import java.math.BigInteger;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class ModNSquaredTest {

    @Test
    void digitArithmeticAgreesWithBigIntegerModNSquared() {
        for (PaillierKeyPair kp : List.of(Keys.k1024(), Keys.of(1024, 2))) {
            BigInteger n = kp.pub().n();
            BigInteger n2 = kp.pub().nSquared();
            ModNSquared mod = new ModNSquared(n);
            SecureRandom rnd = Keys.seeded(61);
            List<BigInteger> xs = new ArrayList<>(List.of(BigInteger.ZERO, BigInteger.ONE, n.subtract(BigInteger.ONE), n,
                    n.add(BigInteger.ONE), n2.subtract(BigInteger.ONE), n2.subtract(n)));
            for (int i = 0; i < 300; i++) xs.add(new BigInteger(n2.bitLength() + 16, rnd).mod(n2));
            for (int i = 0; i < xs.size(); i++) {
                BigInteger a = xs.get(i);
                BigInteger b = xs.get((i * 7 + 3) % xs.size());
                Residue ra = mod.split(a);
                assertEquals(a, mod.join(ra));
                assertEquals(a.multiply(b).mod(n2), mod.join(mod.mul(ra, mod.split(b))));
                assertEquals(a.multiply(b).mod(n2), mod.mul(a, b));
                assertEquals(a.multiply(a).mod(n2), mod.join(mod.square(ra)));
                assertEquals(a.modPow(BigInteger.valueOf(32), n2), mod.join(mod.squareTimes(ra, 5)));
                BigInteger m = b.mod(n);
                assertEquals(BigInteger.ONE.add(m.multiply(n)).multiply(a).mod(n2), mod.timesOnePlusMN(ra, m));
            }
        }
    }

    @Test
    void barrettDividesEverythingBelowFourTimesTheSquaredModulus() {
        BigInteger m = Keys.k1024().pub().n();
        Barrett b = new Barrett(m);
        SecureRandom rnd = Keys.seeded(62);
        BigInteger top = m.multiply(m).shiftLeft(2);
        List<BigInteger> xs = new ArrayList<>(List.of(BigInteger.ZERO, m.subtract(BigInteger.ONE), m, top.subtract(BigInteger.ONE)));
        for (int i = 0; i < 500; i++) xs.add(new BigInteger(top.bitLength(), rnd).mod(top));
        for (BigInteger x : xs) {
            BigInteger[] expected = x.divideAndRemainder(m);
            BigInteger[] got = b.divRem(x);
            assertEquals(expected[0], got[0]);
            assertEquals(expected[1], got[1]);
            assertEquals(expected[1], b.reduce(x));
        }
    }
}

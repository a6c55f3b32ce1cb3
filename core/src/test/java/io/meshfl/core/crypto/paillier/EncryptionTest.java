package io.meshfl.core.crypto.paillier;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.meshfl.core.ErrorCode;
import io.meshfl.core.MeshflException;
import java.math.BigInteger;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

class EncryptionTest {
    private static PaillierKeyPair kp;
    private static Encryptor enc;
    private static Decryptor dec;

    @BeforeAll
    static void keys() {
        kp = Keys.k1024();
        enc = new Encryptor(kp.pub(), Keys.seeded(11));
        dec = new Decryptor(kp.priv());
    }

    @AfterAll
    static void close() {
        enc.close();
    }

    private static List<BigInteger> plaintexts(BigInteger n, SecureRandom rnd, int random) {
        List<BigInteger> ms = new ArrayList<>(List.of(BigInteger.ZERO, BigInteger.ONE, BigInteger.TWO,
                n.subtract(BigInteger.ONE), n.subtract(BigInteger.TWO), n.shiftRight(1), n.shiftRight(1).add(BigInteger.ONE)));
        for (int i = 0; i < random; i++) ms.add(new BigInteger(n.bitLength() + 32, rnd).mod(n));
        for (int bits = 1; bits < n.bitLength(); bits += 97) ms.add(new BigInteger(bits, rnd));
        return ms;
    }

    @Test
    void decryptInvertsEncryptIncludingZeroOneAndNMinusOne() {
        for (BigInteger m : plaintexts(kp.pub().n(), Keys.seeded(3), 200)) {
            assertEquals(m, dec.decrypt(enc.encrypt(m)), () -> "m = " + m);
        }
    }

    @Test
    void encryptionWithoutBackgroundThreadAndShortExponentVariantsDecrypt() {
        SecureRandom rnd = Keys.seeded(4);
        Encryptor.Options[] variants = {
            Encryptor.Options.withoutBackgroundThread(),
            new Encryptor.Options(0, 300, 5),
            new Encryptor.Options(4, 1024, 11),
        };
        for (Encryptor.Options o : variants) {
            try (Encryptor e = new Encryptor(kp.pub(), rnd, o)) {
                for (BigInteger m : plaintexts(kp.pub().n(), rnd, 20)) assertEquals(m, dec.decrypt(e.encrypt(m)), o::toString);
            }
        }
    }

    @Test
    void twoEncryptionsOfTheSamePlaintextDiffer() {
        BigInteger m = BigInteger.valueOf(42);
        BigInteger c1 = enc.encrypt(m);
        BigInteger c2 = enc.encrypt(m);
        assertNotEquals(c1, c2);
        assertNotEquals(enc.encrypt(BigInteger.ZERO), enc.encrypt(BigInteger.ZERO));
        BigInteger c3 = enc.rerandomize(c1);
        assertNotEquals(c1, c3);
        assertEquals(m, dec.decrypt(c3));
    }

    @Test
    void ciphertextsAreUnitsBelowNSquared() {
        for (int i = 0; i < 20; i++) {
            BigInteger c = enc.encrypt(BigInteger.valueOf(i));
            assertTrue(c.signum() > 0 && c.compareTo(kp.pub().nSquared()) < 0);
            assertEquals(BigInteger.ONE, c.gcd(kp.pub().n()));
            assertTrue(c.toByteArray().length <= kp.pub().ciphertextBytes() + 1);
        }
    }

    @Test
    void backgroundPoolRefillsAndStopsOnClose() throws InterruptedException {
        Encryptor e = new Encryptor(kp.pub(), Keys.seeded(5), new Encryptor.Options(8, 0, 0));
        long deadline = System.currentTimeMillis() + 20_000;
        while (e.pool().available() < 8 && System.currentTimeMillis() < deadline) Thread.sleep(10);
        assertEquals(8, e.pool().available());
        for (int i = 0; i < 8; i++) assertEquals(BigInteger.valueOf(i), dec.decrypt(e.encrypt(BigInteger.valueOf(i))));
        e.close();
        deadline = System.currentTimeMillis() + 5_000;
        while (e.pool().refilling() && System.currentTimeMillis() < deadline) Thread.sleep(10);
        assertTrue(!e.pool().refilling());
        // still usable after close, computing randomness on the caller's thread
        assertEquals(BigInteger.TEN, dec.decrypt(e.encrypt(BigInteger.TEN)));
    }

    @Test
    void encryptAllAndDecryptAllKeepOrder() {
        List<BigInteger> list = plaintexts(kp.pub().n(), Keys.seeded(6), 50);
        BigInteger[] ms = list.toArray(BigInteger[]::new);
        assertArrayEquals(ms, dec.decryptAll(enc.encryptAll(ms)));
    }

    @Test
    void plaintextsOutsideZeroToNAreRefused() {
        BigInteger n = kp.pub().n();
        for (BigInteger m : new BigInteger[] {n, n.add(BigInteger.ONE), BigInteger.ONE.negate()}) {
            MeshflException e = assertThrows(MeshflException.class, () -> enc.encrypt(m));
            assertEquals(ErrorCode.CRYPTO_FAILURE, e.code());
        }
    }

    @Test
    void decryptRejectsZeroNSquaredAndMultiplesOfAPrime() {
        BigInteger n2 = kp.pub().nSquared();
        BigInteger p = kp.priv().p;
        for (BigInteger c : new BigInteger[] {BigInteger.ZERO, n2, n2.add(BigInteger.ONE), BigInteger.ONE.negate()}) {
            MeshflException e = assertThrows(MeshflException.class, () -> dec.decrypt(c));
            assertEquals(ErrorCode.CRYPTO_FAILURE, e.code());
            assertTrue(e.getMessage().contains("tampered or foreign ciphertext"), e.getMessage());
        }
        BigInteger c = enc.encrypt(BigInteger.valueOf(5));
        for (BigInteger tampered : new BigInteger[] {p, p.multiply(BigInteger.valueOf(12345)), c.multiply(kp.priv().q).mod(n2), kp.pub().n()}) {
            MeshflException e = assertThrows(MeshflException.class, () -> dec.decrypt(tampered));
            assertEquals("ciphertext is not a unit mod n^2: tampered or foreign ciphertext", e.getMessage());
        }
    }

    @Test
    void ciphertextOfAnotherKeyDoesNotDecryptToItsPlaintext() {
        PaillierKeyPair other = Keys.of(1024, 2);
        try (Encryptor e2 = new Encryptor(other.pub(), Keys.seeded(8), Encryptor.Options.withoutBackgroundThread())) {
            SecureRandom rnd = Keys.seeded(9);
            for (int i = 0; i < 20; i++) {
                BigInteger m = new BigInteger(64, rnd);
                BigInteger foreign = e2.encrypt(m);
                try {
                    assertNotEquals(m, dec.decrypt(foreign));
                } catch (MeshflException refused) {
                    assertEquals(ErrorCode.CRYPTO_FAILURE, refused.code());
                }
            }
        }
    }

    @Test
    void optionsAreValidatedWithTheFieldNamed() {
        assertTrue(assertThrows(MeshflException.class, () -> new Encryptor.Options(-1, 0, 0)).getMessage().startsWith("poolSize"));
        assertTrue(assertThrows(MeshflException.class, () -> new Encryptor.Options(0, 64, 0)).getMessage().startsWith("shortExponentBits"));
        assertTrue(assertThrows(MeshflException.class, () -> new Encryptor.Options(0, 0, 13)).getMessage().startsWith("windowBits"));
        assertThrows(MeshflException.class, () -> new Encryptor(kp.pub(), Keys.seeded(1), new Encryptor.Options(0, 2048, 0)));
    }

    @Test
    void keyOf2048BitsRoundTrips() {
        PaillierKeyPair big = Keys.of(2048, 21);
        assertEquals(2048, big.pub().bits());
        Decryptor d = new Decryptor(big.priv());
        try (Encryptor e = new Encryptor(big.pub(), Keys.seeded(22), Encryptor.Options.withoutBackgroundThread())) {
            for (BigInteger m : plaintexts(big.pub().n(), Keys.seeded(23), 5)) assertEquals(m, d.decrypt(e.encrypt(m)));
        }
    }
}

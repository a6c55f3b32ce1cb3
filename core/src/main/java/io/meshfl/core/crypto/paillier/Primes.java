package io.meshfl.core.crypto.paillier;

import java.math.BigInteger;
import java.security.SecureRandom;
import java.util.Arrays;

/** Random primes with the top two bits set and p = 3 mod 4, found by a sieved incremental search. */
final class Primes {
    /** Miller-Rabin rounds plus a Lucas test inside BigInteger; error below 2^-100. */
    private static final int CERTAINTY = 128;
    private static final int WINDOW = 1 << 13;
    private static final int[] SMALL = smallOddPrimes(1 << 14);
    private static final int[] INV4 = inversesOfFour(SMALL);

    private Primes() {
    }

    /**
     * A prime of exactly {@code bits} bits whose second-highest bit is set too, so that the product
     * of two such primes has exactly 2*bits bits; p = 3 mod 4 makes -1 a non-residue, as the
     * Damgard-Jurik-Nielsen randomness h = -x^2 assumes.
     */
    static BigInteger random(int bits, SecureRandom rnd) {
        while (true) {
            BigInteger start = new BigInteger(bits, rnd).setBit(bits - 1).setBit(bits - 2).setBit(1).setBit(0);
            // candidates are start + 4j; cross off those with a small factor before the costly test
            boolean[] composite = new boolean[WINDOW];
            for (int i = 0; i < SMALL.length; i++) {
                int p = SMALL[i];
                int r = start.mod(BigInteger.valueOf(p)).intValue();
                long j = (long) ((p - r) % p) * INV4[i] % p;
                for (; j < WINDOW; j += p) composite[(int) j] = true;
            }
            for (int j = 0; j < WINDOW; j++) {
                if (composite[j]) continue;
                BigInteger c = start.add(BigInteger.valueOf(4L * j));
                if (c.bitLength() != bits || !c.testBit(bits - 2)) break;
                if (c.isProbablePrime(CERTAINTY)) return c;
            }
        }
    }

    private static int[] inversesOfFour(int[] primes) {
        int[] out = new int[primes.length];
        for (int i = 0; i < primes.length; i++) {
            out[i] = BigInteger.valueOf(4).modInverse(BigInteger.valueOf(primes[i])).intValue();
        }
        return out;
    }

    private static int[] smallOddPrimes(int limit) {
        boolean[] comp = new boolean[limit];
        int[] out = new int[limit];
        int count = 0;
        for (int i = 3; i < limit; i += 2) {
            if (comp[i]) continue;
            out[count++] = i;
            for (long j = (long) i * i; j < limit; j += 2L * i) comp[(int) j] = true;
        }
        return Arrays.copyOf(out, count);
    }
}

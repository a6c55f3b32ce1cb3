package io.meshfl.core.crypto.paillier;

import io.meshfl.core.crypto.paillier.ModNSquared.Residue;
import java.security.SecureRandom;
import java.util.stream.IntStream;

/**
 * Powers of one fixed base for exponents of a fixed length: entry [i][d] holds
 * base^(d * 2^(w*i)) for every w-bit digit d. An exponent of s bits then costs about s/w
 * multiplications and no squarings, against roughly s squarings for a plain exponentiation.
 * Memory is (s/w) * (2^w - 1) residues: about 20 MB at w = 8 for a 1024-bit exponent modulo a 4096-bit n^2.
 */
final class FixedBaseTable {
    private final ModNSquared mod;
    private final int exponentBits;
    private final int window;
    private final Residue[][] table;

    FixedBaseTable(Residue base, int exponentBits, int window, ModNSquared mod) {
        this.mod = mod;
        this.exponentBits = exponentBits;
        this.window = window;
        int rows = (exponentBits + window - 1) / window;
        Residue[] rowBase = new Residue[rows];
        rowBase[0] = base;
        for (int i = 1; i < rows; i++) rowBase[i] = mod.squareTimes(rowBase[i - 1], window);
        this.table = new Residue[rows][];
        // rows are independent once their bases are known; building them in parallel halves start-up on two cores
        IntStream.range(0, rows).parallel().forEach(i -> {
            Residue[] row = new Residue[1 << window];
            row[1] = rowBase[i];
            for (int d = 2; d < row.length; d++) row[d] = mod.mul(row[d - 1], rowBase[i]);
            table[i] = row;
        });
    }

    int exponentBits() {
        return exponentBits;
    }

    /** base^e for 0 <= e < 2^exponentBits, given as little-endian 64-bit words. */
    Residue pow(long[] e) {
        Residue acc = null;
        for (int i = 0; i < table.length; i++) {
            int d = MultiExp.digit(e, i * window, window);
            if (d == 0) continue;
            acc = acc == null ? table[i][d] : mod.mul(acc, table[i][d]);
        }
        return acc == null ? ModNSquared.ONE : acc;
    }

    /** base^a for a uniformly random exponent a of exponentBits bits. */
    Residue randomPower(SecureRandom rnd) {
        long[] a = new long[(exponentBits + 63) / 64];
        for (int i = 0; i < a.length; i++) a[i] = rnd.nextLong();
        int spare = a.length * 64 - exponentBits;
        if (spare > 0) a[a.length - 1] >>>= spare;
        return pow(a);
    }
}

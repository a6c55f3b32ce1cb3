package io.meshfl.core.protocol.boost;

import io.meshfl.core.ErrorCode;
import io.meshfl.core.MeshflException;
import io.meshfl.core.crypto.paillier.CipherSums;
import io.meshfl.core.crypto.paillier.Decryptor;
import io.meshfl.core.crypto.paillier.Encryptor;
import io.meshfl.core.crypto.paillier.PaillierKeyPair;
import org.junit.jupiter.api.Test;

import java.math.BigInteger;
import java.security.SecureRandom;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

class GhCodecTest {

    private static final PaillierKeyPair KEYS = PaillierKeyPair.generate(1024, new SecureRandom());

    @Test
    void encryptedBucketSumsDecodeToExactSignedGradientAndHessianSums() {
        Random rnd = new Random(1);
        int n = 200;
        long[] g = new long[n], h = new long[n];
        BigInteger[] plain = new BigInteger[n];
        BigInteger nn = KEYS.pub().n();
        for (int i = 0; i < n; i++) {
            g[i] = (long) ((rnd.nextDouble() * 2 - 1) * (1L << 52));
            h[i] = (long) (rnd.nextDouble() * 0.25 * (1L << 52));
            plain[i] = GhCodec.encode(g[i], h[i], nn);
        }
        BigInteger[] ct;
        try (Encryptor enc = new Encryptor(KEYS.pub(), new SecureRandom())) {
            ct = enc.encryptAll(plain);
        }
        byte[][] bucket = new byte[1][n];
        int[] rows = new int[n];
        long[] gs = new long[3], hs = new long[3];
        for (int i = 0; i < n; i++) {
            rows[i] = i;
            bucket[0][i] = (byte) (i % 3);
            gs[i % 3] += g[i];
            hs[i % 3] += h[i];
        }
        BigInteger[][] sums = new CipherSums(KEYS.pub(), ct).sums(rows, bucket, 3);
        Decryptor dec = new Decryptor(KEYS.priv());
        for (int b = 0; b < 3; b++) {
            assertArrayEquals(new long[]{gs[b], hs[b]}, GhCodec.decode(dec.decrypt(sums[0][b]), nn));
        }
    }

    @Test
    void negativeTotalsSurviveTheModulus() {
        BigInteger nn = KEYS.pub().n();
        BigInteger sum = GhCodec.encode(-5, 7, nn).add(GhCodec.encode(-3, 1, nn)).mod(nn);
        assertArrayEquals(new long[]{-8, 8}, GhCodec.decode(sum, nn));
    }

    @Test
    void aDecryptionFarFromAnyGradientSumIsRefused() {
        BigInteger nn = KEYS.pub().n();
        var e = assertThrows(MeshflException.class, () -> GhCodec.decode(nn.shiftRight(2), nn));
        assertEquals(ErrorCode.CRYPTO_FAILURE, e.code());
    }
}

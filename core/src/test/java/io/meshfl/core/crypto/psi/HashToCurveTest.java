package io.meshfl.core.crypto.psi;

import io.meshfl.core.ErrorCode;
import io.meshfl.core.MeshflException;
import org.bouncycastle.math.ec.rfc7748.X25519Field;
import org.junit.jupiter.api.Test;

import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.util.HashSet;
import java.util.HexFormat;
import java.util.Random;
import java.util.Set;

import static io.meshfl.core.crypto.psi.Curve25519Reference.P;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class HashToCurveTest {
    /** RFC 9380 appendix J.7.2, curve25519_XMD:SHA-512_ELL2_NU_: message, u[0], Q.x, P.x (big-endian hex). */
    private static final String[][] RFC_VECTORS = {
            {"", "608d892b641f0328523802a6603427c26e55e6f27e71a91a478148d45b5093cd",
                    "51125222da5e763d97f3c10fcc92ea6860b9ccbbd2eb1285728f566721c1e65b",
                    "1bb913f0c9daefa0b3375378ffa534bda5526c97391952a7789eb976edfe4d08"},
            {"abc", "46f5b22494bfeaa7f232cc8d054be68561af50230234d7d1d63d1d9abeca8da5",
                    "7d56d1e08cb0ccb92baf069c18c49bb5a0dcd927eff8dcf75ca921ef7f3e6eeb",
                    "7c22950b7d900fa866334262fcaea47a441a578df43b894b4625c9b450f9a026"},
            {"abcdef0123456789", "235fe40c443766ce7e18111c33862d66c3b33267efa50d50f9e8e5d252a40aaa",
                    "3fbe66b9c9883d79e8407150e7c2a1c8680bee496c62fabe4619a72b3cabe90f",
                    "31ad08a8b0deeb2a4d8b0206ca25f567ab4e042746f792f4b7973f3ae2096c52"},
            {"q128_" + "q".repeat(128), "001e92a544463bda9bd04ddbe3d6eed248f82de32f522669efc5ddce95f46f5b",
                    "227e0bb89de700385d19ec40e857db6e6a3e634b1c32962f370d26f84ff19683",
                    "027877759d155b1997d0d84683a313eb78bdb493271d935b622900459d52ceaa"},
            {"a512_" + "a".repeat(512), "1a68a1af9f663592291af987203393f707305c7bac9c8d63d6a729bdc553dc19",
                    "3bcd651ee54d5f7b6013898aab251ee8ecc0688166fce6e9548d38472f6bd196",
                    "5fd892c0958d1a75f54c3182a18d286efab784e774d1e017ba2fb252998b5dc1"},
    };

    @Test
    void aBatchWithOneInversionGivesEveryKeysPointAsHashingItAloneDoes() {
        HashToCurve h = new HashToCurve("QUUX-V01-CS02-with-curve25519_XMD:SHA-512_ELL2_NU_".getBytes(StandardCharsets.US_ASCII));
        HashToCurve.Scratch s = new HashToCurve.Scratch();
        Random rng = new Random(4);
        for (int count : new int[]{1, 2, 7, HashToCurve.BATCH}) {
            byte[][] msgs = new byte[count][];
            for (int i = 0; i < count; i++) {
                msgs[i] = i < RFC_VECTORS.length ? RFC_VECTORS[i][0].getBytes(StandardCharsets.US_ASCII) : new byte[rng.nextInt(40)];
                if (i >= RFC_VECTORS.length) rng.nextBytes(msgs[i]);
                h.prepare(s, msgs[i], 0, msgs[i].length, i);
            }
            byte[] batch = new byte[32 * count];
            HashToCurve.finishBatch(s, count, batch, 0);
            for (int i = 0; i < count; i++) {
                byte[] alone = new byte[32];
                h.hash(new HashToCurve.Scratch(), msgs[i], 0, msgs[i].length, alone, 0);
                assertArrayEquals(alone, java.util.Arrays.copyOfRange(batch, 32 * i, 32 * i + 32), "key " + i + " of " + count);
            }
        }
    }

    @Test
    void matchesRfc9380TestVectors() {
        HashToCurve h = new HashToCurve("QUUX-V01-CS02-with-curve25519_XMD:SHA-512_ELL2_NU_".getBytes(StandardCharsets.US_ASCII));
        HashToCurve.Scratch s = new HashToCurve.Scratch();
        for (String[] v : RFC_VECTORS) {
            byte[] msg = v[0].getBytes(StandardCharsets.US_ASCII);
            int[] r = X25519Field.create();
            h.hashToField(s, msg, 0, msg.length, r);
            assertEquals(new BigInteger(v[1], 16), fieldToBig(r), "u[0] of '" + v[0] + "'");

            byte[] q = new byte[32];
            h.hash(s, msg, 0, msg.length, q, 0);
            BigInteger qx = Curve25519Reference.fromLittleEndian(q, 0);
            assertEquals(new BigInteger(v[2], 16), qx, "Q.x of '" + v[0] + "'");
            BigInteger px = Curve25519Reference.dbl(Curve25519Reference.dbl(Curve25519Reference.dbl(qx)));
            assertEquals(new BigInteger(v[3], 16), px, "P.x = (8Q).x of '" + v[0] + "'");
        }
    }

    @Test
    void mapAgreesWithReferenceAndLandsOnTheCurve() {
        Random rnd = new Random(7);
        HashToCurve.Scratch s = new HashToCurve.Scratch();
        BigInteger[] special = {BigInteger.ZERO, BigInteger.ONE, BigInteger.TWO, P.subtract(BigInteger.ONE),
                P.subtract(BigInteger.TWO), Curve25519Reference.A};
        int squares = 0;
        for (int i = 0; i < 600; i++) {
            BigInteger r = i < special.length ? special[i] : new BigInteger(255, rnd).mod(P);
            int[] fr = X25519Field.create();
            X25519Field.decode(Curve25519Reference.toLittleEndian(r), 0, fr);
            byte[] out = new byte[32];
            HashToCurve.map(s, fr, out, 0);
            BigInteger x = Curve25519Reference.fromLittleEndian(out, 0);
            BigInteger expected = Curve25519Reference.elligator2(r);
            assertEquals(expected, x, "map of r = " + r);
            assertTrue(Curve25519Reference.isSquare(Curve25519Reference.g(x)), "on the curve for r = " + r);
            if (expected.equals(Curve25519Reference.A.negate().multiply(
                    BigInteger.ONE.add(BigInteger.TWO.multiply(r.pow(2))).modInverse(P)).mod(P))) {
                squares++;
            }
        }
        // both branches of the map are exercised
        assertTrue(squares > 100 && squares < 500, "x1 branch taken " + squares + " times of 600");
    }

    @Test
    void isSquareAgreesWithEulerCriterion() {
        Random rnd = new Random(11);
        HashToCurve.Scratch s = new HashToCurve.Scratch();
        for (int i = 0; i < 300; i++) {
            BigInteger z = i == 0 ? BigInteger.ZERO : new BigInteger(255, rnd).mod(P);
            int[] fz = X25519Field.create();
            X25519Field.decode(Curve25519Reference.toLittleEndian(z), 0, fz);
            assertEquals(Curve25519Reference.isSquare(z) ? -1 : 0, HashToCurve.isSquare(s, fz), "z = " + z);
        }
    }

    @Test
    void sameKeySamePointDifferentKeysDifferentPoints() {
        byte[] a = new byte[32];
        byte[] b = new byte[32];
        HashToCurve.hash("customer-42".getBytes(StandardCharsets.UTF_8), a, 0);
        HashToCurve.hash("customer-42".getBytes(StandardCharsets.UTF_8), b, 0);
        assertArrayEquals(a, b);

        Set<String> seen = new HashSet<>();
        byte[] buf = new byte[64];
        for (int i = 0; i < 2000; i++) {
            HashToCurve.hash(("k" + i).getBytes(StandardCharsets.UTF_8), buf, 32);
            assertTrue(seen.add(HexFormat.of().formatHex(buf, 32, 64)), "collision at key " + i);
        }
        HashToCurve.hash("é".getBytes(StandardCharsets.UTF_8), a, 0);
        HashToCurve.hash("e\u0301".getBytes(StandardCharsets.UTF_8), b, 0);
        assertFalse(java.util.Arrays.equals(a, b), "keys are compared as bytes, not as normalised text");
    }

    @Test
    void domainTagSeparatesHashes() {
        byte[] msg = "x".getBytes(StandardCharsets.UTF_8);
        byte[] a = new byte[32];
        byte[] b = new byte[32];
        HashToCurve.hash(msg, a, 0);
        new HashToCurve("OTHER-TAG".getBytes(StandardCharsets.US_ASCII)).hash(new HashToCurve.Scratch(), msg, 0, 1, b, 0);
        assertFalse(java.util.Arrays.equals(a, b));
    }

    @Test
    void refusesBadArguments() {
        MeshflException e = assertThrows(MeshflException.class, () -> HashToCurve.hash(null, new byte[32], 0));
        assertEquals(ErrorCode.CRYPTO_FAILURE, e.code());
        assertThrows(MeshflException.class, () -> HashToCurve.hash(new byte[1], new byte[40], 9));
        assertThrows(MeshflException.class, () -> HashToCurve.hash(new byte[1], null, 0));
    }

    private static BigInteger fieldToBig(int[] x) {
        int[] c = X25519Field.create();
        X25519Field.copy(x, 0, c, 0);
        X25519Field.normalize(c);
        byte[] b = new byte[32];
        X25519Field.encode(c, b, 0);
        return Curve25519Reference.fromLittleEndian(b, 0);
    }
}

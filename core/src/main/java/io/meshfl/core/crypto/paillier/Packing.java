package io.meshfl.core.crypto.paillier;

import static io.meshfl.core.ErrorCode.CRYPTO_FAILURE;

import io.meshfl.core.MeshflException;
import java.math.BigInteger;

/**
 * Several non-negative integers in one plaintext: slot i occupies bits [i*slotBits, (i+1)*slotBits).
 * Values must be below 2^(slotBits - headroomBits); the headroom absorbs carries, so up to
 * 2^headroomBits packed plaintexts (or a multiplier up to that size) can be added homomorphically
 * and still unpack slot by slot. All slots together stay below 2^(bits - 1) < n, so nothing wraps.
 */
public final class Packing {
    public static final int DEFAULT_HEADROOM_BITS = 16;

    private final int slotBits;
    private final int headroomBits;
    private final int slots;
    private final long slotMask;

    public Packing(PaillierPublicKey pk, int slotBits) {
        this(pk, slotBits, DEFAULT_HEADROOM_BITS);
    }

    public Packing(PaillierPublicKey pk, int slotBits, int headroomBits) {
        if (slotBits < 2 || slotBits > 63) {
            throw new MeshflException(CRYPTO_FAILURE, "slotBits " + slotBits + ": allowed 2..63");
        }
        if (headroomBits < 0 || headroomBits >= slotBits) {
            throw new MeshflException(CRYPTO_FAILURE, "headroomBits " + headroomBits + ": allowed 0.." + (slotBits - 1));
        }
        this.slotBits = slotBits;
        this.headroomBits = headroomBits;
        this.slots = (pk.bits() - 1) / slotBits;
        this.slotMask = (1L << slotBits) - 1;
    }

    /** How many values fit in one plaintext. */
    public int slots() {
        return slots;
    }

    public int slotBits() {
        return slotBits;
    }

    /** Bits a packed value may use: slotBits - headroomBits. */
    public int valueBits() {
        return slotBits - headroomBits;
    }

    /** How many packed plaintexts can be summed before a slot could overflow into the next. */
    public long maxAdditions() {
        return 1L << headroomBits;
    }

    /** Plaintexts needed for count values. */
    public int plaintextsFor(int count) {
        return (count + slots - 1) / slots;
    }

    /** Packs up to slots() values, each in [0, 2^valueBits()). */
    public BigInteger pack(long[] values) {
        if (values.length > slots) {
            throw new MeshflException(CRYPTO_FAILURE, values.length + " values do not fit in " + slots + " slots");
        }
        long max = 1L << valueBits();
        BigInteger m = BigInteger.ZERO;
        for (int i = values.length - 1; i >= 0; i--) {
            if (values[i] < 0 || values[i] >= max) {
                throw new MeshflException(CRYPTO_FAILURE, "packed value " + values[i] + " at slot " + i
                        + ": allowed 0..2^" + valueBits() + "-1");
            }
            m = m.shiftLeft(slotBits).or(BigInteger.valueOf(values[i]));
        }
        return m;
    }

    /** The first count slots of a (decrypted) packed plaintext. */
    public long[] unpack(BigInteger m, int count) {
        if (count < 0 || count > slots) {
            throw new MeshflException(CRYPTO_FAILURE, "cannot unpack " + count + " values from " + slots + " slots");
        }
        if (m.signum() < 0 || m.bitLength() > slots * slotBits) {
            throw new MeshflException(CRYPTO_FAILURE, "plaintext is not a packing of " + slots + " slots of " + slotBits + " bits");
        }
        long[] out = new long[count];
        long[] words = MultiExp.words(m);
        for (int i = 0; i < count; i++) {
            long v = 0;
            for (int b = 0; b < slotBits; b += 31) {
                int width = Math.min(31, slotBits - b);
                v |= (long) MultiExp.digit(words, i * slotBits + b, width) << b;
            }
            out[i] = v & slotMask;
        }
        return out;
    }
}

package io.meshfl.core.crypto.bigint;

import com.sun.jna.Memory;
import com.sun.jna.Native;
import com.sun.jna.NativeLibrary;
import com.sun.jna.Pointer;

import java.math.BigInteger;

/**
 * {@code mpz_powm_sec} of GMP (libgmp.so.10), bound through JNA's direct mapping. Numbers cross as
 * big-endian magnitudes ({@code mpz_import} / {@code mpz_export}); each thread keeps its four
 * {@code mpz_t} for the life of the thread, so a call allocates nothing native.
 */
public final class GmpModPow implements ModPow {

    /** sizeof(mpz_t) on LP64: int alloc, int size, mp_limb_t* d. */
    private static final int MPZ_BYTES = 16;
    private static final ThreadLocal<Pointer[]> MPZ = ThreadLocal.withInitial(() -> {
        Pointer[] z = new Pointer[4];
        for (int i = 0; i < z.length; i++) {
            z[i] = new Memory(MPZ_BYTES);
            Binding.__gmpz_init(z[i]);
        }
        return z;
    });
    private static GmpModPow loaded;
    private static String failure;
    private static boolean tried;

    private final String version;

    private GmpModPow(String version) {
        this.version = version;
    }

    /** The native engine, or null (see {@link #failure()}) where libgmp cannot be loaded or gives a wrong power. */
    static synchronized GmpModPow load() {
        if (tried) return loaded;
        tried = true;
        try {
            NativeLibrary lib = NativeLibrary.getInstance("gmp");
            Native.register(Binding.class, lib);
            String version = lib.getGlobalVariableAddress("__gmp_version").getPointer(0).getString(0);
            GmpModPow g = new GmpModPow(version);
            // a known power before use: 3^(2^127 - 1) mod (2^521 - 1), against BigInteger
            BigInteger m = BigInteger.TWO.pow(521).subtract(BigInteger.ONE);
            BigInteger e = BigInteger.TWO.pow(127).subtract(BigInteger.ONE);
            if (!g.modPow(BigInteger.valueOf(3), e, m).equals(BigInteger.valueOf(3).modPow(e, m))) {
                failure = "GMP " + version + " gives a wrong power";
                return null;
            }
            loaded = g;
            return g;
        } catch (UnsatisfiedLinkError | NoClassDefFoundError | IllegalArgumentException e) {
            failure = "the library is not installed or cannot be loaded (Debian: apt-get install libgmp10)";
            return null;
        }
    }

    /** Why {@link #load()} gave null. */
    static synchronized String failure() {
        return failure;
    }

    @Override
    public BigInteger modPow(BigInteger base, BigInteger exp, BigInteger mod) {
        if (mod.signum() <= 0 || !mod.testBit(0) || exp.signum() <= 0 || base.signum() < 0 || base.compareTo(mod) >= 0) {
            // mpz_powm_sec needs an odd modulus and a positive exponent; the rest is BigInteger's
            return base.modPow(exp, mod);
        }
        Pointer[] z = MPZ.get();
        put(z[0], base);
        put(z[1], exp);
        put(z[2], mod);
        Binding.__gmpz_powm_sec(z[3], z[0], z[1], z[2]);
        byte[] out = new byte[(mod.bitLength() + 7) / 8];
        long[] count = new long[1];
        Binding.__gmpz_export(out, count, 1, 1, 1, 0, z[3]);
        // export writes count bytes from the start, most significant first
        return count[0] == out.length ? new BigInteger(1, out) : new BigInteger(1, out, 0, (int) count[0]);
    }

    private static void put(Pointer z, BigInteger v) {
        byte[] b = v.toByteArray(); // big-endian two's complement of a non-negative value: a leading 0 at most
        Binding.__gmpz_import(z, b.length, 1, 1, 1, 0, b);
    }

    @Override
    public String name() {
        return "GMP " + version + " mpz_powm_sec (native)";
    }

    /** The GMP functions used (their exported names; mpz_* are macros for them), by JNA's direct mapping. */
    static final class Binding {
        static native void __gmpz_init(Pointer x);

        static native void __gmpz_import(Pointer rop, long count, int order, long size, int endian, long nails, byte[] op);

        static native Pointer __gmpz_export(byte[] rop, long[] countp, int order, long size, int endian, long nails, Pointer op);

        static native void __gmpz_powm_sec(Pointer rop, Pointer base, Pointer exp, Pointer mod);

        private Binding() {
        }
    }
}

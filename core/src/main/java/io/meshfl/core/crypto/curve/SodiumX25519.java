package io.meshfl.core.crypto.curve;

import com.sun.jna.Native;
import com.sun.jna.NativeLibrary;

/**
 * X25519 by libsodium's {@code crypto_scalarmult_curve25519}, bound through JNA's direct mapping.
 * libsodium refuses a small-order point with -1 and may leave the output unwritten; this engine
 * then writes the all-zero result BouncyCastle gives, so callers see one behaviour.
 */
public final class SodiumX25519 implements X25519Engine {

    private static final ThreadLocal<byte[][]> SCRATCH = ThreadLocal.withInitial(() -> new byte[][]{new byte[32], new byte[32], new byte[32]});
    private static volatile SodiumX25519 loaded;
    private static volatile String failure;
    private static boolean tried;

    private final String version;

    private SodiumX25519(String version) {
        this.version = version;
    }

    /** The native engine, or null (see {@link #failure()}) when libsodium cannot be loaded or fails the test vector. */
    static synchronized SodiumX25519 load() {
        if (tried) return loaded;
        tried = true;
        try {
            NativeLibrary lib = NativeLibrary.getInstance("sodium");
            Native.register(Binding.class, lib);
            if (Binding.sodium_init() < 0) {
                failure = "sodium_init failed";
                return null;
            }
            SodiumX25519 e = new SodiumX25519(Binding.sodium_version_string());
            if (!X25519Engine.passesTestVector(e)) {
                failure = "libsodium " + e.version + " does not give RFC 7748's test vector";
                return null;
            }
            loaded = e;
            return e;
        } catch (UnsatisfiedLinkError | NoClassDefFoundError | IllegalArgumentException e) {
            failure = "the library is not installed or cannot be loaded (Debian: apt-get install libsodium23)";
            return null;
        }
    }

    /** Why {@link #load()} gave null. */
    static String failure() {
        return failure;
    }

    @Override
    public void scalarMult(byte[] k, int kOff, byte[] u, int uOff, byte[] out, int outOff) {
        byte[][] s = SCRATCH.get();
        byte[] q = s[0], n = s[1], p = s[2];
        System.arraycopy(k, kOff, n, 0, 32);
        System.arraycopy(u, uOff, p, 0, 32);
        if (Binding.crypto_scalarmult_curve25519(q, n, p) != 0) {
            java.util.Arrays.fill(out, outOff, outOff + 32, (byte) 0);
            return;
        }
        System.arraycopy(q, 0, out, outOff, 32);
    }

    @Override
    public String name() {
        return "libsodium " + version + " (native)";
    }

    /** The three functions used, by JNA's direct mapping (no per-call reflection). */
    static final class Binding {
        static native int sodium_init();

        static native String sodium_version_string();

        static native int crypto_scalarmult_curve25519(byte[] q, byte[] n, byte[] p);

        private Binding() {
        }
    }
}

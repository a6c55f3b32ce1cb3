package io.meshfl.core.crypto.curve;

import io.meshfl.core.crypto.NativeChoice;

import java.util.HexFormat;

/**
 * X25519 scalar multiplication (RFC 7748: the scalar clamped, the u-coordinate's top bit masked),
 * by libsodium through JNA where the library is installed (about twice BouncyCastle's speed on
 * x86-64) and by BouncyCastle otherwise. Both give the same bytes for every input, the all-zero
 * result of a small-order point included; a native library whose answer to RFC 7748's test vectors
 * differs is not used. The engine is chosen once per JVM: {@code -Dmeshfl.x25519} or
 * {@code MESHFL_X25519} = {@code auto} (default), {@code sodium} (required: an error when absent)
 * or {@code bouncycastle}; {@link #choice()} says which and why, for the node's log.
 */
public sealed interface X25519Engine permits BouncyCastleX25519, SodiumX25519 {

    /** Writes {@code k * u} to {@code out[outOff, outOff + 32)}; all zero when {@code u} has small order. */
    void scalarMult(byte[] k, int kOff, byte[] u, int uOff, byte[] out, int outOff);

    /**
     * RFC 7748 section 6.1's key agreement: {@code k * u} into {@code out[0, 32)}; false when it is
     * all zero (a small-order peer key), checked without branching on the bytes.
     */
    default boolean agree(byte[] k, int kOff, byte[] u, int uOff, byte[] out, int outOff) {
        scalarMult(k, kOff, u, uOff, out, outOff);
        int acc = 0;
        for (int i = 0; i < 32; i++) acc |= out[outOff + i];
        return acc != 0;
    }

    /** What computes it, e.g. "libsodium 1.0.18 (native)". */
    String name();

    /** The engine of this JVM. */
    static X25519Engine get() {
        return CHOSEN.get().engine();
    }

    /** One line: the engine and, when it is the fallback, why. */
    static String choice() {
        return CHOSEN.get().why();
    }

    /** The engine a setting asks for: auto, sodium or bouncycastle; the reason comes with it. */
    static NativeChoice.Choice<X25519Engine> choose(String setting) {
        return OPTIONS.choose(setting);
    }

    /** libsodium, or BouncyCastle; the setting meshfl.x25519. */
    NativeChoice.Options<X25519Engine> OPTIONS = new NativeChoice.Options<>("meshfl.x25519", "X25519", "libsodium", "sodium",
            "bouncycastle", () -> BouncyCastleX25519.INSTANCE, SodiumX25519::load, SodiumX25519::failure, X25519Engine::name);

    /** This JVM's choice, from -Dmeshfl.x25519 or MESHFL_X25519. */
    NativeChoice.Once<X25519Engine> CHOSEN = new NativeChoice.Once<>(OPTIONS, "MESHFL_X25519");

    /** RFC 7748 section 5.2's second test vector: a native engine must give exactly this. */
    static boolean passesTestVector(X25519Engine e) {
        HexFormat hex = HexFormat.of();
        byte[] k = hex.parseHex("4b66e9d4d1b4673c5ad22691957d6af5c11b6421e0ea01d42ca4169e7918ba0d");
        byte[] u = hex.parseHex("e5210f12786811d3f4b7959d0538ae2c31dbe7106fc03c3efc4cd549c715a493");
        byte[] want = hex.parseHex("95cbde9476e8907d7aade45cb4b873f88b595a68799fa152e6f8f7647aac7957");
        byte[] out = new byte[32];
        e.scalarMult(k, 0, u, 0, out, 0);
        return java.util.Arrays.equals(out, want);
    }
}

package io.meshfl.core.crypto.curve;

import org.bouncycastle.math.ec.rfc7748.X25519;

/** X25519 in pure Java: BouncyCastle's RFC 7748 implementation, always available. */
public final class BouncyCastleX25519 implements X25519Engine {

    /** The one instance. */
    public static final BouncyCastleX25519 INSTANCE = new BouncyCastleX25519();

    private BouncyCastleX25519() {
    }

    @Override
    public void scalarMult(byte[] k, int kOff, byte[] u, int uOff, byte[] out, int outOff) {
        X25519.scalarMult(k, kOff, u, uOff, out, outOff);
    }

    @Override
    public String name() {
        return "BouncyCastle (Java)";
    }
}

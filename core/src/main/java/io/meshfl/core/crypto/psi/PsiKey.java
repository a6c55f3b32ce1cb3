package io.meshfl.core.crypto.psi;

import io.meshfl.core.ErrorCode;
import io.meshfl.core.MeshflException;
import org.bouncycastle.math.ec.rfc7748.X25519;

import javax.security.auth.Destroyable;
import java.security.SecureRandom;
import java.util.Arrays;

/**
 * A party's secret blinding scalar for one PSI run: a clamped X25519 scalar (a multiple of 8 in
 * [2^254, 2^255)). Use a fresh key per run; reusing one across runs lets the other side link
 * the runs' blinded values. The scalar never appears in {@link #toString()}.
 */
public final class PsiKey implements Destroyable {
    private final byte[] scalar;
    private volatile boolean destroyed;

    private PsiKey(byte[] scalar) {
        this.scalar = scalar;
    }

    /** A fresh random key. */
    public static PsiKey random(SecureRandom random) {
        if (random == null) {
            throw new MeshflException(ErrorCode.CRYPTO_FAILURE, "PSI key needs a SecureRandom, got null");
        }
        byte[] k = new byte[X25519.SCALAR_SIZE];
        X25519.generatePrivateKey(random, k);
        return new PsiKey(k);
    }

    /**
     * A key from 32 bytes of secret key material (clamped as X25519 clamps), for a party that must
     * blind the same way after a restart: a stream join derives it from its job secret.
     */
    public static PsiKey fromSecretBytes(byte[] material) {
        if (material == null || material.length != X25519.SCALAR_SIZE) {
            throw new MeshflException(ErrorCode.CRYPTO_FAILURE, "PSI key material has " + X25519.SCALAR_SIZE + " bytes");
        }
        byte[] k = material.clone();
        k[0] &= (byte) 248;
        k[31] &= (byte) 127;
        k[31] |= (byte) 64;
        return new PsiKey(k);
    }

    /** The clamped scalar, read by the blinder only; fails once the key is destroyed. */
    byte[] scalar() {
        if (destroyed) {
            throw new MeshflException(ErrorCode.CRYPTO_FAILURE, "PSI key was destroyed and can no longer blind");
        }
        return scalar;
    }

    /** Overwrites the scalar; blinders built from this key refuse further calls. */
    @Override
    public void destroy() {
        destroyed = true;
        Arrays.fill(scalar, (byte) 0);
    }

    @Override
    public boolean isDestroyed() {
        return destroyed;
    }

    @Override
    public String toString() {
        return destroyed ? "PsiKey[destroyed]" : "PsiKey[secret]";
    }
}

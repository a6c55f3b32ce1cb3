package io.meshfl.core.crypto.bigint;

import io.meshfl.core.crypto.NativeChoice;

import java.math.BigInteger;

/**
 * Modular exponentiation of the secret-key side of Paillier (decryption): GMP's
 * {@code mpz_powm_sec} through JNA where libgmp is installed and BigInteger's {@code modPow}
 * otherwise. Both give the same value for every input (exact integers); GMP runs the
 * exponentiation in time independent of the exponent, which is the secret there. Chosen once per
 * JVM: {@code -Dmeshfl.bigint} or {@code MESHFL_BIGINT} = {@code auto} (default), {@code gmp}
 * (required: an error when absent) or {@code java}; {@link #choice()} says which and why.
 */
public sealed interface ModPow permits ModPow.Java, GmpModPow {

    /** {@code base^exp mod mod} for {@code base} in [0, mod), {@code exp >= 0}, odd {@code mod > 1}. */
    BigInteger modPow(BigInteger base, BigInteger exp, BigInteger mod);

    /** What computes it, e.g. "GMP 6.2.1 mpz_powm_sec (native)". */
    String name();

    /** BigInteger's own modPow: always available. */
    final class Java implements ModPow {
        /** The one instance. */
        public static final Java INSTANCE = new Java();

        private Java() {
        }

        @Override
        public BigInteger modPow(BigInteger base, BigInteger exp, BigInteger mod) {
            return base.modPow(exp, mod);
        }

        @Override
        public String name() {
            return "BigInteger.modPow (Java)";
        }
    }

    /** The engine of this JVM. */
    static ModPow get() {
        return CHOSEN.get().engine();
    }

    /** One line: the engine and, when it is the fallback, why. */
    static String choice() {
        return CHOSEN.get().why();
    }

    /** The engine a setting asks for: auto, gmp or java, and why. */
    static NativeChoice.Choice<ModPow> choose(String setting) {
        return OPTIONS.choose(setting);
    }

    /** GMP, or BigInteger; the setting meshfl.bigint. */
    NativeChoice.Options<ModPow> OPTIONS = new NativeChoice.Options<>("meshfl.bigint", "Paillier decryption", "GMP", "gmp", "java",
            () -> Java.INSTANCE, GmpModPow::load, GmpModPow::failure, ModPow::name);

    /** This JVM's choice, from -Dmeshfl.bigint or MESHFL_BIGINT. */
    NativeChoice.Once<ModPow> CHOSEN = new NativeChoice.Once<>(OPTIONS, "MESHFL_BIGINT");
}

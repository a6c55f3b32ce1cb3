package io.meshfl.core.crypto.bigint;

import java.math.BigInteger;
import java.util.Locale;

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
        return Chosen.get().engine();
    }

    /** One line: the engine and, when it is the fallback, why. */
    static String choice() {
        return Chosen.get().why();
    }

    /** The engine a setting asks for: auto, gmp or java, and why. */
    static Choice choose(String setting) {
        String s = setting == null || setting.isBlank() ? "auto" : setting.trim().toLowerCase(Locale.ROOT);
        switch (s) {
            case "java":
                return new Choice(Java.INSTANCE, "Paillier decryption by " + Java.INSTANCE.name() + " (meshfl.bigint=java)");
            case "gmp": {
                GmpModPow gmp = GmpModPow.load();
                if (gmp == null) throw new IllegalStateException("meshfl.bigint=gmp, but GMP cannot be used: " + GmpModPow.failure());
                return new Choice(gmp, "Paillier decryption by " + gmp.name());
            }
            case "auto": {
                GmpModPow gmp = GmpModPow.load();
                return gmp != null ? new Choice(gmp, "Paillier decryption by " + gmp.name())
                        : new Choice(Java.INSTANCE, "Paillier decryption by " + Java.INSTANCE.name() + ", not GMP: " + GmpModPow.failure());
            }
            default:
                throw new IllegalArgumentException("meshfl.bigint is '" + setting + "': choose auto, gmp or java");
        }
    }

    /** An engine and the line saying why it was chosen. */
    record Choice(ModPow engine, String why) {
    }

    /** The choice of this JVM, made on first use (a setting that cannot be met is an error at every use). */
    final class Chosen {
        private static Choice choice;

        static synchronized Choice get() {
            if (choice == null) choice = choose(System.getProperty("meshfl.bigint", System.getenv("MESHFL_BIGINT")));
            return choice;
        }

        private Chosen() {
        }
    }
}

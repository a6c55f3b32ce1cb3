package io.meshfl.core.crypto;

import org.junit.jupiter.api.Assumptions;

import java.util.function.Supplier;

/**
 * The native engine a test compares with its Java fallback: skipped where the library is not
 * installed, except under {@code MESHFL_REQUIRE_NATIVE=1} (.ci/run installs libsodium23 and libgmp10
 * and sets it), where its absence fails the test.
 */
public final class NativeLibraries {

    private NativeLibraries() {
    }

    public static <E> E required(E loaded, String library, Supplier<String> failure) {
        if (loaded == null && "1".equals(System.getenv("MESHFL_REQUIRE_NATIVE"))) {
            throw new AssertionError("MESHFL_REQUIRE_NATIVE=1 but " + library + " cannot be used: " + failure.get());
        }
        Assumptions.assumeTrue(loaded != null, () -> library + " is not installed here: " + failure.get());
        return loaded;
    }
}

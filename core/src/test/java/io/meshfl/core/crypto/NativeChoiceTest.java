package io.meshfl.core.crypto;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

class NativeChoiceTest {

    private static NativeChoice.Options<String> options(String loaded) {
        return new NativeChoice.Options<>("meshfl.demo", "Demo work", "libdemo", "native", "java", () -> "Java engine",
                () -> loaded, () -> "the library is not installed", e -> e);
    }

    @Test
    void autoTakesTheNativeEngineWhereItLoadsAndOtherwiseTheFallbackSayingWhy() {
        assertEquals(new NativeChoice.Choice<>("native engine", "Demo work by native engine"), options("native engine").choose(null));
        assertEquals(new NativeChoice.Choice<>("Java engine", "Demo work by Java engine, not libdemo: the library is not installed"),
                options(null).choose(" AUTO "));
    }

    @Test
    void askingForTheNativeEngineWithoutItsLibraryIsAnErrorAndTheFallbackCanBeForced() {
        var e = assertThrows(IllegalStateException.class, () -> options(null).choose("native"));
        assertEquals("meshfl.demo=native, but libdemo cannot be used: the library is not installed", e.getMessage());
        assertEquals(new NativeChoice.Choice<>("Java engine", "Demo work by Java engine (meshfl.demo=java)"), options("native engine").choose("java"));
        var u = assertThrows(IllegalArgumentException.class, () -> options(null).choose("cuda"));
        assertEquals("meshfl.demo is 'cuda': choose auto, native or java", u.getMessage());
    }
}

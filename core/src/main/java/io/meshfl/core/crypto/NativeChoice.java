package io.meshfl.core.crypto;

import java.util.Locale;
import java.util.function.Function;
import java.util.function.Supplier;

/**
 * How a primitive with a native engine and a pure-Java fallback is chosen: a setting
 * {@code auto} (the native engine where its library loads, else the fallback), the native
 * engine's word (required: an error naming why it cannot be used) or the fallback's word, and a
 * line saying which was chosen and why, for the logs of the processes that compute with it.
 */
public final class NativeChoice {

    private NativeChoice() {
    }

    /** An engine and the line saying why it was chosen. */
    public record Choice<E>(E engine, String why) {
    }

    /**
     * What one primitive offers: the setting's property, the work it does ("X25519"), the native
     * library's name and word, the fallback's word and instance, the native loader (null when it
     * cannot load) with its reason, and each engine's name. The fallback is a supplier: an engine class
     * may still be initializing when these options are built.
     */
    public record Options<E>(String property, String work, String library, String nativeWord, String javaWord, Supplier<E> fallback,
                             Supplier<E> loader, Supplier<String> failure, Function<E, String> name) {

        /** The engine {@code setting} asks for (null or blank: auto). */
        public Choice<E> choose(String setting) {
            String s = setting == null || setting.isBlank() ? "auto" : setting.trim().toLowerCase(Locale.ROOT);
            E java = fallback.get();
            if (s.equals(javaWord)) return new Choice<>(java, work + " by " + name.apply(java) + " (" + property + "=" + javaWord + ")");
            if (s.equals(nativeWord)) {
                E e = loader.get();
                if (e == null) throw new IllegalStateException(property + "=" + nativeWord + ", but " + library + " cannot be used: " + failure.get());
                return new Choice<>(e, work + " by " + name.apply(e));
            }
            if (s.equals("auto")) {
                E e = loader.get();
                return e != null ? new Choice<>(e, work + " by " + name.apply(e))
                        : new Choice<>(java, work + " by " + name.apply(java) + ", not " + library + ": " + failure.get());
            }
            throw new IllegalArgumentException(property + " is '" + setting + "': choose auto, " + nativeWord + " or " + javaWord);
        }
    }

    /**
     * The choice of this JVM from {@code -D<property>} or the environment variable, made on first
     * use; a setting that cannot be met is an error at every use, never cached.
     */
    public static final class Once<E> {
        private final Options<E> options;
        private final String env;
        private Choice<E> choice;

        public Once(Options<E> options, String env) {
            this.options = options;
            this.env = env;
        }

        public synchronized Choice<E> get() {
            if (choice == null) choice = options.choose(System.getProperty(options.property(), System.getenv(env)));
            return choice;
        }
    }
}

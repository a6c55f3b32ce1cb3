package io.meshfl.core.protocol.horizontal;

/** Follows a run as it goes: one call per round, and free-form log lines. */
public interface RunObserver {

    void round(RoundSummary summary);

    default void log(String line) {
    }

    RunObserver NONE = s -> { };
}

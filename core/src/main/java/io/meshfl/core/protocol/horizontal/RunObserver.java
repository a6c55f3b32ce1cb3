package io.meshfl.core.protocol.horizontal;

/** Follows a run as it goes: one call per round, and free-form log lines. */
public interface RunObserver {

    void round(RoundSummary summary);

    /**
     * A round of a run that can resume, with what it needs to go on from there; an observer that
     * keeps checkpoints commits both together. By default only the round is followed.
     */
    default void round(RoundSummary summary, io.meshfl.core.protocol.RunCheckpoint checkpoint) {
        round(summary);
    }

    default void log(String line) {
    }

    RunObserver NONE = s -> { };
}

package io.meshfl.coordinator;

import io.meshfl.core.protocol.horizontal.RoundSummary;

/** Follows a job on the coordinator: its plan, each round, and log lines. */
public interface JobObserver {

    void plan(String explain);

    void round(RoundSummary round);

    void log(String line);
}

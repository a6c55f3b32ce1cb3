package io.meshfl.coordinator;

import io.meshfl.core.protocol.horizontal.RoundSummary;

/** Follows a job on the coordinator: its plan, each round, and log lines. */
public interface JobObserver {

    /** Follows a job without doing anything: for callers that want only the final report. */
    JobObserver QUIET = new JobObserver() {
        @Override
        public void plan(String explain) {
        }

        @Override
        public void round(RoundSummary round) {
        }

        @Override
        public void log(String line) {
        }
    };

    /** Follows a job by its log lines only, each handed to {@code log}. */
    static JobObserver logging(java.util.function.Consumer<String> log) {
        return new JobObserver() {
            @Override
            public void plan(String explain) {
            }

            @Override
            public void round(RoundSummary round) {
            }

            @Override
            public void log(String line) {
                log.accept(line);
            }
        };
    }

    void plan(String explain);

    void round(RoundSummary round);

    void log(String line);

    /** The run has its id (before its first round). */
    default void started(String runId, String jobId) {
    }

    /** The run ended: SUCCEEDED, FAILED, CANCELLED or INTERRUPTED, with the reason of any end but success. */
    default void ended(String runId, String status, String reason) {
    }
}

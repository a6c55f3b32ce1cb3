package io.meshfl.coordinator;

import io.meshfl.core.ErrorCode;
import io.meshfl.core.MeshflException;
import io.meshfl.core.protocol.horizontal.RoundSummary;

import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * The runs this coordinator is driving now: who may follow them (their events go to every
 * follower as well as to the submitter's stream), and who asked one to stop. A cancelled run stops
 * at its next round, epoch or tree: the round's report throws, the run ends CANCELLED.
 */
final class LiveRuns {

    /** One run in progress. */
    static final class LiveRun {
        final String runId;
        final String jobId;
        final String submitter;
        private final List<JobObserver> followers = new CopyOnWriteArrayList<>();
        private volatile String cancelledBy;

        LiveRun(String runId, String jobId, String submitter) {
            this.runId = runId;
            this.jobId = jobId;
            this.submitter = submitter;
        }

        /** The submitter's observer, and every follower's, in one. */
        JobObserver fanOut(JobObserver owner) {
            LiveRun self = this;
            return new JobObserver() {
                @Override
                public void plan(String explain) {
                    owner.plan(explain);
                }

                @Override
                public void round(RoundSummary round) {
                    owner.round(round);
                    for (JobObserver f : followers) quietly(() -> f.round(round));
                    self.checkCancelled();
                }

                @Override
                public void log(String line) {
                    owner.log(line);
                    for (JobObserver f : followers) quietly(() -> f.log(line));
                }

                @Override
                public void started(String runId, String jobId) {
                    owner.started(runId, jobId);
                }

                @Override
                public void ended(String runId, String status, String reason) {
                    owner.ended(runId, status, reason);
                    for (JobObserver f : followers) quietly(() -> f.ended(runId, status, reason));
                }
            };
        }

        void follow(JobObserver f) {
            followers.add(f);
        }

        void unfollow(JobObserver f) {
            followers.remove(f);
        }

        String cancelledBy() {
            return cancelledBy;
        }

        /** Throws RUN_CANCELLED once someone asked the run to stop: called between rounds. */
        void checkCancelled() {
            if (cancelledBy != null) {
                throw new MeshflException(ErrorCode.RUN_CANCELLED, "run " + runId + " was cancelled by " + cancelledBy);
            }
        }

        private static void quietly(Runnable r) {
            try {
                r.run();
            } catch (RuntimeException e) {
                // a follower that went away must not stop the run it followed
            }
        }
    }

    private final Map<String, LiveRun> runs = new ConcurrentHashMap<>();

    LiveRun start(String runId, String jobId, String submitter) {
        LiveRun r = new LiveRun(runId, jobId, submitter);
        runs.put(runId, r);
        return r;
    }

    void end(String runId) {
        runs.remove(runId);
    }

    Optional<LiveRun> get(String runId) {
        return Optional.ofNullable(runs.get(runId));
    }

    /**
     * Asks a run to stop; {@code who} must be its submitter or the coordinator's operator (null:
     * in-process, trusted). Returns why it cannot be cancelled, or null when asked.
     */
    String cancel(String runId, String who) {
        LiveRun r = runs.get(runId);
        if (r == null) return "run " + runId + " is not running on this coordinator";
        if (who != null && !who.equals(r.submitter) && !who.equals("coordinator")) {
            return "run " + runId + " was submitted by " + r.submitter + "; " + who + " may not cancel it";
        }
        r.cancelledBy = who == null ? "the operator" : who;
        return null;
    }
}

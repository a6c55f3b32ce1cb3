package io.meshfl.stream.join;

import java.time.Duration;
import java.util.Objects;
import java.util.regex.Pattern;

/**
 * One stream join: its job name (which names its topics and Kafka Streams applications), the
 * window (a follower event matches a leader event with the same id when it happened from 0 to
 * {@code within} after it), the span of event time one data block covers, and how far one side's
 * stream may run ahead of the other's inside the joiner before the join would drop an event (the
 * join's grace on top of each stream's own watermark delay; an event dropped there is counted, never
 * lost silently).
 */
public record JoinSpec(String job, Duration within, Duration blockSpan, Duration skew) {

    private static final Pattern JOB = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]{0,100}");

    public JoinSpec {
        Objects.requireNonNull(job, "job");
        if (!JOB.matcher(job).matches()) {
            throw new IllegalArgumentException("job: '" + job + "' is not a plain name (letters, digits, '.', '_', '-')");
        }
        if (within == null || within.isNegative()) throw new IllegalArgumentException("within: a window of zero or more is required");
        if (blockSpan == null || blockSpan.isZero() || blockSpan.isNegative()) throw new IllegalArgumentException("blockSpan: must be positive");
        if (skew == null || skew.isNegative()) throw new IllegalArgumentException("skew: must not be negative");
    }

    /** The topic that carries the leader's hashed ids (and event times, and positions) to the follower's joiner. */
    public String leaderIdsTopic() {
        return "meshfl." + job + ".leader-ids";
    }

    /** The topic of matched pairs, keyed by block, that the follower's joiner writes. */
    public String matchesTopic() {
        return "meshfl." + job + ".matches";
    }

    /** The Kafka Streams application id of one side. */
    public String applicationId(Side side) {
        return "meshfl-stream-" + job + "-" + side.name().toLowerCase(java.util.Locale.ROOT);
    }

    /** The block an event time falls in. */
    public long blockOf(long eventTime) {
        return Math.floorDiv(eventTime, blockSpan.toMillis());
    }

    /** The two sides of a join: the leader's events define the examples; the follower's are matched to them. */
    public enum Side { LEADER, FOLLOWER }
}

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
 * lost silently), and how ids are compared ({@link Ids}).
 */
public record JoinSpec(String job, Duration within, Duration blockSpan, Duration skew, Ids ids) {

    private static final Pattern JOB = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]{0,100}");

    public JoinSpec {
        Objects.requireNonNull(job, "job");
        if (!JOB.matcher(job).matches()) {
            throw new IllegalArgumentException("job: '" + job + "' is not a plain name (letters, digits, '.', '_', '-')");
        }
        if (within == null || within.isNegative()) throw new IllegalArgumentException("within: a window of zero or more is required");
        if (blockSpan == null || blockSpan.isZero() || blockSpan.isNegative()) throw new IllegalArgumentException("blockSpan: must be positive");
        if (skew == null || skew.isNegative()) throw new IllegalArgumentException("skew: must not be negative");
        if (ids == null) throw new IllegalArgumentException("ids: hashed or blinded");
    }

    /** A join of ids that identify nobody, compared by keyed hash. */
    public JoinSpec(String job, Duration within, Duration blockSpan, Duration skew) {
        this(job, within, blockSpan, skew, Ids.HASHED);
    }

    /** The follower's blinded ids, one record per batch, on their way to the leader (blinded joins only). */
    public String followerBlindedTopic() {
        return "meshfl." + job + ".follower-blinded";
    }

    /** The follower's ids blinded by both parties, on their way back from the leader (blinded joins only). */
    public String reblindedTopic() {
        return "meshfl." + job + ".reblinded";
    }

    /** The leader's Kafka Streams application that blinds the follower's batches a second time (blinded joins only). */
    public String reblinderApplicationId() {
        return applicationId(Side.LEADER) + "-reblind";
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

    /**
     * How the two parties compare ids. {@code HASHED}: a keyed hash under a key both derive (ids that
     * identify nobody: impression, request ids). {@code BLINDED}: as in PSI, each id hashed to the
     * curve and blinded by both parties' secret scalars, the follower's in batches per block of event
     * time (ids the contract classifies as pii: neither party can test a guessed id alone).
     */
    public enum Ids { HASHED, BLINDED }

    /** The two sides of a join: the leader's events define the examples; the follower's are matched to them. */
    public enum Side { LEADER, FOLLOWER }
}

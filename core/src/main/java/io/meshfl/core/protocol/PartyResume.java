package io.meshfl.core.protocol;

import io.meshfl.core.ErrorCode;
import io.meshfl.core.MeshflException;
import io.meshfl.core.protocol.horizontal.RoundSummary;
import io.meshfl.core.protocol.horizontal.RunObserver;

import java.util.List;
import java.util.Set;

/**
 * Where a run whose state lives on its parties (vertical, split network, boosted trees) goes on
 * from, and what it had reached: the committed epoch it was resumed at by a new coordinator, the
 * last epoch this attempt committed, and, when a party is lost or restarted mid-run, whether to
 * go on from that epoch once every party is back ({@link Recovery}) instead of failing. Keeps the
 * run's traffic, payload and time whole across attempts.
 */
public final class PartyResume {

    /**
     * Decides, on the coordinator, whether a run that lost a party goes on: waits for every party
     * to be back and says so (true), or gives up (false). Asked at most {@link #MAX_RETRIES} times a run.
     */
    @FunctionalInterface
    public interface Recovery {
        boolean awaitParties(MeshflException lost, int fromRound);

        Recovery NONE = (lost, fromRound) -> false;
    }

    /** How often one run goes on after losing a party before it fails. */
    public static final int MAX_RETRIES = 3;

    /** What a lost or restarted party looks like from the coordinator; anything else (refusals, bad data, revocation) fails the run. */
    private static final Set<ErrorCode> LOST = Set.of(ErrorCode.NODE_LOST, ErrorCode.ROUND_TIMEOUT, ErrorCode.TOO_FEW_NODES, ErrorCode.OUT_OF_ORDER);

    private RunCheckpoint origin;
    private RunCheckpoint from;
    private List<RoundSummary> earlier = List.of();
    private RunCheckpoint committed;
    private List<RoundSummary> committedHistory = List.of();
    private Recovery recovery = Recovery.NONE;
    private int retries;
    private long[] start;
    private long t0 = -1;
    private long carriedPayload;
    private boolean checkpointing = true;

    /** Goes on after {@code checkpoint}, committed by an earlier coordinator process; {@code before} are the rounds it recorded. */
    public void resume(RunCheckpoint checkpoint, List<RoundSummary> before) {
        this.origin = checkpoint;
        this.from = checkpoint;
        this.earlier = List.copyOf(before);
    }

    public void recovery(Recovery r) {
        this.recovery = r;
    }

    /** The committed round this attempt goes on from; null for a fresh start. */
    public RunCheckpoint from() {
        return from;
    }

    /** The rounds recorded before {@link #from()}. */
    public List<RoundSummary> earlier() {
        return earlier;
    }

    /** Notes that round {@code c} was committed, with the run's rounds so far. */
    public void committed(RunCheckpoint c, List<RoundSummary> history) {
        this.committed = c;
        this.committedHistory = List.copyOf(history);
    }

    /** The channels' traffic when the run's first attempt started (they count on across attempts). */
    public long[] start(long[] now) {
        if (start == null) start = now.clone();
        return start;
    }

    /** When the run's first attempt started. */
    public long t0() {
        if (t0 < 0) t0 = System.nanoTime();
        return t0;
    }

    /** Payload of attempts of this process that ended in a lost party. */
    public long carriedPayload() {
        return carriedPayload;
    }

    /** A number the run had reached before this coordinator process took it up (0 for a fresh run). */
    public double before(String name) {
        return origin == null ? 0 : origin.number(name, 0);
    }

    /**
     * Whether to go on after {@code e} ended an attempt that had sent {@code payload} bytes: only
     * for a lost or restarted party, after a committed round, within {@link #MAX_RETRIES}, and once
     * {@link Recovery} has every party back. Then the next attempt starts from the last committed
     * round. Logs what it decides.
     */
    public boolean retry(MeshflException e, long payload, RunObserver observer) {
        if (!LOST.contains(e.code())) return false;
        if (committed == null) {
            observer.log("lost a party before any round was committed: the run cannot go on (" + e.getMessage() + ")");
            return false;
        }
        if (retries >= MAX_RETRIES) {
            observer.log("lost a party again after going on " + retries + " times: the run ends (" + e.getMessage() + ")");
            return false;
        }
        observer.log("lost a party (" + e.getMessage() + "); going on from round " + committed.round() + " once every party is back");
        if (!recovery.awaitParties(e, committed.round())) return false;
        retries++;
        carriedPayload += payload;
        from = committed;
        earlier = committedHistory.stream().filter(s -> s.round() <= committed.round()).toList();
        return true;
    }

    /**
     * Runs {@code attempt} until it returns the run's outcome, going on after a lost party as
     * {@link #retry} decides; {@code payload} is what the attempt that failed had sent.
     */
    public <T> T run(java.util.function.Supplier<T> attempt, java.util.function.LongSupplier payload, RunObserver observer) {
        while (true) {
            try {
                return attempt.get();
            } catch (MeshflException e) {
                if (!retry(e, payload.getAsLong(), observer)) throw e;
            }
        }
    }

    /** Whether the run's rounds are still checkpointed (no party has said it keeps no state folder). */
    public boolean checkpointing() {
        return checkpointing;
    }

    /**
     * The SHA-256 of each party's part of a round, from the parties' answers to the checkpoint
     * request (in the run's party order); null, and from then on no checkpoints, when a party keeps
     * no state folder, which the log says once.
     */
    public java.util.Map<String, String> parts(java.util.Map<String, Message> replies, RunObserver observer) {
        java.util.Map<String, String> parts = new java.util.LinkedHashMap<>();
        for (var e : replies.entrySet()) {
            if (e.getValue().metrics().getOrDefault("persisted", 0.0) < 1) {
                checkpointing = false;
                observer.log("the party " + e.getKey() + " keeps no state folder: the rounds of this run are recorded without checkpoints "
                        + "and it cannot resume");
                return null;
            }
            parts.put(e.getKey(), new String(e.getValue().blob("sha256"), java.nio.charset.StandardCharsets.US_ASCII));
        }
        return parts;
    }

    /** Whether the run went on from a committed round at all (in this process or an earlier one). */
    public boolean resumed() {
        return from != null;
    }
}

package io.meshfl.core.protocol;

import com.fasterxml.jackson.databind.JsonNode;
import io.meshfl.core.metrics.Diagnostics;

import java.util.HashMap;
import java.util.Map;

/**
 * The label holder's {@link Diagnostics} of each round's evaluation (epoch or boosting round),
 * kept until the run ends so that the report shows those of the round whose model is stored: the
 * selected one, or the last.
 */
public final class RoundDiagnostics {

    private final Map<Integer, JsonNode> byRound = new HashMap<>();

    /** Keeps the diagnostics {@code reply} carries for {@code round}, if any; refuses malformed ones naming {@code from}. */
    public void offer(int round, Message reply, String from) {
        byte[] b = reply.blobs().get(Holdout.DIAGNOSTICS);
        if (b != null) offer(round, b, from);
    }

    /** Keeps encoded diagnostics for {@code round}. */
    public void offer(int round, byte[] encoded, String from) {
        byRound.put(round, Diagnostics.decode(encoded, from));
    }

    /** Those of {@code round}, or null when its evaluation returned none (or it ran before this coordinator took the run up). */
    public JsonNode of(int round) {
        return byRound.get(round);
    }

    /** As {@link #of(int)}, saying what the scored rows are ({@code over}) when not null: the evaluation entities of the job. */
    public JsonNode of(int round, String over) {
        JsonNode d = byRound.get(round);
        if (over != null && d instanceof com.fasterxml.jackson.databind.node.ObjectNode o) o.put("over", over);
        return d;
    }
}

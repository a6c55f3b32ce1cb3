package io.meshfl.coordinator;

import io.meshfl.core.catalog.ChainSeals;
import io.meshfl.core.protocol.Message;
import io.meshfl.core.protocol.NodeChannel;
import io.meshfl.core.protocol.session.SessionSteps;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.function.Consumer;

/**
 * The coordinator's side of a run's session on every node it involves, after the protocol (the
 * run is opened on each node by the signed ticket its first request carries, see
 * {@link TicketChannel}): a run that goes on under a restarted coordinator is announced to its
 * nodes; a run that ended is told to each node with the signed seal of the catalog's chains, which
 * the node keeps in its own audit, and, when the run did not succeed, the node discards its parts.
 */
final class RunSession {

    private static final Duration TIMEOUT = Duration.ofSeconds(60);

    private final Map<String, NodeChannel> channels;
    private final String jobId;
    private final String runId;

    RunSession(Map<String, NodeChannel> channels, String jobId, String runId) {
        this.channels = channels;
        this.jobId = jobId;
        this.runId = runId;
    }

    /**
     * Tells every node that the run goes on after round {@code fromRound} under a new coordinator
     * process; each checks that it still holds the run's authorization and notes the resume in its
     * own registry. A node that refuses or cannot be reached is logged: it is left out of the run
     * until it can take part again, and refuses the run's requests if it has ended it.
     */
    void resume(int fromRound, Consumer<String> log) {
        List<CompletableFuture<Void>> calls = new ArrayList<>();
        for (String d : channels.keySet()) {
            calls.add(CompletableFuture.runAsync(() -> {
                try {
                    Message reply = channels.get(d).call(Message.request(jobId, runId, SessionSteps.PROTOCOL, SessionSteps.RESUME, 0, d)
                            .withConfig(Map.of("from_round", Integer.toString(fromRound))), TIMEOUT);
                    if (reply.failed()) log.accept("node of " + d + " did not take the resume of run " + runId + ": " + reply.error().message());
                } catch (RuntimeException e) {
                    log.accept("node of " + d + " could not be told that run " + runId + " resumes: " + e.getMessage());
                }
            }, ENDS));
        }
        CompletableFuture.allOf(calls.toArray(new CompletableFuture[0])).join();
    }

    /** Tells every node the run reached how it ended, with the seal, all at once, and waits; a node that cannot be told is logged, not thrown. */
    void end(String outcome, ChainSeals.Seal seal, Consumer<String> log) {
        endLater(outcome, seal, log).join();
    }

    /**
     * As {@link #end}, without waiting: the run's result does not wait for its parties to hear of
     * it. Only nodes the run's ticket was sent to are told (one it never reached holds nothing of it).
     */
    CompletableFuture<Void> endLater(String outcome, ChainSeals.Seal seal, Consumer<String> log) {
        byte[] sealBlob = seal == null ? new byte[0] : seal.toJson().toString().getBytes(StandardCharsets.UTF_8);
        List<CompletableFuture<Void>> calls = new ArrayList<>();
        for (String d : channels.keySet()) {
            NodeChannel c = channels.get(d);
            if (!TicketChannel.presented(c)) continue;
            calls.add(CompletableFuture.runAsync(() -> {
                try {
                    Message reply = c.call(Message.request(jobId, runId, SessionSteps.PROTOCOL, SessionSteps.END, 0, d)
                            .withConfig(Map.of("outcome", outcome)).withBlobs(Map.of("seal", sealBlob)), TIMEOUT);
                    if (reply.failed()) log.accept("node of " + d + " did not take the end of run " + runId + ": " + reply.error().message());
                } catch (RuntimeException e) {
                    log.accept("node of " + d + " could not be told that run " + runId + " ended " + outcome + ": " + e.getMessage());
                }
            }, ENDS));
        }
        return CompletableFuture.allOf(calls.toArray(new CompletableFuture[0]));
    }

    /** Threads for the end calls: a run's parties are told at once, not one after another. */
    private static final java.util.concurrent.ExecutorService ENDS = java.util.concurrent.Executors.newCachedThreadPool(r -> {
        Thread t = new Thread(r, "meshfl-run-end");
        t.setDaemon(true);
        return t;
    });
}

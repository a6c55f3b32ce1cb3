package io.meshfl.node;

import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.meshfl.core.ErrorCode;
import io.meshfl.core.MeshflException;
import io.meshfl.proto.CoordinatorServiceGrpc;
import io.meshfl.proto.HeartbeatRequest;
import io.meshfl.proto.NodeInfo;
import io.meshfl.proto.RegisterReply;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * A node's link to its coordinator: registration retried with exponential back-off and jitter
 * (each attempt with its own deadline, started after the node has counted its rows, so local work
 * never eats the deadline), heartbeats, registration again when the coordinator forgot the node or
 * came back, and the next coordinator address when one stops answering. A refusal that retrying
 * cannot cure (a certificate the coordinator does not accept, a domain the node may not claim) ends
 * the attempts at once with the coordinator's reason.
 */
final class CoordinatorLink {

    static final Duration FIRST_WAIT = Duration.ofMillis(250);
    static final Duration LONGEST_WAIT = Duration.ofSeconds(15);
    static final Duration ATTEMPT_DEADLINE = Duration.ofSeconds(10);

    private final List<ManagedChannel> coordinators;
    private final List<String> names;
    private final NodeInfo info;
    private final Consumer<String> log;
    private volatile java.util.function.Function<String, String> mismatch = target -> null;
    private volatile int current;
    private volatile int failedBeats;
    private volatile boolean lost;
    private volatile ScheduledFuture<?> beats;

    /** @param info what the node registers (built once, before any deadline starts) */
    CoordinatorLink(List<ManagedChannel> coordinators, List<String> names, NodeInfo info, Consumer<String> log) {
        if (coordinators.isEmpty()) throw new IllegalArgumentException("no coordinator to join");
        this.coordinators = List.copyOf(coordinators);
        this.names = List.copyOf(names);
        this.info = info;
        this.log = log;
    }

    /**
     * Registers, trying the coordinators in turn with back-off, until one accepts or {@code patience}
     * has passed (null: until the thread is interrupted); returns the heartbeat interval it gave.
     */
    int join(Duration patience) {
        long deadline = patience == null ? Long.MAX_VALUE : System.nanoTime() + patience.toNanos();
        Duration wait = FIRST_WAIT;
        int attempt = 0;
        while (true) {
            attempt++;
            try {
                return register();
            } catch (StatusRuntimeException e) {
                // retrying cannot cure a node and a coordinator speaking different transports: say so once, and stop
                String other = e.getStatus().getCode() == Status.Code.UNAVAILABLE ? mismatch.apply(names.get(current)) : null;
                if (other != null) throw new MeshflException(ErrorCode.NODE_FAILURE, other, e);
                if (!retriable(e)) throw e;
                String why = e.getStatus().getCode() + (e.getStatus().getDescription() == null ? "" : " (" + e.getStatus().getDescription() + ")");
                if (System.nanoTime() + wait.toNanos() > deadline) {
                    throw new MeshflException(ErrorCode.NODE_FAILURE, "node of " + info.getDomain() + " could not register with "
                            + String.join(" or ", names) + " after " + attempt + " attempts: " + why, e);
                }
                // full jitter: many nodes started at once do not retry in step
                long sleep = ThreadLocalRandom.current().nextLong(wait.toMillis() / 2, wait.toMillis() + 1);
                log.accept("coordinator " + names.get(current) + " not reachable (" + why + "); trying "
                        + names.get((current + 1) % names.size()) + " in " + sleep + " ms");
                current = (current + 1) % coordinators.size();
                sleepQuietly(sleep);
                wait = wait.multipliedBy(2).compareTo(LONGEST_WAIT) > 0 ? LONGEST_WAIT : wait.multipliedBy(2);
            }
        }
    }

    /** How to tell that a coordinator which could not be reached speaks another transport (a message), or not (null). */
    CoordinatorLink diagnose(java.util.function.Function<String, String> check) {
        this.mismatch = check;
        return this;
    }

    /** Heartbeats every {@code everyMillis} on {@code scheduler}; registers again when forgotten or after the coordinator was lost. */
    void beat(ScheduledExecutorService scheduler, int everyMillis, String nodeId, String domain) {
        beats = scheduler.scheduleAtFixedRate(() -> {
            try {
                if (lost) {
                    register();
                    lost = false;
                    failedBeats = 0;
                    log.accept("registered again with coordinator " + names.get(current));
                    return;
                }
                var hb = stub().withDeadlineAfter(everyMillis * 2L, TimeUnit.MILLISECONDS)
                        .heartbeat(HeartbeatRequest.newBuilder().setNodeId(nodeId).setDomain(domain).build());
                failedBeats = 0;
                if (!hb.getKnown()) {
                    register();
                    log.accept("coordinator " + names.get(current) + " had forgotten this node; registered again");
                }
            } catch (StatusRuntimeException e) {
                if (++failedBeats == 3 || lost) {
                    if (!lost) log.accept("lost coordinator " + names.get(current) + " (" + e.getStatus().getCode() + "); registering again");
                    lost = true;
                    current = (current + 1) % coordinators.size();
                }
            } catch (RuntimeException e) {
                log.accept("heartbeat to coordinator failed: " + e.getMessage());
            }
        }, everyMillis, everyMillis, TimeUnit.MILLISECONDS);
    }

    /** Whether the node is registered with a coordinator now (not lost). */
    boolean registered() {
        return beats != null && !lost;
    }

    void stop() {
        if (beats != null) beats.cancel(true);
    }

    private int register() {
        // our own back-off paces the attempts: gRPC's reconnect back-off (growing to minutes while a coordinator is
        // away) would otherwise fail every attempt at once, long after the coordinator is back
        coordinators.get(current).resetConnectBackoff();
        RegisterReply reply = stub().withDeadlineAfter(ATTEMPT_DEADLINE.toMillis(), TimeUnit.MILLISECONDS).register(info);
        if (!reply.getAccepted()) {
            throw new MeshflException(ErrorCode.NODE_FAILURE, "coordinator refused node of " + info.getDomain() + ": " + reply.getMessage());
        }
        return Math.max(100, reply.getHeartbeatMillis());
    }

    private CoordinatorServiceGrpc.CoordinatorServiceBlockingStub stub() {
        return CoordinatorServiceGrpc.newBlockingStub(coordinators.get(current));
    }

    /** Worth another try: the coordinator is down, restarting or slow; not a refusal of this node's certificate or claim. */
    static boolean retriable(StatusRuntimeException e) {
        Status.Code code = e.getStatus().getCode();
        if (code != Status.Code.UNAVAILABLE && code != Status.Code.DEADLINE_EXCEEDED && code != Status.Code.RESOURCE_EXHAUSTED) return false;
        for (Throwable t = e; t != null; t = t.getCause()) {
            String m = String.valueOf(t.getMessage()).toLowerCase(java.util.Locale.ROOT);
            if (t instanceof java.security.cert.CertificateException || m.contains("ssl") || m.contains("certificate") || m.contains("handshake")) {
                return false;
            }
        }
        return true;
    }

    private static void sleepQuietly(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException ie) {
            Thread.currentThread().interrupt();
            throw new MeshflException(ErrorCode.NODE_FAILURE, "interrupted while waiting to register with the coordinator", ie);
        }
    }
}

package io.meshfl.core.protocol.split;

import io.meshfl.core.ErrorCode;
import io.meshfl.core.MeshflException;
import io.meshfl.core.protocol.Message;
import io.meshfl.core.protocol.NodeChannel;

import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Function;

/**
 * The coordinator's calls to the parties of one split run: single or one per party in parallel,
 * each failure rethrown as a {@link MeshflException} that names the domain and the step, and the
 * tensor payload counted.
 */
final class Calls implements AutoCloseable {

    private final Map<String, NodeChannel> byDomain;
    private final Duration timeout;
    private final ExecutorService pool;
    final AtomicLong payload = new AtomicLong();

    Calls(Map<String, NodeChannel> byDomain, Duration timeout, int parties) {
        this.byDomain = Map.copyOf(byDomain);
        this.timeout = timeout;
        this.pool = Executors.newFixedThreadPool(Math.max(1, parties), r -> {
            Thread t = new Thread(r, "meshfl-split");
            t.setDaemon(true);
            return t;
        });
    }

    Message call(String domain, Message req) {
        NodeChannel ch = byDomain.get(domain);
        if (ch == null) throw new MeshflException(ErrorCode.TOO_FEW_NODES, "no node of domain '" + domain + "' is connected");
        payload.addAndGet(req.payloadBytes());
        Message reply;
        try {
            reply = ch.call(req, timeout);
        } catch (MeshflException e) {
            throw new MeshflException(e.code(), req.protocol() + " " + req.step() + " on " + domain + " failed: " + e.getMessage()
                    + "; a split network cannot go on without every party's bottom network", e);
        }
        payload.addAndGet(reply.payloadBytes());
        if (reply.failed()) {
            throw new MeshflException(reply.error().code(), req.protocol() + " " + req.step() + " on " + domain + " failed: "
                    + reply.error().message());
        }
        return reply;
    }

    /** One call per domain, all in flight at once; replies in the order of {@code domains}. */
    List<Message> parallel(List<String> domains, Function<String, Message> request) {
        if (domains.size() == 1) return List.of(call(domains.get(0), request.apply(domains.get(0))));
        Map<String, Future<Message>> fs = new LinkedHashMap<>();
        for (String d : domains) {
            Message m = request.apply(d);
            fs.put(d, pool.submit(() -> call(d, m)));
        }
        Message[] out = new Message[domains.size()];
        int i = 0;
        MeshflException first = null;
        for (var e : fs.entrySet()) {
            try {
                out[i++] = e.getValue().get();
            } catch (ExecutionException ex) {
                MeshflException me = ex.getCause() instanceof MeshflException m ? m
                        : new MeshflException(ErrorCode.NODE_FAILURE, "node of " + e.getKey() + ": " + ex.getCause(), ex.getCause());
                if (first == null) first = me;
            } catch (InterruptedException ex) {
                Thread.currentThread().interrupt();
                throw new MeshflException(ErrorCode.COORDINATOR_FAILURE, "interrupted waiting for " + e.getKey());
            }
        }
        // Every call has finished before a failure is reported, so no party is still working on a stale step.
        if (first != null) throw first;
        return List.of(out);
    }

    long[] traffic() {
        long s = 0, r = 0;
        for (NodeChannel c : byDomain.values()) {
            s += c.bytesSent();
            r += c.bytesReceived();
        }
        return new long[]{s, r};
    }

    @Override
    public void close() {
        pool.shutdownNow();
    }
}

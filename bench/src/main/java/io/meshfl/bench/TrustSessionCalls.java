package io.meshfl.bench;

import io.meshfl.cli.EmbeddedMesh;
import io.meshfl.core.MeshflException;
import io.meshfl.core.catalog.Catalog;
import io.meshfl.core.catalog.ChainSeals;
import io.meshfl.core.protocol.Message;
import io.meshfl.core.protocol.NodeChannel;
import io.meshfl.core.protocol.PartyCalls;
import io.meshfl.core.protocol.session.SessionSteps;
import io.meshfl.core.trust.Journal;
import io.meshfl.core.trust.MeshIdentity.Role;
import io.meshfl.core.trust.SignedTicket;
import io.meshfl.core.trust.Submitter;
import io.meshfl.node.DomainNode;
import io.meshfl.wire.GrpcNodeChannel;
import io.meshfl.wire.tls.MeshTls;
import io.meshfl.wire.tls.PeerPolicy;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

/**
 * What opening and ending a run costs on the wire, made again the way the coordinator does it, to
 * the mesh's running nodes over fresh mutual-TLS channels from the coordinator's certificate: a
 * run's first request to all nodes at once through {@link PartyCalls}, carrying the submitter's
 * signed ticket (as {@code TicketChannel} sends it; each node checks the ticket and opens the run
 * before it answers), against the same request once the run is open (no ticket); then
 * {@code session/end} to all at once on a thread each (as {@code RunSession.endLater}, after the
 * run's report). The request is a horizontal step the nodes do not know, so that they answer at
 * once after the run's checks. Each run has a fresh signed ticket and its own signed seal, made
 * beforehand so that the CPU measured is the calls'. The nodes keep everything in their journals
 * as in a run, and their background seal checks must all pass. Each kind of call is made for all
 * runs in turn, and the CPU the whole process spends on each kind (both ends of every call, every
 * node, the background checks) is read less its JIT compiler threads' and less what the idle mesh uses.
 */
final class TrustSessionCalls {

    static final int WARMUP = 100;
    static final int CALLS = 200;
    static final int IDLE_MS = 1000;
    private static final Duration TIMEOUT = Duration.ofSeconds(60);
    /** Linux's USER_HZ: /proc counts CPU time in these ticks. */
    private static final long TICKS_PER_SECOND = 100;
    /** A step of the run's protocol that the nodes answer at once with an error, after every check a run's request passes. */
    static final String STEP = "none";

    private TrustSessionCalls() {
    }

    /**
     * @param openMs       a run's first request to all nodes at once, carrying the ticket, ms
     * @param plainMs      the same request to all nodes once the run is open, without the ticket, ms
     * @param endMs        {@code session/end} to all nodes at once, ms
     * @param ticketCpuMs  the process's CPU per run for the first requests less the plain ones (less the JIT's and the idle rate)
     * @param endCpuMs     the process's CPU per run for the ends, likewise
     * @param idleCpuPct   the process's CPU (less the JIT's) while the mesh idles, percent of one core
     */
    record Calls(List<Double> openMs, List<Double> plainMs, List<Double> endMs, double ticketCpuMs, double endCpuMs, double idleCpuPct) {

        /** What the ticket adds to a run's first request, as the run waits for it: the medians' difference. */
        double ticketOnPathMs() {
            return Stats.median(openMs) - Stats.median(plainMs);
        }
    }

    static Calls measure(EmbeddedMesh mesh, TrustBench.Demo demo, Path stateRoot) throws Exception {
        Path certs = mesh.certs();
        MeshTls tls = MeshTls.load(certs, Role.COORDINATOR, "coordinator");
        Submitter submitter = Submitter.of(TrustBench.operator(certs));
        Map<String, NodeChannel> channels = new LinkedHashMap<>();
        for (DomainNode n : mesh.nodes()) {
            channels.put(n.domain(), new GrpcNodeChannel(n.domain(), n.domain(), tls.dial(n.address(), PeerPolicy.domain(n.domain())), true));
        }
        List<String> domains = new ArrayList<>(channels.keySet());
        ExecutorService ends = Executors.newCachedThreadPool(r -> {
            Thread t = new Thread(r, "bench-run-end");
            t.setDaemon(true);
            return t;
        });
        try {
            // the warm-up runs go through all three kinds of call first, unmeasured
            round(channels, domains, ends, submitter, demo, tls, "bench-warm-", WARMUP, null);
            Thread.sleep(TrustRuns.SETTLE_MS);
            Cpu idle = Cpu.now();
            Thread.sleep(IDLE_MS);
            long[] idleUse = Cpu.now().since(idle);
            double idleRate = idleUse[0] / (double) idleUse[1];
            double[] cpu = new double[3];
            List<List<Double>> ms = round(channels, domains, ends, submitter, demo, tls, "bench-call-", CALLS, (kind, used) ->
                    cpu[kind] = (used[0] - idleRate * used[1]) / 1e6 / CALLS);
            for (String d : demo.domains()) {
                for (Journal.Entry e : Journal.verify(stateRoot.resolve(d).resolve("runs.jsonl")).entries()) {
                    if (e.body().path("kind").asText().equals("note")) {
                        throw new IllegalStateException("node " + d + " noted a problem with run " + e.body().path("run").asText() + ": " + e.body());
                    }
                }
            }
            System.out.printf(Locale.ROOT, "run calls: %d runs; CPU per run: first request %.2f ms, plain %.2f ms, end %.2f ms; idle rate %.1f%% of a "
                    + "core%n", CALLS, cpu[0], cpu[1], cpu[2], 100 * idleRate);
            return new Calls(ms.get(0), ms.get(1), ms.get(2), cpu[0] - cpu[1], cpu[2], 100 * idleRate);
        } finally {
            ends.shutdownNow();
            channels.values().forEach(c -> ((GrpcNodeChannel) c).close());
        }
    }

    /** Receives the CPU (ns, less the JIT's) and the wall time (ns) of one kind of call over all runs. */
    private interface CpuSink {
        void used(int kind, long[] cpuAndWall);
    }

    /**
     * {@code count} runs: each opened by a first request with its ticket, then the same request
     * without, then ended; each kind made for all runs in turn (its CPU read around it). Returns
     * the times of the three kinds, ms.
     */
    private static List<List<Double>> round(Map<String, NodeChannel> channels, List<String> domains, ExecutorService ends, Submitter submitter,
                                            TrustBench.Demo demo, MeshTls tls, String prefix, int count, CpuSink sink) throws Exception {
        List<byte[]> tickets = new ArrayList<>();
        List<byte[]> seals = new ArrayList<>();
        try (Catalog scratch = Catalog.inMemory("bench-trust-calls-" + System.nanoTime())) {
            ChainSeals chain = new ChainSeals(scratch);
            for (int i = 0; i < count; i++) {
                tickets.add(demo.ticket(submitter).encode());
                seals.add(chain.seal(prefix + i, tls.signer()).toJson().toString().getBytes(StandardCharsets.UTF_8));
            }
        }
        List<List<Double>> out = List.of(new ArrayList<>(), new ArrayList<>(), new ArrayList<>());
        for (int kind = 0; kind < 3; kind++) {
            Thread.sleep(TrustRuns.SETTLE_MS);
            Cpu before = Cpu.now();
            for (int i = 0; i < count; i++) {
                final int k = i;
                String runId = prefix + i;
                String jobId = "bench-call-job-" + i;
                long t0 = System.nanoTime();
                switch (kind) {
                    case 0, 1 -> {
                        Map<String, byte[]> blobs = kind == 0 ? Map.of(SessionSteps.TICKET, tickets.get(i)) : Map.of();
                        long seq = kind + 1;
                        try (PartyCalls calls = new PartyCalls(channels, TIMEOUT, "the bench's run")) {
                            calls.parallel(domains, d -> Message.request(jobId, runId, "horizontal", STEP, 0, d).withBlobs(blobs).withSequence(seq));
                            throw new IllegalStateException("a node answered an unknown step without an error");
                        } catch (MeshflException expected) {
                            // each node answers once the run's checks passed, with an error naming the step it does not know
                            if (!expected.getMessage().contains("unknown horizontal step")) throw expected;
                        }
                    }
                    default -> {
                        List<CompletableFuture<Message>> replies = new ArrayList<>();
                        for (String d : domains) {
                            replies.add(CompletableFuture.supplyAsync(() -> channels.get(d).call(Message.request(jobId, runId, SessionSteps.PROTOCOL,
                                    SessionSteps.END, 0, d).withConfig(Map.of("outcome", "SUCCEEDED")).withBlobs(Map.of("seal", seals.get(k))).withSequence(3), TIMEOUT), ends));
                        }
                        CompletableFuture.allOf(replies.toArray(new CompletableFuture[0])).join();
                        for (CompletableFuture<Message> r : replies) {
                            if (r.join().failed()) throw new IllegalStateException("a node refused the end of " + runId + ": " + r.join().error().message());
                        }
                    }
                }
                out.get(kind).add((System.nanoTime() - t0) / 1e6);
            }
            Thread.sleep(TrustRuns.SETTLE_MS);
            if (sink != null) sink.used(kind, Cpu.now().since(before));
        }
        return out;
    }

    /**
     * The process's CPU ticks (threads that ended included) and each JIT compiler thread's, at one
     * moment, from /proc. Compiling is a warm-up cost that the JVM keeps paying long after the
     * first runs here, not a cost of the calls, so it is taken out.
     */
    private record Cpu(long processTicks, Map<String, Long> compilerTicks, long nanos) {

        static Cpu now() throws IOException {
            Map<String, Long> compilers = new HashMap<>();
            try (var tasks = Files.list(Path.of("/proc/self/task"))) {
                for (Path t : tasks.toList()) {
                    try {
                        String name = Files.readString(t.resolve("comm")).trim();
                        if (name.startsWith("C1 CompilerThre") || name.startsWith("C2 CompilerThre")) compilers.put(t.getFileName().toString(), ticks(t));
                    } catch (IOException e) {
                        // the thread ended meanwhile; its time stays in the process's
                    }
                }
            }
            return new Cpu(ticks(Path.of("/proc/self")), compilers, System.nanoTime());
        }

        /** CPU nanoseconds used since {@code before} less the compiler threads' (a compiler thread that ended meanwhile stays in), and wall nanoseconds. */
        long[] since(Cpu before) {
            long ticks = processTicks - before.processTicks;
            for (var e : compilerTicks.entrySet()) ticks -= e.getValue() - before.compilerTicks.getOrDefault(e.getKey(), 0L);
            return new long[]{ticks * 1_000_000_000L / TICKS_PER_SECOND, nanos - before.nanos};
        }

        /** utime + stime of a process or thread (fields 14 and 15 of its stat; the name in parentheses may hold spaces). */
        private static long ticks(Path dir) throws IOException {
            String s = Files.readString(dir.resolve("stat"));
            String[] f = s.substring(s.lastIndexOf(')') + 2).split(" ");
            return Long.parseLong(f[11]) + Long.parseLong(f[12]);
        }
    }

    /** Milliseconds the JIT has spent compiling so far, over all its threads. */
    static long jitMs() {
        var c = ManagementFactory.getCompilationMXBean();
        return c == null ? 0 : c.getTotalCompilationTime();
    }

}

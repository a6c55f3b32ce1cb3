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
 * The two session calls made again the way the coordinator makes them, to the mesh's running
 * nodes over fresh mutual-TLS channels from the coordinator's certificate: {@code session/authorize}
 * to all nodes at once through {@link PartyCalls} (as {@code RunSession.authorize}), then
 * {@code session/end} to all at once on a thread each (as {@code RunSession.end}); each run with a
 * fresh signed ticket and its own signed seal, made beforehand so that the CPU measured is the
 * calls'. The nodes keep everything in their journals as in a run, and their background seal checks
 * must all pass. Measured: each call's time, and the CPU the whole process spends on them (both
 * ends of every call, every node, the background checks), less its JIT compiler threads' and
 * less what the idle mesh uses; then the floor under such calls, a request the nodes answer at
 * once, made the same two ways and one node after another.
 */
final class TrustSessionCalls {

    static final int WARMUP = 100;
    static final int CALLS = 200;
    static final int IDLE_MS = 1000;
    private static final Duration TIMEOUT = Duration.ofSeconds(60);
    /** Linux's USER_HZ: /proc counts CPU time in these ticks. */
    private static final long TICKS_PER_SECOND = 100;

    private TrustSessionCalls() {
    }

    /**
     * @param authorizeMs each call to all nodes at once, as {@code RunSession.authorize} makes it, ms
     * @param endMs       likewise {@code RunSession.end}
     * @param cpuPerRunMs the process's CPU over the measured calls, less the JIT's and the idle rate, per authorize + end
     * @param idleCpuPct  the process's CPU (less the JIT's) while the mesh idles, percent of one core
     * @param barePartyMs   a request the nodes answer at once (a session step they do not know), to all nodes at once through
     *                      {@link PartyCalls}, as authorize is made
     * @param bareThreadsMs the same to all nodes at once on the end's threads, as the end is made
     * @param bareOneByOneMs the same to one node after another
     */
    record Calls(List<Double> authorizeMs, List<Double> endMs, double cpuPerRunMs, double idleCpuPct, List<Double> barePartyMs,
                 List<Double> bareThreadsMs, List<Double> bareOneByOneMs) {
    }

    static Calls measure(EmbeddedMesh mesh, TrustBench.Demo demo, Path stateRoot) throws Exception {
        Path certs = mesh.certs();
        MeshTls tls = MeshTls.load(certs, Role.COORDINATOR, "coordinator");
        Submitter submitter = Submitter.of(TrustBench.operator(certs));
        List<SignedTicket> tickets = new ArrayList<>();
        List<ChainSeals.Seal> seals = new ArrayList<>();
        try (Catalog scratch = Catalog.inMemory("bench-trust-calls-" + System.nanoTime())) {
            ChainSeals chain = new ChainSeals(scratch);
            for (int i = 0; i < WARMUP + CALLS; i++) {
                tickets.add(demo.ticket(submitter));
                seals.add(chain.seal(runId(i), tls.signer()));
            }
        }
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
        List<Double> authorize = new ArrayList<>();
        List<Double> end = new ArrayList<>();
        List<Double> bareParty = new ArrayList<>();
        List<Double> bareThreads = new ArrayList<>();
        List<Double> bareOneByOne = new ArrayList<>();
        double idleRate = 0;
        Cpu cpu0 = null;
        Cpu cpu1;
        long jit0 = 0;
        long gc0 = 0;
        try {
            for (int i = 0; i < WARMUP + CALLS; i++) {
                if (i == WARMUP) {
                    Thread.sleep(TrustRuns.SETTLE_MS);
                    Cpu idle = Cpu.now();
                    Thread.sleep(IDLE_MS);
                    long[] idleUse = Cpu.now().since(idle);
                    idleRate = idleUse[0] / (double) idleUse[1];
                    cpu0 = Cpu.now();
                    jit0 = jitMs();
                    gc0 = gcMs();
                }
                String runId = runId(i);
                String jobId = "bench-call-job-" + i;
                long t0 = System.nanoTime();
                byte[] blob = tickets.get(i).encode();
                try (PartyCalls calls = new PartyCalls(channels, TIMEOUT, "the bench's run needs every node")) {
                    calls.parallel(domains, d -> Message.request(jobId, runId, SessionSteps.PROTOCOL, SessionSteps.AUTHORIZE, 0, d)
                            .withBlobs(Map.of("ticket", blob)).withSequence(1));
                }
                long t1 = System.nanoTime();
                byte[] sealBlob = seals.get(i).toJson().toString().getBytes(StandardCharsets.UTF_8);
                List<CompletableFuture<Message>> replies = new ArrayList<>();
                for (String d : domains) {
                    replies.add(CompletableFuture.supplyAsync(() -> channels.get(d).call(Message.request(jobId, runId, SessionSteps.PROTOCOL,
                            SessionSteps.END, 0, d).withConfig(Map.of("outcome", "SUCCEEDED")).withBlobs(Map.of("seal", sealBlob))
                            .withSequence(2), TIMEOUT), ends));
                }
                CompletableFuture.allOf(replies.toArray(new CompletableFuture[0])).join();
                long t2 = System.nanoTime();
                for (CompletableFuture<Message> r : replies) {
                    if (r.join().failed()) throw new IllegalStateException("a node refused the end of " + runId + ": " + r.join().error().message());
                }
                if (i < WARMUP) continue;
                authorize.add((t1 - t0) / 1e6);
                end.add((t2 - t1) / 1e6);
            }
            Thread.sleep(TrustRuns.SETTLE_MS);
            cpu1 = Cpu.now();
            bare(channels, domains, ends, bareParty, bareThreads, bareOneByOne);
        } finally {
            ends.shutdownNow();
            channels.values().forEach(c -> ((GrpcNodeChannel) c).close());
        }
        long[] used = cpu1.since(cpu0);
        double perRun = (used[0] - idleRate * used[1]) / 1e6 / CALLS;
        System.out.printf(Locale.ROOT, "session calls: %d in %.0f ms, CPU %.0f ms less the JIT's, idle rate %.1f%% of a core; the JIT compiled %d ms "
                + "and the GC ran %d ms meanwhile%n", CALLS, used[1] / 1e6, used[0] / 1e6, 100 * idleRate, jitMs() - jit0, gcMs() - gc0);
        for (String d : demo.domains()) {
            for (Journal.Entry e : Journal.verify(stateRoot.resolve(d).resolve("runs.jsonl")).entries()) {
                if (e.body().path("kind").asText().equals("note")) {
                    throw new IllegalStateException("node " + d + " noted a problem with run " + e.body().path("run").asText() + ": " + e.body());
                }
            }
        }
        return new Calls(authorize, end, perRun, 100 * idleRate, bareParty, bareThreads, bareOneByOne);
    }

    /**
     * The floor under any session call: a request the nodes answer at once (a session step they do
     * not know; still checked for replay and written to the node's audit), to all nodes at once
     * through {@link PartyCalls} as authorize is made, to all at once on the end's threads, and to
     * one node after another.
     */
    private static void bare(Map<String, NodeChannel> channels, List<String> domains, ExecutorService ends, List<Double> partyCalls,
                             List<Double> threads, List<Double> oneByOne) {
        for (int i = 0; i < WARMUP + CALLS; i++) {
            String runId = "bench-bare-" + i;
            long t0 = System.nanoTime();
            try (PartyCalls calls = new PartyCalls(channels, TIMEOUT, "the bench's bare call")) {
                calls.parallel(domains, d -> bareRequest(runId + "-a", d));
                throw new IllegalStateException("a node answered an unknown session step without an error");
            } catch (MeshflException expected) {
                // every node answers with an error naming the unknown step, once all have answered
            }
            long t1 = System.nanoTime();
            List<CompletableFuture<Message>> replies = new ArrayList<>();
            for (String d : domains) replies.add(CompletableFuture.supplyAsync(() -> channels.get(d).call(bareRequest(runId + "-b", d), TIMEOUT), ends));
            CompletableFuture.allOf(replies.toArray(new CompletableFuture[0])).join();
            long t2 = System.nanoTime();
            for (String d : domains) {
                if (!channels.get(d).call(bareRequest(runId + "-c", d), TIMEOUT).failed()) {
                    throw new IllegalStateException("a node answered an unknown session step without an error");
                }
            }
            long t3 = System.nanoTime();
            if (i < WARMUP) continue;
            partyCalls.add((t1 - t0) / 1e6);
            threads.add((t2 - t1) / 1e6);
            oneByOne.add((t3 - t2) / 1e6);
        }
    }

    private static Message bareRequest(String runId, String domain) {
        return Message.request("bench-bare", runId, SessionSteps.PROTOCOL, "none", 0, domain).withSequence(1);
    }

    private static String runId(int i) {
        return "bench-call-" + i;
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

    private static long gcMs() {
        return ManagementFactory.getGarbageCollectorMXBeans().stream().mapToLong(b -> Math.max(0, b.getCollectionTime())).sum();
    }
}

package io.meshfl.core.crypto.psi;

import org.bouncycastle.math.ec.rfc7748.X25519;

import java.lang.management.ManagementFactory;
import java.lang.management.MemoryPoolMXBean;
import java.lang.management.MemoryType;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Throughput of the PSI primitives next to the plain X25519 floor, printed as one markdown table.
 *
 * <p>Run from the repository root:
 * <pre>
 * mvn -B -q -o -pl core test-compile &amp;&amp; java -Xmx1g -cp core/target/classes:core/target/test-classes:$HOME/.m2/repository/org/bouncycastle/bcprov-jdk18on/1.82/bcprov-jdk18on-1.82.jar io.meshfl.core.crypto.psi.PsiBench
 * </pre>
 * Add {@code --skip-1m} to extrapolate the 1M x 1M run from the 100k x 100k one instead of
 * measuring it (the measured run takes a few minutes on two cores).
 */
public final class PsiBench {
    private static final SecureRandom RND = new SecureRandom();
    private static final List<String[]> ROWS = new ArrayList<>();

    private PsiBench() {
    }

    public static void main(String[] args) throws Exception {
        boolean skip1m = List.of(args).contains("--skip-1m");
        int cores = Runtime.getRuntime().availableProcessors();

        Cost floor1 = floor(1, 4.0);
        Cost floorN = floor(cores, 4.0);
        row("X25519.scalarMult floor, 1 thread", floor1, "BouncyCastle 1.82 Montgomery ladder");
        row("X25519.scalarMult floor, " + cores + " threads", floorN, String.format("%.2fx the 1-thread rate", floorN.rate() / floor1.rate()));

        row("HashToCurve.hash, 1 thread", hashCost(3.0), "");

        PsiKey key = PsiKey.random(RND);
        Blinder one = new Blinder(key, 1);
        Blinder all = new Blinder(key, cores);
        String[] keys = keys("bench-", 0, 60_000);
        one.blindKeys(keys, 0, 5_000);
        all.blindKeys(keys, 0, 10_000);
        row("Blinder.blindKeys (hash + mult), 1 thread", measure(() -> one.blindKeys(keys, 0, 30_000), 30_000), "");
        row("Blinder.blindKeys (hash + mult), " + cores + " threads", measure(() -> all.blindKeys(keys, 0, 60_000), 60_000), "");
        byte[] blinded = all.blindKeys(keys, 0, 60_000);
        Blinder other = new Blinder(PsiKey.random(RND), cores);
        row("Blinder.reblind, " + cores + " threads", measure(() -> other.reblind(blinded), 60_000), "");

        row("Intersection.matchIndices 1M x 1M", matchCost(1_000_000), "random values, 500k shared; value is seconds");

        // the machine may be shared, so each run is compared with a floor measured just before it
        long[] peak100k = new long[1];
        Cost floorBefore = floor(cores, 4.0);
        Cost e2e100k = endToEnd(100_000, cores, peak100k);
        row("PSI 100k x 100k end to end (both parties)", e2e100k, vsFloor(e2e100k, 400_000, floorBefore)
                + String.format("; peak heap %d MB", peak100k[0] >> 20));

        if (skip1m) {
            Cost est = new Cost(e2e100k.wall * 10, e2e100k.cpu * 10, e2e100k.ops * 10, true);
            row("PSI 1M x 1M end to end (extrapolated x10)", est, vsFloor(est, 4_000_000, floorBefore));
        } else {
            long[] peak = new long[1];
            Cost floor1m = floor(cores, 4.0);
            Cost e2e1m = endToEnd(1_000_000, cores, peak);
            row("PSI 1M x 1M end to end (both parties, measured)", e2e1m, vsFloor(e2e1m, 4_000_000, floor1m)
                    + String.format("; peak heap %d MB of -Xmx %d MB", peak[0] >> 20, Runtime.getRuntime().maxMemory() >> 20));
        }

        System.out.println("Machine: " + cores + " cores, " + cpuModel() + ", Java " + System.getProperty("java.version")
                + String.format(", load average %.2f at the end", ManagementFactory.getOperatingSystemMXBean().getSystemLoadAverage()));
        System.out.println();
        System.out.println("| measurement | wall clock | CPU per op | note |");
        System.out.println("|---|---|---|---|");
        for (String[] r : ROWS) {
            System.out.println("| " + String.join(" | ", r) + " |");
        }
    }

    /**
     * Wall seconds, process CPU seconds (all threads, GC included) and operations of one
     * measurement; a whole run ({@code run}) is shown in seconds, its operations are multiplications.
     */
    record Cost(double wall, double cpu, long ops, boolean run) {
        Cost(double wall, double cpu, long ops) {
            this(wall, cpu, ops, false);
        }

        double rate() {
            return ops / wall;
        }
    }

    private static Cost measure(Runnable r, long ops) {
        long c0 = cpuNanos();
        long t0 = System.nanoTime();
        r.run();
        return new Cost((System.nanoTime() - t0) / 1e9, (cpuNanos() - c0) / 1e9, ops);
    }

    private static long cpuNanos() {
        return ((com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean()).getProcessCpuTime();
    }

    /** Compares a PSI run with {@code mults} plain multiplications at the floor, by wall clock and by CPU time. */
    private static String vsFloor(Cost run, long mults, Cost floor) {
        double floorWall = mults / floor.rate();
        double floorCpu = mults * floor.cpu / floor.ops;
        return String.format("%.3fx the wall time of %,d plain mults at the floor rate measured just before (%.0f s); %.3fx their CPU time (%.0f s)",
                run.wall / floorWall, mults, floorWall, run.cpu / floorCpu, floorCpu);
    }

    private static void row(String what, Cost c, String note) {
        String wall = c.ops == 0 ? String.format("%.2f s", c.wall)
                : c.run ? String.format("%.1f s", c.wall) : String.format("%,.0f ops/s", c.rate());
        String cpu = c.ops == 0 ? String.format("%.2f CPU s", c.cpu)
                : c.run ? String.format("%.0f CPU s (%.1f us per mult)", c.cpu, c.cpu / c.ops * 1e6)
                : String.format("%.1f us", c.cpu / c.ops * 1e6);
        ROWS.add(new String[] {what, wall, cpu, note});
        System.err.println(what + ": " + wall + ", " + cpu + " " + note);
    }

    /** Plain scalar multiplications over {@code threads} threads for about {@code seconds}, after a warm-up. */
    private static Cost floor(int threads, double seconds) throws InterruptedException {
        run(threads, 1.0, new AtomicLong());
        AtomicLong count = new AtomicLong();
        long c0 = cpuNanos();
        long t0 = System.nanoTime();
        run(threads, seconds, count);
        return new Cost((System.nanoTime() - t0) / 1e9, (cpuNanos() - c0) / 1e9, count.get());
    }

    private static void run(int threads, double seconds, AtomicLong count) throws InterruptedException {
        CountDownLatch done = new CountDownLatch(threads);
        long end = System.nanoTime() + (long) (seconds * 1e9);
        for (int t = 0; t < threads; t++) {
            Thread th = new Thread(() -> {
                byte[] k = new byte[32];
                X25519.generatePrivateKey(RND, k);
                byte[] u = new byte[32];
                HashToCurve.hash(new byte[] {1}, u, 0);
                byte[] r = new byte[32];
                long n = 0;
                while (System.nanoTime() < end) {
                    for (int i = 0; i < 50; i++) {
                        X25519.scalarMult(k, 0, u, 0, r, 0);
                        System.arraycopy(r, 0, u, 0, 32);
                    }
                    n += 50;
                }
                count.addAndGet(n);
                done.countDown();
            });
            th.start();
        }
        done.await();
    }

    private static Cost hashCost(double seconds) {
        byte[] out = new byte[32];
        byte[][] msgs = new byte[1000][];
        for (int i = 0; i < msgs.length; i++) {
            msgs[i] = ("customer-" + i).getBytes(StandardCharsets.UTF_8);
        }
        for (int i = 0; i < 50_000; i++) {
            HashToCurve.hash(msgs[i % 1000], out, 0);
        }
        long n = 0;
        long c0 = cpuNanos();
        long t0 = System.nanoTime();
        long end = t0 + (long) (seconds * 1e9);
        while (System.nanoTime() < end) {
            for (int i = 0; i < 1000; i++) {
                HashToCurve.hash(msgs[i], out, 0);
            }
            n += 1000;
        }
        return new Cost((System.nanoTime() - t0) / 1e9, (cpuNanos() - c0) / 1e9, n);
    }

    /** One matchIndices call on n x n random values, half of them shared; {@code ops} is 0 so the row shows seconds. */
    private static Cost matchCost(int n) {
        Random rnd = new Random(1);
        byte[] mine = new byte[n * 32];
        byte[] theirs = new byte[n * 32];
        rnd.nextBytes(mine);
        rnd.nextBytes(theirs);
        for (int i = 0; i < n / 2; i++) {
            System.arraycopy(mine, 2 * i * 32, theirs, rnd.nextInt(n) * 32, 32);
        }
        Intersection.matchIndices(mine, theirs);
        int[] found = new int[1];
        Cost c = measure(() -> found[0] = Intersection.matchIndices(mine, theirs).length, 0);
        if (found[0] < n / 3) {
            throw new IllegalStateException("matched only " + found[0]);
        }
        return c;
    }

    static String[] keys(String prefix, int from, int to) {
        String[] out = new String[to - from];
        for (int i = from; i < to; i++) {
            out[i - from] = prefix + i;
        }
        return out;
    }

    /**
     * Both parties of a two-party run in this process, each with all cores; keys are produced
     * batch by batch so only one batch of strings exists at a time. Writes the heap peak (sum of
     * heap pool peaks, an upper bound) to {@code peak[0]}.
     */
    private static Cost endToEnd(int n, int cores, long[] peak) {
        final int batch = 1 << 16;
        System.gc();
        List<MemoryPoolMXBean> pools = ManagementFactory.getMemoryPoolMXBeans().stream()
                .filter(p -> p.getType() == MemoryType.HEAP).toList();
        pools.forEach(MemoryPoolMXBean::resetPeakUsage);
        long c0 = cpuNanos();
        long t0 = System.nanoTime();
        Blinder a = new Blinder(PsiKey.random(RND), cores);
        Blinder b = new Blinder(PsiKey.random(RND), cores);
        // A's keys are user-0 .. user-(n-1), B's are user-(n/2) .. user-(3n/2 - 1): n/2 shared
        byte[] aOut = new byte[n * 32];
        for (int from = 0; from < n; from += batch) {
            int to = Math.min(n, from + batch);
            String[] ks = keys("user-", from, to);
            System.arraycopy(a.blindKeys(ks, 0, ks.length), 0, aOut, from * 32, ks.length * 32);
        }
        byte[] aDouble = b.reblind(aOut);
        aOut = null;
        byte[] bOut = new byte[n * 32];
        for (int from = 0; from < n; from += batch) {
            int to = Math.min(n, from + batch);
            String[] ks = keys("user-", n / 2 + from, n / 2 + to);
            System.arraycopy(b.blindKeys(ks, 0, ks.length), 0, bOut, from * 32, ks.length * 32);
        }
        byte[] bDouble = a.reblind(bOut);
        bOut = null;
        int[] hits = Intersection.matchIndices(aDouble, bDouble);
        Cost c = new Cost((System.nanoTime() - t0) / 1e9, (cpuNanos() - c0) / 1e9, 4L * n, true);
        if (hits.length != n / 2 || hits[0] != n / 2 || hits[hits.length - 1] != n - 1) {
            throw new IllegalStateException("wrong intersection: " + hits.length);
        }
        peak[0] = pools.stream().mapToLong(p -> p.getPeakUsage().getUsed()).sum();
        return c;
    }

    private static String cpuModel() {
        try {
            return Files.readAllLines(Path.of("/proc/cpuinfo")).stream()
                    .filter(l -> l.startsWith("model name")).findFirst()
                    .map(l -> l.substring(l.indexOf(':') + 1).trim()).orElse("unknown CPU");
        } catch (Exception e) {
            return "unknown CPU";
        }
    }
}

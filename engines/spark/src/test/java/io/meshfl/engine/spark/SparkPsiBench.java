package io.meshfl.engine.spark;

import io.meshfl.core.contract.ContractLoader;
import io.meshfl.core.contract.DataContract;
import io.meshfl.core.protocol.NodeChannel;
import io.meshfl.core.protocol.psi.PsiNode;
import io.meshfl.core.protocol.psi.PsiRunner;
import io.meshfl.core.protocol.psi.PsiSteps;
import io.meshfl.core.testing.CustomerContracts;

import java.io.BufferedWriter;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryPoolMXBean;
import java.lang.management.MemoryType;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Entity alignment of an {@code n}-row product against an {@code m}-row peer (half of it shared),
 * once with both parties on the node's own engine and once with the large product on the Spark
 * engine (local[2]), in one JVM, in one run: seconds, and the heap's peak after each (the pools'
 * peak usage, reset before each). The parties are reached directly (no transport), so the ratio is
 * the engines' own. Usage: {@code SparkPsiBench [n] [m] [runs]}; {@code bench/run.sh spark-psi}.
 */
public final class SparkPsiBench {

    private SparkPsiBench() {
    }

    public static void main(String[] args) throws Exception {
        int n = args.length > 0 ? Integer.parseInt(args[0]) : 1_000_000;
        int m = args.length > 1 ? Integer.parseInt(args[1]) : 1_000_000;
        int runs = args.length > 2 ? Integer.parseInt(args[2]) : 2;
        Path dir = Files.createTempDirectory("meshfl-spark-psi-bench");
        DataContract big = product(dir, "bank", 0, n);
        DataContract peer = product(dir, "shop", n - m / 2, n - m / 2 + m);
        System.out.printf(Locale.ROOT, "entity alignment: %,d keys (CSV) against %,d (half shared), %d run(s) each, %d cores, heap at most %d MB%n",
                n, m, runs, Runtime.getRuntime().availableProcessors(), Runtime.getRuntime().maxMemory() >> 20);
        double[] own = new double[runs], spark = new double[runs];
        long ownPeak = 0, sparkPeak = 0;
        int common = -1;
        try (SparkEngine engine = new SparkEngine("bank", List.of(big), Map.of(), s -> { })) {
            for (int r = 0; r < runs; r++) {
                resetPeaks();
                long t0 = System.nanoTime();
                common = align(new FileParty(big, new PsiNode()), new FileParty(peer, new PsiNode()));
                own[r] = (System.nanoTime() - t0) / 1e9;
                ownPeak = Math.max(ownPeak, peak());
                resetPeaks();
                t0 = System.nanoTime();
                int c = align(new FileParty(big, new SparkPsiNode(engine, new PsiNode())), new FileParty(peer, new PsiNode()));
                spark[r] = (System.nanoTime() - t0) / 1e9;
                sparkPeak = Math.max(sparkPeak, peak());
                if (c != common) throw new IllegalStateException("the engines found " + common + " and " + c + " common keys");
                System.out.printf(Locale.ROOT, "run %d: own engine %.1f s, Spark local[2] %.1f s%n", r + 1, own[r], spark[r]);
            }
        }
        double o = Arrays.stream(own).min().orElseThrow(), s = Arrays.stream(spark).min().orElseThrow();
        System.out.printf(Locale.ROOT, "| engine | seconds (best of %d) | heap peak (MB) |%n|---|---:|---:|%n", runs);
        System.out.printf(Locale.ROOT, "| node's own (JVM) | %.1f | %d |%n| Spark local[2] | %.1f | %d |%n", o, ownPeak >> 20, s, sparkPeak >> 20);
        System.out.printf(Locale.ROOT, "common keys %,d; Spark / own: %.2fx%n", common, s / o);
    }

    private static int align(FileParty a, FileParty b) {
        Map<String, NodeChannel> byDomain = new LinkedHashMap<>();
        byDomain.put(a.domain(), a);
        byDomain.put(b.domain(), b);
        PsiRunner.Result r = new PsiRunner(byDomain, Duration.ofMinutes(30), s -> { }, 1 << 16).run("job", "run",
                List.of(new PsiRunner.Party(a.domain(), a.contract.id()), new PsiRunner.Party(b.domain(), b.contract.id())), false);
        if (a.jobState("job").get(PsiSteps.ALIGNED_ROWS) == null) throw new IllegalStateException("no aligned rows");
        return r.intersection();
    }

    private static DataContract product(Path dir, String domain, int from, int to) throws Exception {
        try (BufferedWriter w = Files.newBufferedWriter(dir.resolve(domain + ".csv"))) {
            w.write("cid,x\n");
            for (int i = from; i < to; i++) {
                w.write("C");
                w.write(Integer.toString(i));
                w.write(",1\n");
            }
        }
        Path f = dir.resolve(domain + ".yaml");
        Files.writeString(f, CustomerContracts.yaml(domain, CustomerContracts.PII_KEY + "      - {name: x, logicalType: number}\n", ""));
        return ContractLoader.load(f);
    }

    private static void resetPeaks() {
        System.gc();
        for (MemoryPoolMXBean p : ManagementFactory.getMemoryPoolMXBeans()) if (p.getType() == MemoryType.HEAP) p.resetPeakUsage();
    }

    private static long peak() {
        long sum = 0;
        for (MemoryPoolMXBean p : ManagementFactory.getMemoryPoolMXBeans()) if (p.getType() == MemoryType.HEAP) sum += p.getPeakUsage().getUsed();
        return sum;
    }
}

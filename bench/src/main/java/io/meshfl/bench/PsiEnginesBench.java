package io.meshfl.bench;

import io.meshfl.core.crypto.curve.BouncyCastleX25519;
import io.meshfl.core.crypto.curve.X25519Engine;
import io.meshfl.core.crypto.psi.Blinder;
import io.meshfl.core.crypto.psi.PsiKey;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * PSI between two nodes over loopback on each X25519 engine, beside each engine's floor, in one run:
 * the floor is the engine's scalar multiplications alone (a {@link Blinder} re-blinding valid points
 * on both cores, the same call PSI makes), times the 4n multiplications of an n x n PSI (each side
 * blinds its n keys and re-blinds the other's n points); the PSI is {@link PsiLoopbackBench} in a
 * child JVM started with {@code -Dmeshfl.x25519=ENGINE} (the engine is chosen once per JVM).
 * BouncyCastle's row is the previous version. Usage: {@code PsiEnginesBench DOC [n]}.
 */
public final class PsiEnginesBench {

    static final int FLOOR_POINTS = 200_000;
    static final double TARGET_SECONDS = 75;

    private PsiEnginesBench() {
    }

    public static void main(String[] args) throws Exception {
        Path doc = Docs.docPath(args);
        int n = args.length > 1 ? Integer.parseInt(args[1]) : 1_000_000;
        int cores = Runtime.getRuntime().availableProcessors();
        String startLoad = loadAverage();
        Map<String, X25519Engine> engines = new LinkedHashMap<>();
        engines.put("bouncycastle", BouncyCastleX25519.INSTANCE);
        var sodium = X25519Engine.choose("sodium"); // fails here, naming why, where libsodium is absent
        engines.put("sodium", sodium.engine());

        // the points every engine re-blinds: valid blinded keys
        PsiKey key = PsiKey.random(new SecureRandom());
        List<String> keys = new ArrayList<>();
        for (int i = 0; i < FLOOR_POINTS; i++) keys.add("customer-" + i);
        byte[] points = new Blinder(key, cores, BouncyCastleX25519.INSTANCE).blindKeys(keys);
        Map<String, Double> rate = new LinkedHashMap<>();
        for (int rep = 0; rep < 4; rep++) { // alternating; the first pass warms up
            for (var e : engines.entrySet()) {
                Blinder b = new Blinder(key, cores, e.getValue());
                long t0 = System.nanoTime();
                b.reblind(points);
                double perSecond = FLOOR_POINTS / ((System.nanoTime() - t0) / 1e9);
                if (rep > 0) rate.merge(e.getKey(), perSecond, Math::max);
            }
        }
        byte[] a = new Blinder(key, cores, BouncyCastleX25519.INSTANCE).reblind(points);
        byte[] b = new Blinder(key, cores, sodium.engine()).reblind(points);
        if (!java.util.Arrays.equals(a, b)) throw new IllegalStateException("the engines re-blinded differently");

        Map<String, double[]> psi = new LinkedHashMap<>();
        for (String engine : engines.keySet()) {
            psi.put(engine, runPsi(engine, n));
            System.out.printf(Locale.ROOT, "%s: %.1f s%n", engine, psi.get(engine)[0]);
        }
        double sodiumFloor = 4.0 * n / rate.get("sodium");
        StringBuilder md = new StringBuilder(String.format(Locale.ROOT, "PSI %,d x %,d keys (half shared) between two nodes of an embedded mesh over "
                + "loopback gRPC through the coordinator (`PsiLoopbackBench`, batches of 65,536), once per X25519 engine, each in its own JVM "
                + "(`-Dmeshfl.x25519`); floor = 4 x %,d scalar multiplications at the engine's rate on %d threads (a `Blinder` re-blinding "
                + "%,d valid points, best of 3 after a warm-up), the arithmetic PSI cannot avoid. Both engines re-blinded the same points to "
                + "the same bytes. Load average at the start: %s.%n%n| X25519 engine | multiplications/s (%d threads) | floor s | PSI s | PSI / "
                + "own floor | PSI / libsodium floor | target at 1M x 1M: %.0f s | peak heap MB (one JVM: both nodes and the coordinator) |%n"
                + "|---|---:|---:|---:|---:|---:|---|---:|%n", n, n, n, cores, FLOOR_POINTS, startLoad, cores, TARGET_SECONDS));
        for (String engine : engines.keySet()) {
            double floor = 4.0 * n / rate.get(engine);
            double secs = psi.get(engine)[0];
            String name = engine.equals("sodium") ? engines.get(engine).name() : engines.get(engine).name() + " (the previous version's engine)";
            md.append(String.format(Locale.ROOT, "| %s | %,.0f | %.1f | **%.1f** | %.2f | %.2f | %s | %.0f |%n", name, rate.get(engine), floor, secs,
                    secs / floor, secs / sodiumFloor, n != 1_000_000 ? "- (set for 1M x 1M)" : secs <= TARGET_SECONDS ? "met" : "not met",
                    psi.get(engine)[1]));
        }
        md.append(String.format(Locale.ROOT, "%nLoad average at the end: %s.%n%n%s%n", loadAverage(), Docs.stamp()));
        System.out.println(md);
        Docs.replaceBlock(doc, "psi-engines", md.toString());
    }

    /** PsiLoopbackBench in a child JVM on {@code engine}: seconds and peak heap MB from its summary line. */
    private static double[] runPsi(String engine, int n) throws Exception {
        String java = ProcessHandle.current().info().command().orElse("java");
        Process p = new ProcessBuilder(java, "-Xmx4g", "-Dmeshfl.x25519=" + engine, "-cp", System.getProperty("java.class.path"),
                PsiLoopbackBench.class.getName(), Integer.toString(n)).redirectErrorStream(true).start();
        Pattern summary = Pattern.compile("PSI \\d+ x \\d+ over loopback: (\\d+) common, ([0-9.]+) s, \\d+ wire bytes, peak heap .* ([0-9.]+) MB");
        double[] out = null;
        try (BufferedReader r = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
            for (String line; (line = r.readLine()) != null; ) {
                Matcher m = summary.matcher(line);
                if (m.find()) {
                    if (Integer.parseInt(m.group(1)) != n / 2) throw new IllegalStateException(engine + " found " + m.group(1) + " common keys, not " + n / 2);
                    out = new double[]{Double.parseDouble(m.group(2)), Double.parseDouble(m.group(3))};
                }
            }
        }
        if (p.waitFor() != 0 || out == null) throw new IllegalStateException("the PSI on " + engine + " did not finish (exit " + p.exitValue() + ")");
        return out;
    }

    private static String loadAverage() {
        try {
            return java.nio.file.Files.readString(Path.of("/proc/loadavg")).trim().split(" ", 4)[0] + " (1 min)";
        } catch (Exception e) {
            return "unknown";
        }
    }
}

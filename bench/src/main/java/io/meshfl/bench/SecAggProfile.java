package io.meshfl.bench;

import io.meshfl.core.crypto.seal.SealedBox;
import io.meshfl.core.crypto.secagg.KeyAgreement;
import io.meshfl.core.crypto.secagg.KeyShares;
import io.meshfl.core.crypto.secagg.Prg;
import io.meshfl.core.crypto.secagg.Ring;
import io.meshfl.core.crypto.secagg.Shamir;
import io.meshfl.core.crypto.secagg.Unmasking;
import io.meshfl.core.crypto.secagg.SecAggParams;

import java.security.KeyPair;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Map.Entry;

/**
 * Where a secure round's critical path goes, by operation: the primitives one client and the
 * coordinator run in a round of {@code nodes} nodes at degree {@code degree}, each timed as a
 * batch of the count a round needs (best of several repetitions, warm JIT). The round benchmark
 * times whole stages; this splits them into key agreement, sealing, Shamir sharing and masking.
 */
final class SecAggProfile {

    private static final int REPS = 9;
    private static final int WARM_UPS = 10;

    private SecAggProfile() {
    }

    /** Milliseconds per round, by operation, in the order a round runs them. */
    static Map<String, Double> measure(int nodes, int degree, int threshold, int length) {
        SecureRandom rnd = new SecureRandom();
        Ring ring = Ring.z32();
        int[] xs = new int[degree];
        for (int i = 0; i < degree; i++) xs[i] = i + 2;
        List<KeyPair> peers = new ArrayList<>();
        List<byte[]> peerPublic = new ArrayList<>();
        List<SealedBox> peerBoxes = new ArrayList<>();
        for (int i = 0; i < degree; i++) {
            KeyPair kp = KeyAgreement.generate(rnd);
            peers.add(kp);
            peerPublic.add(KeyAgreement.encodePublic(kp.getPublic()));
            peerBoxes.add(SealedBox.generate());
        }
        SealedBox me = SealedBox.generate();
        KeyPair mine = KeyAgreement.generate(rnd);
        byte[] seed = new byte[32];
        rnd.nextBytes(seed);
        SecAggParams params = new SecAggParams("profile", nodes, degree, threshold, 32, length, new byte[32]);
        List<Shamir.Share> seedShares = Shamir.share(seed, threshold, xs, rnd);
        List<Shamir.Share> keyShares = Shamir.share(KeyAgreement.encodePrivate(mine.getPrivate()), threshold, xs, rnd);
        byte[] plain = new KeyShares(0, 1, seedShares.get(0), keyShares.get(0)).encode();
        List<byte[]> sealedIn = new ArrayList<>();
        for (int i = 0; i < degree; i++) sealedIn.add(peerBoxes.get(i).seal(me.publicKey(), "ctx" + i, plain));
        long[] acc = new long[length];
        List<Shamir.Share> rebuildFrom = seedShares.subList(0, threshold + 1);

        Map<String, Runnable> ops = new LinkedHashMap<>();
        ops.put("client setup: 2 key pairs", () -> {
            SealedBox.generate().publicKey();
            KeyAgreement.encodePublic(KeyAgreement.generate(rnd).getPublic());
        });
        ops.put("client share keys: 2 Shamir sharings", () -> {
            Shamir.share(seed, threshold, xs, rnd);
            Shamir.share(KeyAgreement.encodePrivate(mine.getPrivate()), threshold, xs, rnd);
        });
        ops.put("client share keys: " + degree + " seals (with a fresh key pair)", () -> {
            // a fresh box: a node's box remembers its agreements, and each round starts with a new one
            SealedBox box = SealedBox.generate();
            for (int i = 0; i < degree; i++) box.seal(peerBoxes.get(i).publicKey(), "ctx" + i, plain);
        });
        for (int i = 0; i < degree; i++) me.seal(peerBoxes.get(i).publicKey(), "ctx" + i, plain);
        ops.put("client collect: " + degree + " opens (agreements from sealing reused)", () -> {
            for (int i = 0; i < degree; i++) me.open(peerBoxes.get(i).publicKey(), "ctx" + i, sealedIn.get(i));
        });
        ops.put("client collect: " + degree + " pair seeds", () -> {
            for (int i = 0; i < degree; i++) KeyAgreement.sharedSeed(mine.getPrivate(), peerPublic.get(i), params.pairContext(0, i + 1));
        });
        ops.put("client collect: " + (degree + 1) + " mask expansions", () -> {
            for (int i = 0; i <= degree; i++) Prg.apply(acc, seed, ring, (i & 1) == 0);
        });
        ops.put("coordinator recover: " + nodes + " seed rebuilds (on one core)", () -> {
            for (int i = 0; i < nodes; i++) Shamir.reconstruct(rebuildFrom);
        });
        Map<Integer, byte[]> selfSeeds = new HashMap<>();
        for (int i = 0; i < nodes; i++) selfSeeds.put(i, seed);
        ops.put("coordinator recover: " + nodes + " self-mask expansions (on all cores)", () ->
                Unmasking.unmaskWithPairSeeds(params, params.graph(), acc, selfSeeds, Map.of()));

        Map<String, Double> out = new LinkedHashMap<>();
        for (Entry<String, Runnable> op : ops.entrySet()) {
            for (int w = 0; w < WARM_UPS; w++) op.getValue().run();
            double best = Double.MAX_VALUE;
            for (int r = 0; r < REPS; r++) {
                long t0 = System.nanoTime();
                op.getValue().run();
                best = Math.min(best, (System.nanoTime() - t0) / 1e6);
            }
            out.put(op.getKey(), best);
        }
        return out;
    }

    /** Prints the profile of a 100-node round without running whole rounds. */
    public static void main(String[] args) {
        var spec = io.meshfl.core.plan.SecureAggregationSpec.defaults();
        int degree = spec.degreeFor(100);
        System.out.println(table(100, degree, measure(100, degree, spec.thresholdFor(degree), 100_003)));
    }

    static String table(int nodes, int degree, Map<String, Double> ms) {
        StringBuilder sb = new StringBuilder();
        sb.append(String.format(Locale.ROOT, "Per-operation costs of one %d-node round (degree %d), best of %d warm batches:%n%n", nodes, degree, REPS));
        sb.append("| operation | ms per round |\n|---|---:|\n");
        for (Entry<String, Double> e : ms.entrySet()) {
            sb.append(String.format(Locale.ROOT, "| %s | %.2f |%n", e.getKey(), e.getValue()));
        }
        return sb.toString();
    }
}

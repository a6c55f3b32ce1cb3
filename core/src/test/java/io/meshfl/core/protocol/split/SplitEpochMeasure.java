package io.meshfl.core.protocol.split;

import io.meshfl.core.data.Dataset;
import io.meshfl.core.model.ModelSpec;
import io.meshfl.core.model.nn.Network;
import io.meshfl.core.model.nn.SplitReference;
import io.meshfl.core.plan.JobSpec;
import io.meshfl.core.plan.Plan;
import io.meshfl.core.protocol.NodeChannel;
import io.meshfl.core.protocol.horizontal.RoundSummary;
import io.meshfl.core.protocol.horizontal.RunObserver;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;

/**
 * Samples per second of one training epoch, distributed over in-process nodes against the
 * centralized {@link SplitReference}, on the same rows and architecture. A measurement to run by
 * hand ({@code main}), not a test: args are rows, columns per party, parties, epochs.
 */
public final class SplitEpochMeasure {

    public static void main(String[] args) {
        int rows = args.length > 0 ? Integer.parseInt(args[0]) : 30_000;
        int cols = args.length > 1 ? Integer.parseInt(args[1]) : 30;
        int parties = args.length > 2 ? Integer.parseInt(args[2]) : 2;
        int epochs = args.length > 3 ? Integer.parseInt(args[3]) : 4;
        for (JobSpec.SplitSettings s : List.of(
                new JobSpec.SplitSettings(List.of(32), 8, List.of(16), "relu", epochs, 128, 0.01, "adam", "coordinator", List.of(), 4, 0, 0, 0, 1 << 16),
                new JobSpec.SplitSettings(List.of(64), 16, List.of(32), "relu", epochs, 256, 0.01, "adam", "coordinator", List.of(), 4, 0, 0, 0, 1 << 16),
                new JobSpec.SplitSettings(List.of(64), 16, List.of(32), "relu", epochs, 256, 0.01, "adam", "p0", List.of(), 4, 0.1, 1.0, 0, 1 << 16))) {
            measure(s, rows, cols, parties);
        }
    }

    private static void measure(JobSpec.SplitSettings s, int rows, int cols, int parties) {
        Random r = new Random(1);
        Map<String, NodeChannel> channels = new LinkedHashMap<>();
        List<Plan.Participant> ps = new ArrayList<>();
        List<Dataset> tables = new ArrayList<>();
        double[] y = new double[rows];
        for (int i = 0; i < rows; i++) y[i] = r.nextBoolean() ? 1 : 0;
        for (int k = 0; k < parties; k++) {
            List<String> names = new ArrayList<>();
            for (int j = 0; j < cols; j++) names.add("p" + k + "_c" + j);
            double[] x = new double[rows * cols];
            for (int i = 0; i < x.length; i++) x[i] = r.nextGaussian() + (y[i / cols] - 0.5) * (i % cols == 0 ? 1 : 0);
            String[] keys = new String[rows];
            for (int i = 0; i < rows; i++) keys[i] = "id" + i;
            Dataset d = new Dataset(names, x, k == 0 ? y : null, keys, rows);
            tables.add(d);
            SplitWorld.DataNode n = new SplitWorld.DataNode("p" + k, Path.of(System.getProperty("java.io.tmpdir"), "split-measure"));
            n.products.put("p" + k + ".p", d);
            channels.put(n.domain(), n);
            ps.add(new Plan.Participant("p" + k + ".p", n.domain(), "1", rows, k == 0 ? "guest" : "host", names));
        }
        JobSpec job = new JobSpec("measure", List.of(), SplitWorld.LABEL, List.of(), ModelSpec.of(ModelSpec.Type.SPLITNN), "split", null,
                null, s.epochs(), null, 600.0, 5, false, "measure", null, s, null, null, null, null, null, java.util.Set.of(), java.util.Map.of());
        Plan plan = new Plan("split", "split", ps, List.of(), List.of(), SplitWorld.LABEL, ModelSpec.of(ModelSpec.Type.SPLITNN), 0, s.epochs(),
                List.of(), List.of());
        List<Double> dist = new ArrayList<>();
        new SplitRunner(job, plan, channels, new RunObserver() {
            @Override
            public void round(RoundSummary sum) {
                dist.add(sum.metrics().get("samples_per_second"));
            }
        }).run("measure", "measure");

        List<Dataset> encoded = new ArrayList<>();
        List<Network> bottoms = new ArrayList<>();
        for (Dataset d : tables) {
            ColumnEncoding e = ColumnEncoding.fit(d, List.of());
            encoded.add(e.apply(d));
            bottoms.add(SplitArchitecture.bottom(e, s));
        }
        SplitReference ref = new SplitReference(bottoms, SplitArchitecture.top(parties, s), SplitArchitecture.reference(s, 5));
        List<Double> central = new ArrayList<>();
        for (int e = 0; e < s.epochs(); e++) {
            long t0 = System.nanoTime();
            for (int[] b : SplitReference.batches(rows, s.batchSize(), 5, e)) ref.step(encoded, y, b);
            central.add(rows / ((System.nanoTime() - t0) / 1e9));
        }
        System.out.printf(Locale.ROOT, "%d rows, %d parties x %d columns, bottom %s cut %d top %s, batch %d, labels %s, noise %.2f, clip %.1f%n",
                rows, parties, cols, s.bottomHidden(), s.cutWidth(), s.topHidden(), s.batchSize(), s.labels(), s.activationNoise(), s.gradientClip());
        System.out.println("  distributed samples/s per epoch: " + fmt(dist));
        System.out.println("  centralized samples/s per epoch: " + fmt(central));
    }

    private static String fmt(List<Double> v) {
        return v.stream().map(x -> String.format(Locale.ROOT, "%.0f", x)).toList().toString();
    }
}

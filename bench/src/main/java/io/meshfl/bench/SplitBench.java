package io.meshfl.bench;

import io.meshfl.cli.EmbeddedMesh;
import io.meshfl.coordinator.JobObserver;
import io.meshfl.core.catalog.Catalog;
import io.meshfl.core.contract.ContractLoader;
import io.meshfl.core.contract.DataContract;
import io.meshfl.core.data.Dataset;
import io.meshfl.core.model.nn.SplitReference;
import io.meshfl.core.plan.JobLoader;
import io.meshfl.core.plan.JobSpec;
import io.meshfl.core.protocol.centralized.JoinedProducts;
import io.meshfl.core.protocol.horizontal.RoundSummary;
import io.meshfl.core.protocol.split.SplitArchitecture;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Split-network epochs of the real-data examples over loopback gRPC (one embedded node per domain,
 * the coordinator holding the top network) against the same network trained centrally on the
 * joined rows in this JVM: seconds per epoch (training plus evaluation on every aligned row) and
 * training samples per second, median over the epochs after the first. Needs ../shared/datasets.
 */
public final class SplitBench {

    public static void main(String[] args) throws Exception {
        Path root = Path.of("").toAbsolutePath();
        StringBuilder md = new StringBuilder("| example | rows | network (bottom -> cut, top) | split: s/epoch | split: training samples/s "
                + "| centralized: s/epoch | centralized: training samples/s | split / centralized |\n|---|---|---|---|---|---|---|---|\n");
        for (String example : List.of("breast-hetero", "default-credit-hetero")) {
            Path dir = root.resolve("examples").resolve(example);
            Path jobFile = dir.resolve("job-splitnn.yaml");
            JobSpec job = JobLoader.load(jobFile);
            List<DataContract> contracts = ContractLoader.loadDirectory(dir);
            List<Double> epochSeconds = new ArrayList<>();
            List<Double> samplesPerSecond = new ArrayList<>();
            try (Catalog cat = Catalog.inMemory("sbench" + example); EmbeddedMesh mesh = new EmbeddedMesh(cat, contracts, s -> { })) {
                mesh.coordinator().runJob(job, Files.readString(jobFile), new JobObserver() {
                    @Override
                    public void plan(String explain) {
                    }

                    @Override
                    public void round(RoundSummary s) {
                        epochSeconds.add(s.seconds());
                        samplesPerSecond.add(s.metrics().getOrDefault("samples_per_second", Double.NaN));
                        System.out.printf(Locale.ROOT, "%s split epoch %d: %.3f s, auc %.4f%n", example, s.round(), s.seconds(),
                                s.metrics().getOrDefault("auc", Double.NaN));
                    }

                    @Override
                    public void log(String line) {
                    }
                });
            }
            Map<String, DataContract> byId = new HashMap<>();
            for (DataContract c : contracts) byId.put(c.id(), c);
            JoinedProducts j = JoinedProducts.read(job.products().stream().map(byId::get).toList(), job.label());
            double[] central = centralEpochs(j, job);
            double dist = median(epochSeconds.subList(1, epochSeconds.size()));
            double distRate = median(samplesPerSecond.subList(1, samplesPerSecond.size()));
            double cen = median(Arrays.stream(central).boxed().toList().subList(1, central.length));
            JobSpec.SplitSettings s = job.split();
            md.append(String.format(Locale.ROOT, "| %s | %,d | %s -> %d, %s | %.3f | %,.0f | %.3f | %,.0f | %.2fx |%n", example, j.rows(),
                    s.bottomHidden(), s.cutWidth(), s.topHidden(), dist, distRate, cen, j.rows() / centralTrainSeconds, dist / cen));
        }
        md.append('\n').append(Docs.stamp()).append('\n');
        System.out.print(md);
        Docs.replaceBlock(Docs.docPath(args), "split", md.toString());
    }

    private static double centralTrainSeconds;

    /** Seconds of each centralized epoch (training, then AUC over all rows), one epoch per call as the protocol reports them. */
    private static double[] centralEpochs(JoinedProducts j, JobSpec job) {
        JobSpec.SplitSettings s = job.split();
        SplitArchitecture.Centralized c = SplitArchitecture.centralized(j, s);
        List<Dataset> encoded = c.parties();
        SplitReference.Config one = new SplitReference.Config(1, s.batchSize(), SplitArchitecture.optimizer(s), job.seed());
        SplitReference ref = new SplitReference(c.bottoms(), c.top(), one);
        double[] out = new double[s.epochs()];
        List<Double> train = new ArrayList<>();
        for (int e = 0; e < out.length; e++) {
            long t0 = System.nanoTime();
            for (int[] batch : SplitReference.batches(j.rows(), s.batchSize(), job.seed(), e)) ref.step(encoded, j.labels(), batch);
            long t1 = System.nanoTime();
            ref.predict(encoded);
            out[e] = (System.nanoTime() - t0) / 1e9;
            train.add((t1 - t0) / 1e9);
        }
        centralTrainSeconds = median(train.subList(1, train.size()));
        return out;
    }

    private static double median(List<Double> xs) {
        double[] v = xs.stream().mapToDouble(Double::doubleValue).sorted().toArray();
        return v.length == 0 ? Double.NaN : v[v.length / 2];
    }
}

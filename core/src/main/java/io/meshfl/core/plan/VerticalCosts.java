package io.meshfl.core.plan;

import io.meshfl.core.plan.cost.RunOverheads;
import io.meshfl.core.ErrorCode;
import io.meshfl.core.MeshflException;
import io.meshfl.core.contract.DataContract;

import java.util.List;

/**
 * Prices one round (epoch or tree) of the vertical protocols, from the measured reference
 * benchmarks scaled by this machine's encrypted-work constant, and says how each protects what
 * crosses: the part of the planner's EXPLAIN about vertical, split and boosted-tree training.
 */
final class VerticalCosts {

    private VerticalCosts() {
    }

    /** What a vertical protocol costs per round (epoch or tree), and how it protects what crosses. */
    record Cost(String aggregator, int params, int rounds, double bytesPerRound, double secondsPerRound, String why) {
    }

    /**
     * Split learning's arithmetic on the reference machine (docs/benchmarks.md, default-credit-hetero):
     * 363,887 training samples per second for a network of about 1,600 parameters; its calls are
     * priced by {@link RunOverheads}.
     */
    static final double SPLIT_SECONDS_PER_ROW_PARAMETER = 1.0 / (363_887.0 * 1_600);

    /**
     * SecureBoost per tree with 1024-bit keys on the reference machine (100,000 rows x 300 host
     * features, depth 3, 32 bins): host histograms 44.1 s, decryption of the bin sums 6.6 s,
     * encrypting the gradient pairs 0.4 s (docs/benchmarks.md).
     */
    static final double BOOST_SECONDS_PER_ROW_FEATURE_LEVEL = 44.1 / (100_000.0 * 300 * 3);
    static final double BOOST_SECONDS_PER_DECRYPTION = 6.6 / (300.0 * 32 * 7);
    /**
     * Per tree and aligned row, measured on default-credit-hetero (30,000 rows, 10 host features,
     * 2026-12-06): the label holder's encryption of the gradient pairs, randomness included (0.67 s a
     * tree; the pool does not get ahead of a host that needs 0.7 s for its histograms), and a host's
     * work that does not grow with its features (opening and reading 30,000 ciphertexts: 0.54 of its
     * 0.69 s, the features' sums 0.15 s).
     */
    static final double BOOST_SECONDS_PER_ENCRYPTED_ROW = 0.67 / 30_000.0;
    static final double BOOST_SECONDS_PER_HOST_ROW = 0.54 / 30_000.0;

    /**
     * @param n         the rows that train: at most the smallest party's
     * @param keys      every party's rows together, which the alignment reads
     * @param numParams the model's coefficients
     * @param work      the coefficients the parties compute gradients of: more than {@code numParams} when a party is a
     *                  group, each of whose members computes its share of the party's gradient over every aligned row
     */
    static Cost linear(JobSpec job, int numParams, int work, int parties, long n, double keys, io.meshfl.core.plan.cost.CostModel machine) {
        int ctBytes = job.vertical().keyBits() / 4;
        // a multinomial model sends, encrypts and expands one score per class and row
        int outputs = job.model().outputs();
        double bytes = (double) n * outputs * ctBytes * (2.0 * (parties - 1) + 1)
                + 2.0 * work * ctBytes * parties * Math.ceil((double) n / job.vertical().batchSize());
        // per epoch: the multi-exponentiations (calibrated per machine), the rest of the encrypted work, four calls a batch,
        // the evaluation and checkpoint calls; the run's start and alignment spread over its epochs
        int keyBits = job.vertical().keyBits();
        double batches = Math.ceil((double) n / job.vertical().batchSize());
        double seconds = machine.encryptedSeconds(n, work, keyBits) + outputs * RunOverheads.verticalEpoch(n, parties, keyBits)
                + RunOverheads.calls(4 * batches + 3) + RunOverheads.startOver(keys) / Math.max(1, job.vertical().epochs());
        return new Cost("arbiter-paillier", numParams, job.vertical().epochs(), bytes, seconds, "gradients cross as Paillier-"
                + job.vertical().keyBits() + " ciphertexts, masked before the coordinator (arbiter) decrypts them; node-to-node "
                + "payloads are sealed end to end");
    }

    static Cost split(JobSpec job, DataContract guest, List<Plan.Participant> parts, long n) {
        JobSpec.SplitSettings s = job.split();
        if (s.labelOwnerComputesLoss() && !s.labels().equals(guest.domain())) {
            throw new MeshflException(ErrorCode.PLAN_REFUSED, job.sourceFile() + ": split.labels: '" + s.labels() + "' is neither "
                    + "'coordinator' nor the label holder's domain '" + guest.domain() + "' (product " + guest.id() + ")");
        }
        for (String c : s.categorical()) {
            if (parts.stream().noneMatch(p -> p.features().stream().anyMatch(f -> c.equals(f) || c.equals(p.domain() + ":" + f)
                    || p.group() != null && c.equals(p.group() + ":" + f)))) {
                throw new MeshflException(ErrorCode.PLAN_REFUSED, job.sourceFile() + ": split.categorical: '" + c + "' is no feature column "
                        + "of any product in this job (write column, domain:column or group:column)");
            }
        }
        int params = 0;
        // a group's members share one bottom network and one block of the top's input
        java.util.Set<String> seen = new java.util.HashSet<>();
        int partyCount = 0;
        for (Plan.Participant p : parts) {
            if (p.group() != null && !seen.add(p.group())) continue;
            partyCount++;
            int in = p.features().size();
            for (int h : s.bottomHidden()) {
                params += (in + 1) * h;
                in = h;
            }
            params += (in + 1) * s.cutWidth();
        }
        int in = s.cutWidth() * partyCount;
        for (int h : s.topHidden()) {
            params += (in + 1) * h;
            in = h;
        }
        params += in + 1;
        boolean external = job.model().type() == io.meshfl.core.model.ModelSpec.Type.EXTERNAL;
        // an external network is priced by its declared tensors, its arithmetic as if it were MeshFL's own
        if (external) params = io.meshfl.core.model.TensorSpec.total(job.model().parameters());
        // Activations forward and gradients back for every row, per party; logits and their gradients with a label owner.
        double bytes = 2.0 * 8 * n * s.cutWidth() * parts.size() + (s.labelOwnerComputesLoss() ? 2.0 * 8 * n : 0);
        String protection = s.activationNoise() > 0 || s.gradientClip() > 0
                ? "; cut-layer outputs carry Gaussian noise (sd " + s.activationNoise() + ")"
                  + (s.gradientClip() > 0 ? ", gradients sent back are clipped to L2 norm " + s.gradientClip() + " per row" : "")
                : "; no noise on cut-layer outputs (split.activationNoise = 0)";
        double batches = Math.ceil((double) n / s.batchSize());
        // per epoch: a call a batch (two with a label owner), the evaluation in chunks, the last backward and the
        // checkpoint, and the networks' arithmetic; the run's start and alignment spread over its epochs
        // a group's members exchange their gradient shares in a call of their own each batch
        int perCall = (s.labelOwnerComputesLoss() ? 2 : 1) + (seen.isEmpty() ? 0 : 1);
        double chunks = Math.ceil((double) n / 8192);
        double seconds = RunOverheads.calls(batches * perCall + chunks * perCall + 2)
                + (double) n * params * SPLIT_SECONDS_PER_ROW_PARAMETER + RunOverheads.startOver(RunOverheads.keys(parts, n)) / Math.max(1, s.epochs());
        return new Cost(s.labelOwnerComputesLoss() ? "split-label-owner" : "split-label-sharing", params, s.epochs(), bytes, seconds,
                external ? ExternalSplitPlanning.why(job, guest.domain()) + protection
                : "each domain runs its bottom network on its own columns; only " + s.cutWidth() + " cut-layer values per row cross to "
                + "the coordinator's top network" + (s.labelOwnerComputesLoss()
                ? ", and the label holder " + guest.domain() + " computes the loss from logits, so no label crosses; "
                  + (s.labelEpsilon() > 0 ? "it trains on labels passed through randomized response, so the loss gradients it returns are "
                  + s.labelEpsilon() + "-label-DP"
                  : job.model().task() != io.meshfl.core.model.ModelSpec.Task.BINARY
                  ? "the loss gradients it returns, with the logits, still give the coordinator the training labels (randomized response "
                  + "covers binary labels only)"
                  : "the signs of the loss gradients it returns still give the coordinator the training labels (set split.labelEpsilon "
                  + "for label DP)")
                : ", and the label holder shares its labels with the coordinator (split.labels: coordinator)") + protection);
    }

    static Cost boost(JobSpec job, List<Plan.Participant> parts, long n, io.meshfl.core.plan.cost.CostModel machine) {
        JobSpec.BoostSettings b = job.boost();
        int ctBytes = b.keyBits() / 4;
        int hostFeatures = 0;
        // a group's members each send a histogram of the party's columns, but each sums only its own rows and the label
        // holder decrypts their product once: the work is the party's, the bytes every member's
        int partyFeatures = 0;
        java.util.Set<String> groups = new java.util.HashSet<>();
        for (Plan.Participant p : parts.subList(1, parts.size())) {
            hostFeatures += p.features().size();
            if (p.group() == null || groups.add(p.group())) partyFeatures += p.features().size();
        }
        int hosts = parts.size() - 1;
        // Encrypted gradient/hessian pairs to every host, then one encrypted histogram per node split of each level.
        double bytes = (double) n * ctBytes * hosts + (double) hostFeatures * b.bins() * ctBytes * ((1 << b.depth()) - 1);
        // The reference measurements, scaled by the key size squared and by this machine's measured encrypted speed.
        double scale = (b.keyBits() / 1024.0) * (b.keyBits() / 1024.0) * machine.encrypted() / io.meshfl.core.plan.cost.CostModel.REFERENCE_ENCRYPTED;
        // every host domain (each member of a group) reads all n ciphertexts; the sums grow with the party's features
        double histograms = scale * n * (partyFeatures * b.depth() * BOOST_SECONDS_PER_ROW_FEATURE_LEVEL + hosts * BOOST_SECONDS_PER_HOST_ROW);
        double seconds = histograms + scale * ((double) partyFeatures * b.bins() * ((1 << b.depth()) - 1) * BOOST_SECONDS_PER_DECRYPTION
                + (double) n * BOOST_SECONDS_PER_ENCRYPTED_ROW);
        // a multiclass objective grows a tree per class each round
        int perRound = job.model().outputs();
        bytes *= perRound;
        // per tree also the calls: gradients, four a level (histograms, split, partition, assign) and the checkpoint
        seconds = perRound * (seconds + RunOverheads.calls(2 + 4 * b.depth())) + RunOverheads.startOver(RunOverheads.keys(parts, n)) / Math.max(1, b.trees());
        return new Cost("secureboost-paillier", ((1 << (b.depth() + 1)) - 1) * perRound, b.trees(), bytes, seconds,
                (perRound > 1 ? "one tree per class (" + perRound + ") each round; " : "") + "gradients and hessians "
                + "cross as Paillier-" + b.keyBits() + " ciphertexts of the label holder's key; hosts return encrypted per-bin sums "
                + "over their own quantile bins; a host learns which rows share a tree node and, for its own winning splits, the "
                + "bin, never a gradient, label or another party's split" + (groups.isEmpty() ? "" : "; the members of a group sum their own "
                + "rows and mask their sums and partition bits with shares of zero, so the label holder sees only the party's"));
    }

}

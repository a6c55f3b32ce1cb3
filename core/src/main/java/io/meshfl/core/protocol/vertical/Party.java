package io.meshfl.core.protocol.vertical;

import io.meshfl.core.ErrorCode;
import io.meshfl.core.MeshflException;
import io.meshfl.core.crypto.paillier.Encryptor;
import io.meshfl.core.crypto.paillier.FixedPoint;
import io.meshfl.core.crypto.paillier.Homomorphic;
import io.meshfl.core.crypto.paillier.PaillierPublicKey;
import io.meshfl.core.crypto.seal.SealedBox;
import io.meshfl.core.data.AlignedRows;
import io.meshfl.core.model.ModelSpec;

import java.math.BigInteger;
import java.security.SecureRandom;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;

/** One party's state in a vertical job: its aligned, standardized columns, its weights, its keys and masks. */
final class Party implements AutoCloseable {

    final String domain;
    final boolean guest;
    final ModelSpec.Type model;
    final List<String> features;
    AlignedRows data;            // aligned rows, own columns, standardized (in this JVM or on the node's engine)
    int[] aligned;               // which of the product's rows, in the run's order (kept in the party's checkpoints)
    int trainRows;               // the first trainRows aligned rows train; the rest are held out for evaluation
    double[] keptW;              // the weights and biases of the selected epoch, when the job selects one
    double[] keptBias;
    double[] mean;
    double[] std;
    /** Scores per row: the class count for multinomial logistic regression, otherwise 1. */
    final int outputs;
    final double[] w;            // class-major: w[c * features + j]
    final double[] bias;         // one per output, held by the guest only
    /**
     * Multinomial, on the guest: every aligned row's full scores (own plus the hosts') at the start
     * of the epoch, from the evaluation that ended the last one; the residuals expand the softmax
     * about them (see {@link SoftmaxResidual}). Zero before the first epoch, as the weights are.
     */
    double[] anchor;
    final PaillierPublicKey pk;
    final FixedPoint fp;
    final Homomorphic he;
    final Encryptor enc;
    final int fracBits;
    final SealedBox seal = SealedBox.generate();
    final Map<String, byte[]> peers = new HashMap<>();
    final long seed;
    String guestDomain;
    List<String> hosts = List.of();
    /** A member of a party made of several products: its side of the group, or null. */
    PartyGroup group;
    /** On the guest: each party made of several products, by name, with its members' domains. */
    Map<String, List<String>> groups = Map.of();
    BigInteger[] masks;
    /** Optimizer state over this party's own coordinates (weights, then the bias on the guest): elementwise, so identical to centralized. */
    double[] m1;
    double[] m2;
    int steps;
    /**
     * Over a join (factorized): the guest's rows are the base product's, each host's rows its own
     * distinct aligned rows; {@code index} maps every guest row to its row on each host, and every
     * step covers all rows (full batch), so no party learns another's batch membership.
     */
    Map<String, int[]> index;
    /** The profile of each own column over the training rows, kept beside the part for drift (null: not known). */
    Map<String, io.meshfl.core.monitoring.Drift.Profile> profiles;
    /** Over a join, on the guest: each host's number of aligned rows. */
    Map<String, Integer> hostRows;
    boolean fullBatch;
    int permEpoch = -1;
    int[] perm;
    final SecureRandom random = new SecureRandom();

    Party(String domain, boolean guest, ModelSpec.Type model, int outputs, List<String> features, AlignedRows data, double[] mean, double[] std,
          PaillierPublicKey pk, int fracBits, long seed) {
        this.domain = domain;
        this.guest = guest;
        this.model = model;
        this.features = List.copyOf(features);
        this.data = data;
        this.mean = mean;
        this.std = std;
        this.outputs = outputs;
        this.w = new double[outputs * features.size()];
        this.bias = new double[outputs];
        this.anchor = guest && outputs > 1 ? new double[data.rows() * outputs] : null;
        this.pk = pk;
        this.fracBits = fracBits;
        this.fp = new FixedPoint(pk, fracBits);
        this.he = new Homomorphic(pk);
        this.enc = new Encryptor(pk, random);
        this.seed = seed;
    }

    /**
     * The batch rows of an epoch: the same seeded permutation of the training rows on every party,
     * so batches line up without sending indices.
     */
    int[] batch(int epoch, int from, int to) {
        if (fullBatch) {
            if (perm == null) {
                perm = new int[data.rows()];
                for (int i = 0; i < perm.length; i++) perm[i] = i;
            }
            return perm;
        }
        if (epoch != permEpoch) {
            int n = trainRows > 0 ? trainRows : data.rows(); // held-out rows never train
            perm = new int[n];
            for (int i = 0; i < n; i++) perm[i] = i;
            Random r = new Random(seed * 1_000_003L + epoch);
            for (int i = n - 1; i > 0; i--) {
                int j = r.nextInt(i + 1);
                int t = perm[i];
                perm[i] = perm[j];
                perm[j] = t;
            }
            permEpoch = epoch;
        }
        if (from < 0 || to > perm.length || from >= to) {
            throw new MeshflException(ErrorCode.PROTOCOL_FAILURE, "batch [" + from + ", " + to + ") is outside 0.." + perm.length);
        }
        return java.util.Arrays.copyOfRange(perm, from, to);
    }

    /** Own partial scores x.w_c (+ bias on the guest) for the given rows, {@code outputs} per row, row-major. */
    double[] partial(int[] rows) {
        return data.scores(rows, w, guest ? bias : null, outputs);
    }

    /**
     * The rows of the job's evaluation products this party scores (its own evaluation product's, or
     * its training product's rows of the evaluation entities), standardized as its training rows;
     * null when the job names no evaluation products.
     */
    AlignedRows evalData;
    /** What the evaluation rows are, as the diagnostics name them. */
    String evalOver;

    /** Own partial scores of every row of {@code d} (same columns, standardized), {@code outputs} per row. */
    double[] partialOf(AlignedRows d) {
        return d.scores(null, w, guest ? bias : null, outputs);
    }

    double[] partialAll() {
        return partialOf(data);
    }

    /** Releases the rows where the node's engine keeps them, and stops the encryptor's randomness. */
    @Override
    public void close() {
        data.close();
        if (evalData != null) evalData.close();
        enc.close();
    }

    byte[] peer(String d) {
        byte[] k = peers.get(d);
        if (k == null) throw new MeshflException(ErrorCode.OUT_OF_ORDER, domain + " has no sealing key of '" + d + "' yet (peers step missing)");
        return k;
    }
}

package io.meshfl.core.protocol.boost;

import io.meshfl.core.ErrorCode;
import io.meshfl.core.MeshflException;
import io.meshfl.core.crypto.paillier.Encryptor;
import io.meshfl.core.crypto.paillier.PaillierPublicKey;
import io.meshfl.core.crypto.seal.SealedBox;
import io.meshfl.core.data.AlignedRows;
import io.meshfl.core.data.BinnedRows;
import io.meshfl.core.model.tree.QuantileBins;
import io.meshfl.core.model.tree.QuantileSketch;
import io.meshfl.core.protocol.group.GroupMember;
import io.meshfl.core.protocol.Message;
import io.meshfl.core.protocol.Wire;
import io.meshfl.core.protocol.vertical.CipherCodec;

import java.math.BigInteger;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * A feature holder in SecureBoost: bins its own columns, sums the guest's encrypted gradients by
 * those bins for the nodes it is asked about, and evaluates its own winning splits. It never sees
 * a gradient, a label, a leaf weight or another party's split.
 */
final class BoostHost implements AutoCloseable {

    final String domain;
    final String guest;
    final List<String> features;
    final int n;
    QuantileBins bins;
    /** Its rows' bin numbers, where the node's engine keeps them. */
    BinnedRows bin;
    /** Own features with at least one cut point: only these are summed. */
    int[] splittable;
    int maxBins;
    final SealedBox seal = SealedBox.generate();
    final Map<String, byte[]> peers = new HashMap<>();
    final List<ModelParts.SplitRecord> records = new ArrayList<>();
    PaillierPublicKey pk;
    /** Re-randomizes (and, in a group, masks) every sum before it leaves: the guest must not trace a sum to the rows it encrypted. */
    Encryptor enc;
    /** Which of the product's rows, in the run's order (kept in the host's checkpoints). */
    int[] aligned;
    /** A member of a party made of several products: its seat, which rows it holds, and its rows until the members agree on bins. */
    GroupMember group;
    boolean[] present;
    private double[] x;
    private final int train;
    private BinnedRows.Sums sums;
    private int sumsTree = -1;

    /**
     * A host over {@code rows} (its aligned rows, wherever the node's engine keeps them) whose first {@code train} train: its
     * quantile bins are learned from those alone.
     */
    BoostHost(String domain, String guest, List<String> features, AlignedRows rows, int train, int binLimit) {
        this(domain, guest, features, rows.rows(), train);
        QuantileBins b = QuantileBins.fit(rows, train, binLimit);
        bin(b, rows.binned(b.thresholds()));
    }

    /**
     * A member of party {@code group} over the common order, holding the rows {@code present} marks
     * ({@code x} is zero elsewhere): its bins come from every member's sketch (see {@link #sketch}).
     */
    BoostHost(String domain, String guest, List<String> features, double[] x, int n, int train, GroupMember group, boolean[] present) {
        this(domain, guest, features, n, train);
        this.group = group;
        this.present = present;
        this.x = x;
    }

    private BoostHost(String domain, String guest, List<String> features, int n, int train) {
        this.domain = domain;
        this.guest = guest;
        this.features = List.copyOf(features);
        this.n = n;
        this.train = train;
    }

    /** A member's sketch of its own training rows' columns, for the other members. */
    QuantileSketch sketch() {
        int k = 0;
        for (int i = 0; i < train; i++) if (present[i]) k++;
        int[] own = new int[k];
        k = 0;
        for (int i = 0; i < train; i++) if (present[i]) own[k++] = i;
        return QuantileSketch.of(x, own, features.size(), QuantileSketch.LIMIT);
    }

    /** Takes the party's bins (a member's, merged from every member's sketch) and bins its rows by them. */
    void bin(QuantileBins bins) {
        bin(bins, BinnedRows.of(bins.binIndex(x, n), n));
        x = null;
    }

    private void bin(QuantileBins b, BinnedRows binned) {
        this.bins = b;
        this.bin = binned;
        int k = 0;
        for (int f = 0; f < features.size(); f++) if (b.bins(f) > 1) k++;
        splittable = new int[k];
        int m = 1;
        k = 0;
        for (int f = 0; f < features.size(); f++) {
            if (b.bins(f) > 1) {
                splittable[k++] = f;
                m = Math.max(m, b.bins(f));
            }
        }
        this.maxBins = m;
    }

    /** Learns the guest's public key; sums leave re-randomized under it. */
    void publicKey(PaillierPublicKey key) {
        this.pk = key;
        this.enc = new Encryptor(key, new java.security.SecureRandom());
    }

    private byte[] guestKey() {
        byte[] k = peers.get(guest);
        if (k == null) throw new MeshflException(ErrorCode.OUT_OF_ORDER, "no sealing key of the guest " + guest + " yet");
        return k;
    }

    /** Encrypted per-bin sums of its splittable features for each node the guest asked about. */
    Message histogram(Message req) {
        if (pk == null) throw new MeshflException(ErrorCode.OUT_OF_ORDER, "histogram before the guest's public key on " + domain);
        long t0 = System.nanoTime();
        int t = Integer.parseInt(req.cfg("tree"));
        if (req.blobs().containsKey("gh")) {
            byte[] open = seal.open(guestKey(), BoostNode.context(req, "gh"), req.blob("gh"));
            BigInteger[] ct = CipherCodec.unpack(open, pk.nSquared(), "encrypted gradients from " + guest);
            if (ct.length != n) {
                throw new MeshflException(ErrorCode.PROTOCOL_FAILURE, guest + " sent " + ct.length + " encrypted gradients for " + n + " rows");
            }
            if (sums != null) sums.close();
            sums = bin.sums(pk, ct);
            sumsTree = t;
        }
        if (sums == null || sumsTree != t) {
            throw new MeshflException(ErrorCode.OUT_OF_ORDER, "histogram for tree " + t + " before its encrypted gradients");
        }
        Wire.In in = new Wire.In(seal.open(guestKey(), BoostNode.context(req, "assign"), req.blob("from:" + guest)), "node assignment");
        int k = in.getInt();
        int[][] sets = new int[k][];
        for (int i = 0; i < k; i++) {
            in.getInt();
            sets[i] = own(checkRows(in.getInts()));
        }
        // every node asked about in one pass over the rows
        BigInteger[][][] all = sums.of(sets, splittable, maxBins);
        List<BigInteger> flat = new ArrayList<>();
        for (BigInteger[][] s : all) {
            for (int j = 0; j < splittable.length; j++) {
                int nb = bins.bins(splittable[j]);
                for (int b = 0; b < nb; b++) flat.add(s[j][b]);
            }
        }
        byte[] packed = CipherCodec.pack(protect(flat.toArray(BigInteger[]::new), BoostNode.context(req, "hist-mask")), pk.nSquared());
        byte[] payload = new Wire.Out().putInts(bins.binCounts()).putBytes(packed).bytes();
        byte[] sealed = seal.seal(guestKey(), BoostNode.context(req, "hist:" + domain), payload);
        return req.reply(domain, Map.of("histogram_seconds", (System.nanoTime() - t0) / 1e9), Map.of(),
                Map.of("to:" + guest, sealed));
    }

    /** Keeps each won split as a record and says which of the node's rows go left. */
    Message partition(Message req) {
        Wire.In in = new Wire.In(seal.open(guestKey(), BoostNode.context(req, "split:" + domain), req.blob("from:" + guest)), "split instructions");
        int k = in.getInt();
        Wire.Out out = new Wire.Out().putInt(k);
        for (int i = 0; i < k; i++) {
            int node = in.getInt();
            int f = in.getInt();
            int b = in.getInt();
            int[] rows = checkRows(in.getInts());
            if (f < 0 || f >= features.size() || b < 0 || b >= bins.bins(f) - 1) {
                throw new MeshflException(ErrorCode.PROTOCOL_FAILURE, "split on feature " + f + " bin " + b + " does not exist on " + domain);
            }
            int record = records.size();
            records.add(new ModelParts.SplitRecord(features.get(f), bins.thresholds()[f][b]));
            boolean[] left = bin.atMost(f, b, rows);
            if (present != null) for (int r = 0; r < rows.length; r++) left[r] &= present[rows[r]];
            if (group != null) {
                // a member answers for its own rows only, XOR-masked so that only the members' answers together say anything
                boolean[] share = group.xorShares(BoostNode.context(req, "part-mask:" + node), rows.length);
                for (int r = 0; r < rows.length; r++) left[r] ^= share[r];
            }
            out.putInt(node).putInt(record).putBits(left);
        }
        byte[] sealed = seal.seal(guestKey(), BoostNode.context(req, "part:" + domain), out.bytes());
        return req.reply(domain, Map.of(), Map.of(), Map.of("to:" + guest, sealed));
    }

    /** The rows of {@code rows} this host holds: all of them, or a group member's own. */
    private int[] own(int[] rows) {
        if (present == null) return rows;
        int k = 0;
        for (int r : rows) if (present[r]) k++;
        int[] out = new int[k];
        k = 0;
        for (int r : rows) if (present[r]) out[k++] = r;
        return out;
    }

    /**
     * Sums as they leave: re-randomized, so that the guest, who can recover a ciphertext's
     * randomness with its private key, cannot trace a sum back to the rows it encrypted; in a group
     * also plus this member's share of zero, so that only the members' sums together decrypt to
     * anything (the guest multiplies them).
     */
    private BigInteger[] protect(BigInteger[] c, String label) {
        BigInteger[] out = new BigInteger[c.length];
        BigInteger nsq = pk.nSquared();
        if (group == null) {
            java.util.stream.IntStream.range(0, c.length).parallel().forEach(i -> out[i] = enc.rerandomize(c[i]));
        } else {
            BigInteger[] zero = group.zeroShares(label, pk.n(), c.length);
            java.util.stream.IntStream.range(0, c.length).parallel().forEach(i -> out[i] = c[i].multiply(enc.encrypt(zero[i])).mod(nsq));
        }
        return out;
    }

    private int[] checkRows(int[] rows) {
        for (int r : rows) {
            if (r < 0 || r >= n) throw new MeshflException(ErrorCode.PROTOCOL_FAILURE, "row " + r + " is outside the " + n + " aligned rows");
        }
        return rows;
    }

    @Override
    public void close() {
        if (enc != null) enc.close();
        if (sums != null) sums.close();
        if (bin != null) bin.close();
        sums = null;
        bin = null;
    }

    ModelParts.HostPart part() {
        return new ModelParts.HostPart(domain, "host", features, List.copyOf(records));
    }
}

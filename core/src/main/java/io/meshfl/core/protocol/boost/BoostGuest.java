package io.meshfl.core.protocol.boost;

import io.meshfl.core.ErrorCode;
import io.meshfl.core.MeshflException;
import io.meshfl.core.crypto.paillier.Decryptor;
import io.meshfl.core.crypto.paillier.Encryptor;
import io.meshfl.core.crypto.paillier.PaillierKeyPair;
import io.meshfl.core.crypto.seal.SealedBox;
import io.meshfl.core.model.tree.BinLayout;
import io.meshfl.core.model.tree.Gradients;
import io.meshfl.core.model.tree.Histogram;
import io.meshfl.core.model.tree.Objective;
import io.meshfl.core.model.tree.QuantileBins;
import io.meshfl.core.model.tree.SplitFinder;
import io.meshfl.core.model.tree.Tree;
import io.meshfl.core.model.tree.TreeParams;
import io.meshfl.core.protocol.Message;
import io.meshfl.core.protocol.Wire;
import io.meshfl.core.protocol.vertical.CipherCodec;

import java.math.BigInteger;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.IntStream;

/**
 * The label holder in SecureBoost: owns labels, gradients, the Paillier private key, the tree
 * shapes and leaf weights. Grows each tree level by level from its own plaintext histograms and
 * the hosts' decrypted ones, in the same order and arithmetic as centralized training.
 */
final class BoostGuest {

    final String domain;
    final List<String> features;
    final int n;
    final double[] y;
    final byte[][] bin;
    final QuantileBins bins;
    final TreeParams params;
    final Objective objective;
    /** Scores per row: the class count for a multiclass objective, else 1; tree t is of class t % k. */
    final int k;
    /** Fraction bits of the current tree's fixed-point gradients. */
    int frac;
    final double[] base;
    /** The gain of the chosen splits per party, the guest first (see {@link #gain}). */
    private double[] gainByParty;
    double[] restoredGain;
    /** Row-major scores, k per row. */
    final double[] score;
    /** This round's gradients and hessians per class, taken at the scores the round started from. */
    private final double[][] gRound;
    private final double[][] hRound;
    private int cls;
    final long[] gq;
    final long[] hq;
    final PaillierKeyPair keys;
    final Decryptor dec;
    final Encryptor enc;
    final SealedBox seal = SealedBox.generate();
    final Map<String, byte[]> peers = new HashMap<>();
    final List<Tree> trees = new ArrayList<>();
    /** Host parties with at least one splittable column, in plan order: party i + 1 in the trees (a group by its name). */
    List<String> active = List.of();
    /** The parties made of several products, whose members' sums and bits the guest adds up. */
    io.meshfl.core.protocol.group.GroupRoster roster = new io.meshfl.core.protocol.group.GroupRoster(Map.of());
    /** Which of the product's rows, in the run's order (kept in the guest's checkpoints). */
    int[] aligned;
    /** The first {@code train} aligned rows train; the rest are held out. */
    final int train;
    BinLayout layout;
    int[] firstFeature;
    int[][] hostBins;

    int treeNo = -1;
    Tree tree;
    private int[][] rowsOf;
    private Histogram[] hist;
    private long[] gT;
    private long[] hT;
    private int level;
    private int[] requested;
    private final Map<String, List<int[]>> pending = new LinkedHashMap<>();

    /**
     * The guest over {@code y.length} aligned rows of which the first {@code train} train: the bins
     * and the base score are learned from them alone, and the rest carry zero gradient and hessian,
     * so no split, leaf or tree ever depends on a held-out row.
     */
    BoostGuest(String domain, List<String> features, double[] x, double[] y, int train, TreeParams params, int maxBins, int keyBits,
               Objective objective) {
        this.domain = domain;
        this.features = List.copyOf(features);
        this.n = y.length;
        this.train = train;
        this.y = y;
        this.params = params;
        this.bins = QuantileBins.fit(x, train, features.size(), maxBins);
        this.bin = bins.binIndex(x, n);
        this.objective = objective;
        this.k = objective.classes();
        this.base = objective.base(y, train);
        this.score = new double[n * k];
        for (int i = 0; i < n; i++) System.arraycopy(base, 0, score, i * k, k);
        this.gRound = new double[k][n];
        this.hRound = new double[k][n];
        this.gq = new long[n];
        this.hq = new long[n];
        this.keys = PaillierKeyPair.generate(keyBits, new SecureRandom());
        this.dec = new Decryptor(keys.priv());
        // Randomness for a whole tree's encryptions is precomputed while the hosts build histograms.
        this.enc = new Encryptor(keys.pub(), new SecureRandom(), new Encryptor.Options(Math.min(n, 1 << 17), 0, 0));
    }

    private byte[] peer(String d) {
        byte[] k = peers.get(d);
        if (k == null) throw new MeshflException(ErrorCode.OUT_OF_ORDER, "no sealing key of " + d + " yet");
        return k;
    }

    /** Starts tree {@code t}: gradients, one ciphertext per row for each active host, and the root assignment. */
    Message gradients(Message req, int t) {
        if (t != trees.size()) throw new MeshflException(ErrorCode.OUT_OF_ORDER, "tree " + t + " asked, guest has " + trees.size());
        long t0 = System.nanoTime();
        cls = t % k;
        if (cls == 0) {
            for (int c = 0; c < k; c++) {
                objective.gradients(score, y, c, gRound[c], hRound[c]);
                // a held-out row adds nothing to any sum a split or a leaf is chosen from
                Arrays.fill(gRound[c], train, n, 0.0);
                Arrays.fill(hRound[c], train, n, 0.0);
            }
        }
        frac = Gradients.quantize(gRound[cls], hRound[cls], gq, hq);
        Map<String, byte[]> blobs = new LinkedHashMap<>();
        double encSeconds = 0;
        if (!active.isEmpty()) {
            BigInteger nn = keys.pub().n();
            BigInteger[] plain = new BigInteger[n];
            IntStream.range(0, n).parallel().forEach(i -> plain[i] = GhCodec.encode(gq[i], hq[i], nn));
            BigInteger[] ct = enc.encryptAll(plain);
            encSeconds = (System.nanoTime() - t0) / 1e9;
            byte[] packed = CipherCodec.pack(ct, keys.pub().nSquared());
            for (String h : active) for (String d : roster.domains(h)) blobs.put("gh:" + d, seal.seal(peer(d), BoostNode.context(req, "gh"), packed));
        }
        treeNo = t;
        tree = Tree.empty(params.depth());
        int nodes = tree.party().length;
        rowsOf = new int[nodes][];
        hist = new Histogram[nodes];
        gT = new long[nodes];
        hT = new long[nodes];
        int[] all = new int[n];
        for (int i = 0; i < n; i++) all[i] = i;
        rowsOf[0] = all;
        totals(0);
        level = 0;
        requested = new int[]{0};
        blobs.putAll(assignments(req));
        return req.reply(domain, Map.of("encrypt_seconds", encSeconds), Map.of(), blobs);
    }

    private void totals(int node) {
        long g = 0, h = 0;
        for (int r : rowsOf[node]) {
            g += gq[r];
            h += hq[r];
        }
        gT[node] = g;
        hT[node] = h;
    }

    /** For each active host, sealed: the nodes of this level to histogram and their rows. */
    private Map<String, byte[]> assignments(Message req) {
        Wire.Out w = new Wire.Out().putInt(requested.length);
        for (int node : requested) w.putInt(node).putInts(rowsOf[node]);
        byte[] plain = w.bytes();
        Map<String, byte[]> out = new LinkedHashMap<>();
        for (String h : active) {
            for (String d : roster.domains(h)) out.put("to:" + d, seal.seal(peer(d), BoostNode.context(req.jobId(), treeNo, level, "assign"), plain));
        }
        return out;
    }

    /** Decrypts host sums, adds own ones, derives the larger siblings, picks each open node's split. */
    Message split(Message req) {
        checkLevel(req);
        long t0 = System.nanoTime();
        List<BigInteger[]> perHost = new ArrayList<>();
        int[][] counts = new int[active.size()][];
        BigInteger nsq = keys.pub().nSquared();
        for (int i = 0; i < active.size(); i++) {
            String h = active.get(i);
            BigInteger[] sum = null;
            for (String d : roster.domains(h)) {
                byte[] open = seal.open(peer(d), BoostNode.context(req, "hist:" + d), req.blob("from:" + d));
                Wire.In in = new Wire.In(open, "histograms of " + d);
                int[] binCounts = in.getInts();
                BigInteger[] c = CipherCodec.unpack(in.getBytes(), nsq, "histograms of " + d);
                if (sum == null) {
                    counts[i] = binCounts;
                    sum = c;
                } else if (!Arrays.equals(binCounts, counts[i]) || c.length != sum.length) {
                    throw new MeshflException(ErrorCode.PROTOCOL_FAILURE, "the members of " + h + " sent histograms of different bins");
                } else {
                    // a group's members' masked sums, multiplied: their masks cancel and the party's sums remain
                    BigInteger[] acc = sum;
                    IntStream.range(0, c.length).parallel().forEach(j -> acc[j] = acc[j].multiply(c[j]).mod(nsq));
                }
            }
            perHost.add(sum);
        }
        if (layout == null) buildLayout(counts);
        int total = 0;
        for (int i = 0; i < active.size(); i++) {
            if (!Arrays.equals(counts[i], hostBins[i])) {
                throw new MeshflException(ErrorCode.PROTOCOL_FAILURE, active.get(i) + " changed its bin counts between levels");
            }
            int expect = requested.length * splittableSlots(hostBins[i]);
            if (perHost.get(i).length != expect) {
                throw new MeshflException(ErrorCode.PROTOCOL_FAILURE, active.get(i) + " sent " + perHost.get(i).length
                        + " histogram sums, expected " + expect);
            }
            total += expect;
        }
        BigInteger[] all = new BigInteger[total];
        int from0 = 0;
        for (BigInteger[] c : perHost) {
            System.arraycopy(c, 0, all, from0, c.length);
            from0 += c.length;
        }
        long t1 = System.nanoTime();
        BigInteger[] plain = dec.decryptAll(all);
        long t2 = System.nanoTime();
        BigInteger nn = keys.pub().n();
        // Host i's sums start at hostStart[i]: all its nodes, each node all its splittable bins.
        int[] hostStart = new int[active.size()];
        for (int i = 1; i < active.size(); i++) hostStart[i] = hostStart[i - 1] + perHost.get(i - 1).length;
        for (int k = 0; k < requested.length; k++) {
            int node = requested[k];
            Histogram hg = Histogram.empty(layout.total());
            Histogram.accumulate(hg, layout, 0, rowsOf[node], bin, gq, hq);
            for (int i = 0; i < active.size(); i++) {
                int first = firstFeature[i + 1];
                int at = hostStart[i] + k * splittableSlots(hostBins[i]);
                for (int f = 0; f < hostBins[i].length; f++) {
                    int nb = hostBins[i][f];
                    if (nb < 2) continue;
                    int off = layout.offset(first + f);
                    for (int b = 0; b < nb; b++) {
                        long[] gh = GhCodec.decode(plain[at++], nn);
                        hg.g()[off + b] = gh[0];
                        hg.h()[off + b] = gh[1];
                    }
                }
            }
            hist[node] = hg;
            if (node > 0) {
                int parent = (node - 1) / 2;
                int sibling = node % 2 == 1 ? node + 1 : node - 1;
                hist[sibling] = hist[parent].minus(hg);
                hist[parent] = null;
            }
        }
        pending.clear();
        int from = (1 << level) - 1, to = (1 << (level + 1)) - 1;
        for (int node = from; node < to; node++) {
            if (rowsOf[node] == null) continue;
            SplitFinder.Split s = SplitFinder.best(hist[node], layout, gT[node], hT[node], frac, params);
            if (s == null) {
                leaf(node);
                continue;
            }
            int party = partyOf(s.feature());
            int local = s.feature() - firstFeature[party];
            gain()[party] += s.gain();
            if (party == 0) {
                tree.setSplit(node, 0, local, bins.thresholds()[local][s.bin()]);
                boolean[] left = new boolean[rowsOf[node].length];
                for (int i = 0; i < left.length; i++) left[i] = (bin[local][rowsOf[node][i]] & 0xFF) <= s.bin();
                divide(node, left);
            } else {
                tree.setSplit(node, party, -1, Double.NaN);
                pending.computeIfAbsent(active.get(party - 1), k -> new ArrayList<>()).add(new int[]{node, local, s.bin()});
            }
            if (level + 1 >= params.depth()) hist[node] = null;
        }
        Map<String, byte[]> blobs = new LinkedHashMap<>();
        for (var e : pending.entrySet()) {
            Wire.Out w = new Wire.Out().putInt(e.getValue().size());
            for (int[] p : e.getValue()) w.putInt(p[0]).putInt(p[1]).putInt(p[2]).putInts(rowsOf[p[0]]);
            byte[] instructions = w.bytes();
            for (String d : roster.domains(e.getKey())) blobs.put("to:" + d, seal.seal(peer(d), BoostNode.context(req, "split:" + d), instructions));
        }
        long t3 = System.nanoTime();
        Map<String, Double> m = new LinkedHashMap<>();
        m.put("decrypt_seconds", (t2 - t1) / 1e9);
        m.put("split_seconds", (t1 - t0 + t3 - t2) / 1e9);
        return req.reply(domain, m, Map.of(), blobs).withConfig(Map.of("partition", String.join(",", pending.keySet())));
    }

    private void buildLayout(int[][] counts) {
        hostBins = counts;
        firstFeature = new int[active.size() + 1];
        int[] own = bins.binCounts();
        int d = own.length;
        for (int i = 0; i < active.size(); i++) {
            firstFeature[i + 1] = d;
            d += counts[i].length;
        }
        int[] allBins = new int[d];
        System.arraycopy(own, 0, allBins, 0, own.length);
        for (int i = 0; i < active.size(); i++) System.arraycopy(counts[i], 0, allBins, firstFeature[i + 1], counts[i].length);
        layout = BinLayout.of(allBins);
    }

    static int splittableSlots(int[] binCounts) {
        int s = 0;
        for (int b : binCounts) if (b >= 2) s += b;
        return s;
    }

    private int partyOf(int feature) {
        int p = 0;
        for (int i = 1; i < firstFeature.length; i++) if (feature >= firstFeature[i]) p = i;
        return p;
    }

    private void leaf(int node) {
        double w = SplitFinder.leafWeight(gT[node], hT[node], frac, params);
        tree.setLeaf(node, w);
        for (int r : rowsOf[node]) score[r * k + cls] += w;
        rowsOf[node] = null;
        hist[node] = null;
    }

    private void divide(int node, boolean[] left) {
        int[] rows = rowsOf[node];
        int nl = 0;
        for (boolean b : left) if (b) nl++;
        int[] l = new int[nl], r = new int[rows.length - nl];
        int a = 0, c = 0;
        for (int i = 0; i < rows.length; i++) {
            if (left[i]) l[a++] = rows[i];
            else r[c++] = rows[i];
        }
        rowsOf[Tree.left(node)] = l;
        rowsOf[Tree.right(node)] = r;
        totals(Tree.left(node));
        totals(Tree.right(node));
        rowsOf[node] = null;
    }

    /** Applies host partitions; assigns the next level or finishes the tree. */
    Message assign(Message req) {
        checkLevel(req);
        long t0 = System.nanoTime();
        for (var e : pending.entrySet()) {
            String h = e.getKey();
            List<Wire.In> answers = new ArrayList<>();
            for (String d : roster.domains(h)) {
                byte[] open = seal.open(peer(d), BoostNode.context(req, "part:" + d), req.blob("from:" + d));
                Wire.In in = new Wire.In(open, "partition from " + d);
                int k = in.getInt();
                if (k != e.getValue().size()) {
                    throw new MeshflException(ErrorCode.PROTOCOL_FAILURE, d + " answered " + k + " of " + e.getValue().size() + " splits");
                }
                answers.add(in);
            }
            for (int[] p : e.getValue()) {
                boolean[] left = null;
                int record = -1;
                for (Wire.In in : answers) {
                    int node = in.getInt();
                    int rec = in.getInt();
                    boolean[] bits = in.getBits();
                    if (node != p[0] || bits.length != rowsOf[p[0]].length || rec < 0 || (record >= 0 && rec != record)) {
                        throw new MeshflException(ErrorCode.PROTOCOL_FAILURE, h + " answered a split it was not asked (node " + node + ")");
                    }
                    record = rec;
                    // a group's members' XOR-masked bits: together the party's partition, each alone noise
                    if (left == null) left = bits;
                    else for (int i = 0; i < left.length; i++) left[i] ^= bits[i];
                }
                tree.ref()[p[0]] = record;
                divide(p[0], left);
            }
        }
        pending.clear();
        level++;
        List<Integer> req2 = new ArrayList<>();
        if (level < params.depth()) {
            int from = (1 << level) - 1, to = (1 << (level + 1)) - 1;
            for (int node = from; node < to; node += 2) {
                if (rowsOf[node] == null) continue;
                // The smaller child is summed; the larger one is the parent minus it.
                req2.add(rowsOf[node].length <= rowsOf[node + 1].length ? node : node + 1);
            }
        }
        double secs = (System.nanoTime() - t0) / 1e9;
        if (!req2.isEmpty()) {
            requested = req2.stream().mapToInt(Integer::intValue).toArray();
            return req.reply(domain, Map.of("split_seconds", secs), Map.of(), assignments(req)).withConfig(Map.of("more", "true"));
        }
        for (int node = 0; node < rowsOf.length; node++) if (rowsOf[node] != null) leaf(node);
        trees.add(tree);
        // a round ends with its last class's tree; with a holdout its metrics are the held-out rows', the training rows' beside them
        Map<String, Double> m = cls == k - 1 ? metrics() : new LinkedHashMap<>();
        m.put("splits", (double) tree.splits());
        m.put("split_seconds", (System.nanoTime() - t0) / 1e9);
        tree = null;
        rowsOf = null;
        hist = null;
        // a round's last tree carries the diagnostics of the model so far
        Map<String, byte[]> blobs = cls == k - 1 ? Map.of(io.meshfl.core.protocol.Holdout.DIAGNOSTICS, diagnostics()) : Map.of();
        return req.reply(domain, m, Map.of(), blobs).withConfig(Map.of("more", "false"));
    }

    /**
     * The diagnostics of the model so far, with each party's splits and gain over the trees
     * ({@code importance}: the feature importance of a domain, by total gain).
     */
    private byte[] diagnostics() {
        var d = io.meshfl.core.protocol.Holdout.diagnosticsNode(objective.task(), predictions(), y, train, k, Map.of());
        List<String> parties = new ArrayList<>();
        parties.add(domain);
        parties.addAll(active);
        int[] splits = new int[parties.size()];
        for (Tree tr : trees) for (int p : tr.party()) if (p >= 0 && p < splits.length) splits[p]++;
        double total = 0;
        for (double g : gain()) total += g;
        var imp = d.putObject("importance");
        for (int i = 0; i < parties.size(); i++) {
            imp.putObject(parties.get(i)).put("splits", splits[i]).put("gain", gain()[i]).put("share", total > 0 ? gain()[i] / total : 0);
        }
        return io.meshfl.core.metrics.Diagnostics.encode(d);
    }

    /** The gain of the splits chosen so far, per party (the guest first, then the active hosts). */
    double[] gain() {
        if (gainByParty == null) {
            gainByParty = restoredGain != null && restoredGain.length == active.size() + 1 ? restoredGain : new double[active.size() + 1];
        }
        return gainByParty;
    }

    /** AUC and log loss of a binary objective, what every model of the task reports otherwise (see {@link #predictions}). */
    Map<String, Double> metrics() {
        return io.meshfl.core.protocol.Holdout.metrics(objective.task(), predictions(), y, train, k);
    }

    /** Every aligned row's prediction from its scores so far: k per row for multiclass. */
    double[] predictions() {
        return objective.predict(score);
    }

    private void checkLevel(Message req) {
        if (tree == null || Integer.parseInt(req.cfg("tree")) != treeNo || Integer.parseInt(req.cfg("level")) != level) {
            throw new MeshflException(ErrorCode.OUT_OF_ORDER, req.step() + " for tree " + req.cfg("tree", "?") + " level "
                    + req.cfg("level", "?") + " does not match the guest's tree " + treeNo + " level " + level);
        }
    }

    ModelParts.GuestPart part() {
        return part(trees.size());
    }

    /** The model of the first {@code keep} trees (the selected round's, when the job selects one). */
    ModelParts.GuestPart part(int keep) {
        if (keep < 1 || keep > trees.size()) {
            throw new MeshflException(ErrorCode.OUT_OF_ORDER, "asked to save " + keep + " trees; the guest grew " + trees.size());
        }
        List<String> parties = new ArrayList<>();
        parties.add(domain);
        parties.addAll(active);
        return new ModelParts.GuestPart(domain, "guest", features, base[0], parties,
                trees.subList(0, keep).stream().map(ModelParts.TreeArrays::of).toList(), objective.task().name().toLowerCase(java.util.Locale.ROOT),
                k, base.clone());
    }
}

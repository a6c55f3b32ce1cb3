package io.meshfl.engine.spark;

import io.meshfl.core.ErrorCode;
import io.meshfl.core.MeshflException;
import io.meshfl.core.contract.DataContract;
import io.meshfl.core.protocol.Message;
import io.meshfl.core.protocol.NodeContext;
import io.meshfl.core.protocol.NodeProtocol;
import io.meshfl.core.protocol.psi.PackedInts;
import io.meshfl.core.protocol.psi.PsiSteps;
import org.apache.spark.api.java.JavaPairRDD;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.storage.StorageLevel;
import scala.Tuple2;
import scala.Tuple3;

import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

/**
 * The node side of entity alignment (PSI) on Spark, step for step the messages of the node's own
 * {@code PsiNode}: the keys are read, checked (blank, duplicate), shuffled by a secret keyed order,
 * hashed to the curve and blinded on the executors, and held there partitioned by their shuffled
 * position; a blind request is a job over the few partitions its range spans, the peer's points are
 * blinded again in parallel chunks, and the aligned row order is sorted on the executors, so the
 * driver never holds more than a batch of points and the intersection's row numbers. Alignments the
 * engine does not distribute (join-key values, an out-of-time cut, a database table) are the node's
 * own, with a line in its log.
 */
final class SparkPsiNode implements NodeProtocol {

    private static final String STATE = "psi.spark";
    private static final SecureRandom RANDOM = new SecureRandom();

    private final SparkEngine engine;
    private final NodeProtocol own;

    SparkPsiNode(SparkEngine engine, NodeProtocol own) {
        this.engine = engine;
        this.own = own;
    }

    /**
     * One alignment's keys, on the executors: (position, row, key) partitioned by position, and the node's secrets for it;
     * released at its align step, or when its job ends without one (a count of the common entities).
     */
    private final class State implements AutoCloseable {
        String product;
        String slot;
        long count;
        JavaRDD<Tuple3<Long, Long, String>> placed;
        /** The first position of each partition of {@code placed}, and the count after the last. */
        long[] starts;
        byte[] blindKey;
        /** Kept while the alignment lives: a partition Spark recomputes is shuffled by the same key into the same place. */
        byte[] shuffleKey;
        /** The executors' work when the keys step began. */
        long[] executorsAtKeys;

        private boolean dropped;

        void drop() {
            if (dropped) return;
            dropped = true;
            if (placed != null) placed.unpersist(false);
            Arrays.fill(blindKey, (byte) 0);
            Arrays.fill(shuffleKey, (byte) 0);
        }

        @Override
        public void close() {
            if (dropped) return;
            drop();
            engine.log("psi (" + product + "): released at the end of its job; since its keys were read, the " + engine.executorsSince(executorsAtKeys));
        }
    }

    @Override
    public String name() {
        return PsiSteps.PROTOCOL;
    }

    @Override
    public Message handle(Message req, NodeContext ctx) {
        Map<String, Object> job = ctx.jobState(req.jobId());
        if (req.step().equals(PsiSteps.KEYS)) {
            // a later alignment of the job replaces an earlier one, as on the node's own side
            State before = (State) job.remove(STATE);
            if (before != null) before.drop();
            DataContract c = engine.contract(req.cfg("product"));
            String why = c == null ? "it is no product of this node"
                    : !SparkProducts.readsHere(c) ? "its data is a database table, read by the node itself"
                    : !req.cfg("column", "").isEmpty() ? "it aligns the values of a join column"
                    : req.cfg("period_column", null) != null ? "it aligns one side of an out-of-time cut" : null;
            if (why != null) {
                engine.log("psi " + req.jobId() + " (" + req.cfg("product") + "): runs in the node's JVM, not on Spark: " + why);
                return own.handle(req, ctx);
            }
            return keys(req, ctx, c);
        }
        State s = (State) job.get(STATE);
        if (s == null) return own.handle(req, ctx);
        try {
            return switch (req.step()) {
                case PsiSteps.BLIND -> blind(req, ctx, s);
                case PsiSteps.REBLIND -> req.reply(ctx.nodeId(), Map.of(), Map.of(), Map.of("points", reblind(s, req.blob("points"))));
                case PsiSteps.ALIGN -> align(req, ctx, s);
                default -> own.handle(req, ctx);
            };
        } catch (RuntimeException e) {
            throw SparkErrors.unwrap(e);
        }
    }

    private Message keys(Message req, NodeContext ctx, DataContract c) {
        String keyColumn = c.policy().entityKey();
        if (keyColumn == null) {
            throw new MeshflException(ErrorCode.POLICY_VIOLATION, "product " + c.id() + " declares no entity key (meshfl.entityKey)");
        }
        long[] mark = engine.executors();
        JavaPairRDD<Long, String> rows;
        try {
            rows = SparkProducts.column(engine.session(), c, keyColumn, engine::log).persist(StorageLevel.MEMORY_AND_DISK_SER());
        } catch (RuntimeException e) {
            throw SparkErrors.unwrap(e);
        }
        try {
            List<Long> blank = rows.filter(t -> t._2() == null).keys().takeOrdered(1);
            if (!blank.isEmpty()) {
                throw new MeshflException(ErrorCode.DATA_BAD_VALUE, "product " + c.id() + " has a blank entity key at data row " + (blank.get(0) + 1));
            }
            // per key its first two rows; the duplicate a reader meets first is the one whose second row comes first
            List<long[]> dup = rows.mapToPair(t -> new Tuple2<>(t._2(), new long[]{t._1(), Long.MAX_VALUE}))
                    .reduceByKey(SparkPsiNode::firstTwo).values().filter(v -> v[1] != Long.MAX_VALUE)
                    .takeOrdered(1, new BySecond());
            if (!dup.isEmpty()) {
                // the key itself may be personal data: name the rows, not the value
                throw new MeshflException(ErrorCode.DATA_BAD_VALUE, "product " + c.id() + " has a duplicate entity key at data rows "
                        + (dup.get(0)[0] + 1) + " and " + (dup.get(0)[1] + 1) + "; entity alignment needs unique keys");
            }
            long n = rows.count();
            State s = new State();
            s.executorsAtKeys = mark;
            s.product = c.id();
            s.slot = req.cfg("slot", "");
            s.count = n;
            s.blindKey = new byte[32];
            RANDOM.nextBytes(s.blindKey);
            // the secret shuffle: rows ordered by a keyed pseudo-random function of their number, under a key of this alignment's own
            byte[] shuffleKey = new byte[32];
            RANDOM.nextBytes(shuffleKey);
            s.shuffleKey = shuffleKey;
            int parts = (int) Math.max(1, Math.min(Integer.MAX_VALUE, (n + engine.partitionRows() - 1) / engine.partitionRows()));
            JavaRDD<Tuple2<Long, String>> shuffled = rows.mapToPair(t -> new Tuple2<>(Shuffle.order(shuffleKey, t._1()), t))
                    .sortByKey(true, parts).values();
            s.placed = shuffled.zipWithIndex().map(t -> new Tuple3<>(t._2(), t._1()._1(), t._1()._2()))
                    .persist(StorageLevel.MEMORY_AND_DISK_SER());
            List<Tuple2<Integer, Long>> sizes = s.placed.mapPartitionsWithIndex((i, it) -> {
                long k = 0;
                while (it.hasNext()) {
                    it.next();
                    k++;
                }
                return List.of(new Tuple2<>(i, k)).iterator();
            }, true).collect();
            s.starts = new long[sizes.size() + 1];
            for (Tuple2<Integer, Long> t : sizes) s.starts[t._1() + 1] = t._2();
            for (int i = 1; i < s.starts.length; i++) s.starts[i] += s.starts[i - 1];
            ctx.jobState(req.jobId()).put(STATE, s);
            engine.log("psi " + req.jobId() + " (" + c.id() + "): " + n + " keys checked and shuffled on Spark, " + (s.starts.length - 1) + " partitions");
            return req.reply(ctx.nodeId(), Map.of("count", (double) n), Map.of());
        } catch (RuntimeException e) {
            throw SparkErrors.unwrap(e);
        } finally {
            // what the alignment keeps is its shuffled copy; the rows as read are recomputed from the files if Spark loses a part
            rows.unpersist(false);
        }
    }

    private static long[] firstTwo(long[] a, long[] b) {
        long[] all = {a[0], a[1], b[0], b[1]};
        Arrays.sort(all);
        return new long[]{all[0], all[1]};
    }

    /** Orders duplicates by their second row. */
    private static final class BySecond implements java.util.Comparator<long[]>, java.io.Serializable {
        @Override
        public int compare(long[] a, long[] b) {
            return Long.compare(a[1], b[1]);
        }
    }

    private Message blind(Message req, NodeContext ctx, State s) {
        long from = Long.parseLong(req.cfg("from"));
        long to = Long.parseLong(req.cfg("to"));
        if (from < 0 || to > s.count || from > to) {
            throw new MeshflException(ErrorCode.PROTOCOL_FAILURE, "blind range [" + from + ", " + to + ") is outside 0.." + s.count);
        }
        if (from == to) return req.reply(ctx.nodeId(), Map.of(), Map.of(), Map.of("points", new byte[0]));
        int first = partitionOf(s.starts, from);
        int last = partitionOf(s.starts, to - 1);
        byte[] key = s.blindKey;
        // a job over the partitions the range spans, one task each
        List<Tuple2<Long, byte[]>> pieces = Partitions.only(s.placed, first, last).mapPartitions(it -> {
            List<String> keys = new ArrayList<>();
            long start = -1;
            while (it.hasNext()) {
                Tuple3<Long, Long, String> t = it.next();
                if (t._1() < from || t._1() >= to) continue;
                if (start < 0) start = t._1();
                keys.add(t._3());
            }
            if (keys.isEmpty()) return java.util.Collections.<Tuple2<Long, byte[]>>emptyIterator();
            return List.of(new Tuple2<>(start, Points.blinder(key).blindKeys(keys))).iterator();
        }).collect();
        byte[] out = new byte[Math.toIntExact((to - from) * 32)];
        int filled = 0;
        for (Tuple2<Long, byte[]> p : pieces) {
            System.arraycopy(p._2(), 0, out, Math.toIntExact((p._1() - from) * 32), p._2().length);
            filled += p._2().length;
        }
        if (filled != out.length) {
            throw new MeshflException(ErrorCode.INTERNAL, "blind range [" + from + ", " + to + "): the executors gave " + filled / 32 + " points");
        }
        return req.reply(ctx.nodeId(), Map.of(), Map.of(), Map.of("points", out));
    }

    /** The partition holding position {@code pos}. */
    static int partitionOf(long[] starts, long pos) {
        int i = Arrays.binarySearch(starts, pos);
        if (i < 0) return -i - 2;
        // several empty partitions may start at the same position: the one that holds it is the last of them
        while (i + 1 < starts.length - 1 && starts[i + 1] == pos) i++;
        return i;
    }

    private byte[] reblind(State s, byte[] points) {
        if (points == null || points.length % 32 != 0) {
            throw new MeshflException(ErrorCode.CRYPTO_FAILURE, "packed points are " + (points == null ? "missing" : points.length + " bytes")
                    + ", not a multiple of 32");
        }
        int n = points.length / 32;
        int chunks = Math.max(1, Math.min(n, engine.context().defaultParallelism() * 2));
        List<Tuple2<Integer, byte[]>> parts = new ArrayList<>();
        for (int k = 0; k < chunks; k++) {
            int lo = (int) ((long) n * k / chunks), hi = (int) ((long) n * (k + 1) / chunks);
            parts.add(new Tuple2<>(k, Arrays.copyOfRange(points, lo * 32, hi * 32)));
        }
        byte[] key = s.blindKey;
        List<Tuple2<Integer, byte[]>> done = engine.context().parallelize(parts, chunks)
                .map(t -> new Tuple2<>(t._1(), Points.blinder(key).reblind(t._2()))).collect();
        byte[] out = new byte[points.length];
        int at = 0;
        List<Tuple2<Integer, byte[]>> ordered = new ArrayList<>(done);
        ordered.sort(java.util.Comparator.comparing(Tuple2::_1));
        for (Tuple2<Integer, byte[]> t : ordered) {
            System.arraycopy(t._2(), 0, out, at, t._2().length);
            at += t._2().length;
        }
        return out;
    }

    private Message align(Message req, NodeContext ctx, State s) {
        int[] match = PackedInts.unpack(req.blob("match"));
        int[] rank = PackedInts.unpack(req.blob("rank"));
        if (match.length != rank.length) {
            throw new MeshflException(ErrorCode.PROTOCOL_FAILURE, "align: " + match.length + " matches but " + rank.length + " ranks");
        }
        boolean member = req.cfg("ordered", "false").equals("true");
        int slots = member ? Integer.parseInt(req.cfg("common")) : match.length;
        boolean[] filled = new boolean[slots];
        for (int i = 0; i < match.length; i++) {
            if (match[i] < 0 || match[i] >= s.count || rank[i] < 0 || rank[i] >= slots || filled[rank[i]]) {
                throw new MeshflException(ErrorCode.PROTOCOL_FAILURE, "align: invalid match " + match[i] + " or " + (member ? "place " : "rank ") + rank[i]);
            }
            filled[rank[i]] = true;
        }
        // the matched positions, sorted, with their ranks: the executors look their rows and keys up
        long[][] byPosition = Alignment.byPosition(match, rank);
        var lookup = engine.context().broadcast(byPosition);
        JavaRDD<Tuple3<Integer, Long, String>> matched = s.placed.mapPartitions(it -> {
            long[] pos = lookup.value()[0];
            long[] rk = lookup.value()[1];
            List<Tuple3<Integer, Long, String>> out = new ArrayList<>();
            while (it.hasNext()) {
                Tuple3<Long, Long, String> t = it.next();
                int i = Arrays.binarySearch(pos, t._1());
                if (i >= 0) out.add(new Tuple3<>((int) rk[i], t._2(), t._3()));
            }
            return out.iterator();
        });
        Map<String, Object> job = ctx.jobState(req.jobId());
        Map<String, byte[]> blobs = Map.of();
        if (member) {
            // a group member: its entities' places come from the alignment; -1 where another member holds the entity
            int[] sparse = new int[slots];
            Arrays.fill(sparse, -1);
            for (int[] pairs : Alignment.pairs(matched.map(t -> new Tuple2<>(t._1(), t._2())))) {
                for (int i = 0; i < pairs.length; i += 2) sparse[pairs[i]] = pairs[i + 1];
            }
            job.put(PsiSteps.slotted(PsiSteps.ALIGNED_ROWS, s.slot), sparse);
        } else {
            // the intersection's order is the order of its keys (with a group among the parties: of a keyed hash of them), the same
            // on every party and every engine
            String seed = req.cfg("order_seed", null);
            Long orderSeed = seed == null ? null : Long.parseLong(seed);
            JavaRDD<Tuple2<Integer, Long>> sorted = matched.sortBy(t -> Alignment.orderKey(orderSeed, t._3()), true,
                    Math.max(1, s.placed.getNumPartitions())).map(t -> new Tuple2<>(t._1(), t._2()));
            int[] rows = new int[match.length];
            int[] position = new int[match.length];
            int i = 0;
            for (int[] pairs : Alignment.pairs(sorted)) {
                for (int k = 0; k < pairs.length; k += 2, i++) {
                    rows[i] = pairs[k + 1];
                    position[pairs[k]] = i;
                }
            }
            if (i != match.length) throw new MeshflException(ErrorCode.INTERNAL, "align: the executors found " + i + " of " + match.length + " matches");
            job.put(PsiSteps.slotted(PsiSteps.ALIGNED_ROWS, s.slot), rows);
            if (req.cfg("report_order", "false").equals("true")) blobs = Map.of("order", PackedInts.pack(position));
        }
        job.put(PsiSteps.slotted(PsiSteps.ALIGNED_PRODUCT, s.slot), s.product);
        engine.log("psi " + req.jobId() + " (" + s.product + "): " + match.length + " rows aligned; since its keys were read, the "
                + engine.executorsSince(s.executorsAtKeys));
        lookup.destroy();
        s.drop();
        job.remove(STATE);
        return req.reply(ctx.nodeId(), Map.of("aligned", (double) match.length), Map.of(), blobs);
    }
}

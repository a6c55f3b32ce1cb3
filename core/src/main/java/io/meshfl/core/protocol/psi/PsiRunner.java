package io.meshfl.core.protocol.psi;

import io.meshfl.core.ErrorCode;
import io.meshfl.core.MeshflException;
import io.meshfl.core.crypto.psi.Intersection;
import io.meshfl.core.protocol.Message;
import io.meshfl.core.protocol.NodeChannel;

import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.function.Consumer;

/**
 * The coordinator side of private entity alignment over 2..n domains. Each party's shuffled,
 * blinded keys travel through every other party to be blinded again, in batches, all parties in
 * parallel; the coordinator then intersects the fully blinded values and tells each party which
 * of its (secretly shuffled) positions matched and their rank, from which the party builds the
 * common row order locally. The coordinator learns set sizes and the intersection size only.
 */
public final class PsiRunner {

    /**
     * One product taking part, in its domain: its entity keys, or the values of a join-key
     * {@code column} ({@code distinct}: a foreign key whose values repeat, aligned value by value).
     */
    public record Party(String domain, String productId, String column, boolean distinct, Period period, String group) {
        public Party(String domain, String productId) {
            this(domain, productId, "", false, null, null);
        }

        public Party(String domain, String productId, String column, boolean distinct) {
            this(domain, productId, column, distinct, null, null);
        }

        /** This party with only the rows of its product on one side of an out-of-time cut. */
        public Party within(Period p) {
            return new Party(domain, productId, column, distinct, p, group);
        }

        /**
         * This product as one member of party {@code group}: the members' keys count as one set (their
         * union), and each member learns only where its own entities fall in the common order; a
         * party of its own when {@code group} is null.
         */
        public Party inGroup(String group) {
            return new Party(domain, productId, column, distinct, period, group);
        }
    }

    /** Rows whose {@code column} is later than {@code after} ({@code late}) or not ({@code !late}); the others take no part. */
    public record Period(String column, String after, boolean late) {
    }

    /** Counts only: what the catalog may record. */
    public record Result(int intersection, Map<String, Integer> sizes, double seconds) {
    }

    private final Map<String, NodeChannel> byDomain;
    private final Duration timeout;
    private final Consumer<String> log;
    private final int batch;
    private final long orderSeed;

    public PsiRunner(Map<String, NodeChannel> byDomain, Duration timeout, Consumer<String> log, int batch) {
        this(byDomain, timeout, log, batch, 0);
    }

    private PsiRunner(Map<String, NodeChannel> byDomain, Duration timeout, Consumer<String> log, int batch, long orderSeed) {
        this.byDomain = Map.copyOf(byDomain);
        this.timeout = timeout;
        this.log = log;
        if (batch < 1) throw new IllegalArgumentException("psi batch must be >= 1, got " + batch);
        this.batch = batch;
        this.orderSeed = orderSeed;
    }

    /**
     * This runner with the job's seed, from which alignments with a group order their entities: by a
     * keyed hash of the key rather than the key, so that a member told its entities' places in the
     * order learns nothing of the keys of the entities between them.
     */
    public PsiRunner seeded(long seed) {
        return new PsiRunner(byDomain, timeout, log, batch, seed);
    }

    public Result run(String jobId, String runId, List<Party> parties, boolean cardinalityOnly) {
        return run(jobId, runId, parties, cardinalityOnly, "");
    }

    /** One of several alignments in a job: the nodes keep its result under {@code slot}. */
    public Result run(String jobId, String runId, List<Party> parties, boolean cardinalityOnly, String slot) {
        if (parties.size() < 2) {
            throw new MeshflException(ErrorCode.PLAN_REFUSED, "entity alignment needs at least 2 products, got " + parties.size());
        }
        long t0 = System.nanoTime();
        Map<String, Integer> sizes = new LinkedHashMap<>();
        for (Party p : parties) {
            Map<String, String> cfg = new LinkedHashMap<>(Map.of("product", p.productId(), "column", p.column(),
                    "distinct", Boolean.toString(p.distinct()), "slot", slot));
            if (p.period() != null) {
                cfg.put("period_column", p.period().column());
                cfg.put("period_after", p.period().after());
                cfg.put("period_late", Boolean.toString(p.period().late()));
            }
            Message r = call(p.domain(), Message.request(jobId, runId, PsiSteps.PROTOCOL, PsiSteps.KEYS, 0, p.domain()).withConfig(cfg));
            sizes.put(p.domain(), r.metrics().get("count").intValue());
        }
        log.accept("psi: set sizes " + sizes);
        ExecutorService pool = Executors.newFixedThreadPool(parties.size(), r -> {
            Thread t = new Thread(r, "meshfl-psi");
            t.setDaemon(true);
            return t;
        });
        List<byte[]> full = new ArrayList<>();
        try {
            List<Future<byte[]>> pipelines = new ArrayList<>();
            for (Party p : parties) pipelines.add(pool.submit(() -> blindThroughAll(jobId, runId, p, parties, sizes.get(p.domain()))));
            for (Future<byte[]> f : pipelines) full.add(f.get());
        } catch (ExecutionException e) {
            if (e.getCause() instanceof MeshflException me) throw me;
            throw new MeshflException(ErrorCode.PROTOCOL_FAILURE, "entity alignment failed: " + e.getCause(), e.getCause());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new MeshflException(ErrorCode.COORDINATOR_FAILURE, "interrupted during entity alignment");
        } finally {
            pool.shutdownNow();
        }
        GroupAlignment groups = GroupAlignment.of(parties, full);
        int[][] matches = groups == null ? new int[parties.size()][] : groups.matches();
        if (groups == null) {
            for (int i = 0; i < parties.size(); i++) {
                List<byte[]> others = new ArrayList<>(full);
                others.remove(i);
                matches[i] = Intersection.matchIndices(full.get(i), others);
            }
        }
        int common = groups == null ? matches[0].length : groups.common();
        if (common == 0 && parties.stream().anyMatch(p -> !p.column().isEmpty())) {
            throw new MeshflException(ErrorCode.DATA_EMPTY, "the join keys share no value: " + parties.stream()
                    .map(p -> p.productId() + "." + (p.column().isEmpty() ? "<entity key>" : p.column())).toList()
                    + " have " + sizes.values() + " distinct values and an empty intersection; check that the relationship joins "
                    + "columns holding the same identifiers");
        }
        if (common == 0) {
            throw new MeshflException(ErrorCode.DATA_EMPTY, "the products share no entity key: "
                    + parties.stream().map(Party::productId).toList() + " have set sizes " + sizes.values()
                    + " and an empty intersection; check that the entity keys (meshfl.entityKey) hold the same identifiers");
        }
        if (!cardinalityOnly && groups != null) {
            groups.align(jobId, runId, orderSeed, this::call);
        } else if (!cardinalityOnly) {
            for (int i = 0; i < parties.size(); i++) {
                Party p = parties.get(i);
                int[] rank = PointOrder.ranks(full.get(i), matches[i]);
                call(p.domain(), Message.request(jobId, runId, PsiSteps.PROTOCOL, PsiSteps.ALIGN, 0, p.domain())
                        .withBlobs(Map.of("match", PackedInts.pack(matches[i]), "rank", PackedInts.pack(rank))));
            }
        }
        double secs = (System.nanoTime() - t0) / 1e9;
        log.accept(String.format("psi: %d common entities in %.2f s", common, secs));
        return new Result(common, sizes, secs);
    }

    /** Party p's keys, blinded by p and then by every other party, in p's shuffled order. */
    private byte[] blindThroughAll(String jobId, String runId, Party p, List<Party> parties, int n) {
        byte[] out = new byte[n * 32];
        for (int from = 0; from < n; from += batch) {
            int to = Math.min(n, from + batch);
            byte[] pts = call(p.domain(), Message.request(jobId, runId, PsiSteps.PROTOCOL, PsiSteps.BLIND, 0, p.domain())
                    .withConfig(Map.of("from", Integer.toString(from), "to", Integer.toString(to)))).blob("points");
            for (Party q : parties) {
                if (q == p) continue;
                pts = call(q.domain(), Message.request(jobId, runId, PsiSteps.PROTOCOL, PsiSteps.REBLIND, 0, q.domain())
                        .withBlobs(Map.of("points", pts))).blob("points");
            }
            if (pts.length != (to - from) * 32) {
                throw new MeshflException(ErrorCode.PROTOCOL_FAILURE, "psi: expected " + (to - from) + " points back for "
                        + p.domain() + ", got " + pts.length / 32.0);
            }
            System.arraycopy(pts, 0, out, from * 32, pts.length);
        }
        return out;
    }

    private Message call(String domain, Message req) {
        NodeChannel ch = byDomain.get(domain);
        if (ch == null) throw new MeshflException(ErrorCode.TOO_FEW_NODES, "no node of domain '" + domain + "' is connected");
        return ch.call(req, timeout).orThrow();
    }
}

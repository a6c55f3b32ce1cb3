package io.meshfl.core.protocol.horizontal.secagg;

import io.meshfl.core.ErrorCode;
import io.meshfl.core.MeshflException;
import io.meshfl.core.crypto.secagg.NeighbourGraph;
import io.meshfl.core.crypto.secagg.Prg;
import io.meshfl.core.crypto.secagg.SecAggMessage;
import io.meshfl.core.crypto.secagg.SecAggParams;
import io.meshfl.core.crypto.secagg.ShareBook;
import io.meshfl.core.crypto.secagg.Unmasking;
import io.meshfl.core.plan.SecureAggregationSpec;
import io.meshfl.core.protocol.Message;
import io.meshfl.core.protocol.horizontal.Failure;
import io.meshfl.core.protocol.horizontal.FitInstruction;
import io.meshfl.core.protocol.horizontal.HorizontalSteps;

import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Function;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The coordinator side of one secure-aggregation round, in place of the plain fit calls: SETUP
 * (public parameters out, two public keys back), SHARE_KEYS (neighbours' keys out, sealed Shamir
 * shares back, checked against the neighbour graph and relayed), COLLECT_MASKED (the bundles and
 * the global parameters out; each node trains and returns its masked, quantized, example-weighted
 * update), UNMASK (survivors and drop-outs named; self-seed shares of survivors and key shares of
 * drop-outs back). The coordinator ends with the example-weighted mean of the survivors' updates
 * and never holds one node's update. A node that fails or misbehaves in a stage is left out of the
 * later stages and recorded as a failure; the round itself fails only when the sum cannot be
 * recovered.
 */
public final class SecureRound {

    private static final SecureRandom RANDOM = new SecureRandom();
    private static final Pattern CLIENT = Pattern.compile("client (\\d+)");

    /** One call to the node of a domain; may throw when the node cannot be reached. */
    @FunctionalInterface
    public interface Caller {
        Message call(String domain, Message request);
    }

    /** What a round yields: the new mean parameters, how many nodes are in it, failures, and the round's metrics. */
    public record Outcome(double[] mean, int nodesInSum, List<Failure> failures, Map<String, Double> metrics) {
        public Outcome {
            failures = List.copyOf(failures);
            metrics = Map.copyOf(metrics);
        }
    }

    private final SecureAggregationSpec spec;
    private final long maxExamples;
    private final Caller caller;
    private final ExecutorService pool;
    private final Duration timeout;

    /**
     * @param maxExamples the cap on one node's weight (from the spec, or the catalog's largest row count)
     * @param pool        runs a stage's calls in parallel
     */
    public SecureRound(SecureAggregationSpec spec, long maxExamples, Caller caller, ExecutorService pool, Duration timeout) {
        this.spec = spec;
        this.maxExamples = maxExamples;
        this.caller = caller;
        this.pool = pool;
        this.timeout = timeout;
    }

    /** Runs the four stages with the nodes {@code orders} names, each training with its own settings. */
    public Outcome run(String jobId, String runId, int round, double[] global, List<FitInstruction> orders) {
        List<String> domains = orders.stream().map(FitInstruction::nodeId).sorted().toList();
        int k = domains.size();
        if (k < 3) {
            throw new MeshflException(ErrorCode.TOO_FEW_NODES, "round " + round + ": secure aggregation needs at least 3 nodes, "
                    + k + " were sampled " + domains + "; with two, each could read the other's update off the sum");
        }
        Map<String, FitInstruction> orderOf = new HashMap<>();
        for (FitInstruction o : orders) orderOf.put(o.nodeId(), o);
        int degree = spec.degreeFor(k);
        byte[] nonce = new byte[8];
        RANDOM.nextBytes(nonce);
        byte[] graphSeed = new byte[Prg.SEED_BYTES];
        RANDOM.nextBytes(graphSeed);
        UpdateEncoding encoding = UpdateEncoding.of(k, global.length, spec.modulusBits(), spec.clip(), maxExamples);
        SecAggParams params = new SecAggParams(runId + "/" + round + "/" + HexFormat.of().formatHex(nonce), k, degree,
                spec.thresholdFor(degree), spec.modulusBits(), encoding.vectorLength(), graphSeed);
        Stages st = new Stages(jobId, runId, round, params.roundId(), domains);
        NeighbourGraph graph = params.graph();

        // SETUP
        Map<String, String> setup = new LinkedHashMap<>();
        setup.put("clients", Integer.toString(k));
        setup.put("degree", Integer.toString(degree));
        setup.put("threshold", Integer.toString(params.threshold()));
        setup.put("modulus_bits", Integer.toString(params.modulusBits()));
        setup.put("vector_length", Integer.toString(params.vectorLength()));
        setup.put("graph_seed", Base64.getEncoder().encodeToString(graphSeed));
        setup.put("clip", Double.toString(spec.clip()));
        setup.put("max_examples", Long.toString(maxExamples));
        Map<Integer, SecAggMessage.PublicKeys> keys = new TreeMap<>();
        st.call(SecAggSteps.SETUP, allClients(k), i -> st.request(SecAggSteps.SETUP, i, merge(setup, Map.of("client", Integer.toString(i)))),
                (i, reply) ->
                keys.put(i, new SecAggMessage.PublicKeys(i, reply.blob("channel_key"), reply.blob("mask_key"))));

        // SHARE_KEYS: only nodes that keep at least `threshold` neighbours can share their secrets recoverably
        Set<Integer> active = new TreeSet<>(keys.keySet());
        for (boolean changed = true; changed; ) {
            changed = false;
            for (int i : new ArrayList<>(active)) {
                int left = neighboursIn(graph, i, active).size();
                if (left < params.threshold()) {
                    active.remove(i);
                    st.fail(i, ErrorCode.TOO_FEW_NODES, "only " + left + " of its neighbours completed setup, the threshold is "
                            + params.threshold());
                    changed = true;
                }
            }
        }
        ShareBook book = new ShareBook(graph);
        st.call(SecAggSteps.SHARE_KEYS, active, i -> {
            List<SecAggMessage.PublicKeys> theirs = new ArrayList<>();
            for (int j : neighboursIn(graph, i, active)) theirs.add(keys.get(j));
            return st.request(SecAggSteps.SHARE_KEYS, i, Map.of()).withBlobs(Map.of("keys", SecAggCodec.keys(theirs)));
        }, (i, reply) -> {
            List<SecAggMessage.EncryptedShares> bundles = SecAggCodec.bundles(reply.blob("bundles"), "shares of client " + i);
            checkBundles(i, bundles, neighboursIn(graph, i, active), graph, params.threshold());
            bundles.forEach(book::accept);
        });

        // COLLECT_MASKED: each node trains here, so the plain fit call is not made in a secure round
        Set<Integer> shared = book.senders();
        Set<Integer> masked = new TreeSet<>();
        long[] maskedSum = new long[params.vectorLength()];
        st.call(SecAggSteps.COLLECT_MASKED, shared, i -> st.request(SecAggSteps.COLLECT_MASKED, i, orderOf.get(domains.get(i)).config())
                .withTensors(Map.of("params", global)).withBlobs(Map.of("bundles", SecAggCodec.bundles(book.inbox(i).shares()))),
                (i, reply) -> {
                    SecAggCodec.addVector(reply.blob("masked"), params.ring(), maskedSum, "masked input of client " + i);
                    masked.add(i);
                });
        if (masked.size() < params.threshold()) {
            throw new MeshflException(ErrorCode.TOO_FEW_NODES, "round " + round + ": secure aggregation: only " + masked.size()
                    + " of " + k + " nodes sent a masked update, fewer than the threshold " + params.threshold() + st.why());
        }

        // UNMASK
        Set<Integer> dropped = new TreeSet<>(shared);
        dropped.removeAll(masked);
        SecAggMessage.UnmaskRequest request = new SecAggMessage.UnmaskRequest(masked, dropped);
        List<SecAggMessage.RevealedShares> reveals = new ArrayList<>();
        st.call(SecAggSteps.UNMASK, masked, i -> st.request(SecAggSteps.UNMASK, i, Map.of()).withBlobs(Map.of(
                "survivors", SecAggCodec.ids(masked), "dropped", SecAggCodec.ids(dropped))), (i, reply) -> {
            SecAggMessage.RevealedShares r = new SecAggMessage.RevealedShares(i,
                    SecAggCodec.shares(reply.blob("seed_shares"), "self-seed shares of client " + i),
                    SecAggCodec.shares(reply.blob("key_shares"), "key shares of client " + i));
            book.checkReveal(r, request);
            reveals.add(r);
        });
        Map<Integer, byte[]> maskKeys = new HashMap<>();
        keys.forEach((i, pk) -> maskKeys.put(i, pk.maskKey()));
        long[] sum;
        try {
            sum = Unmasking.recover(params, graph, book, maskedSum, request, reveals, maskKeys);
        } catch (MeshflException e) {
            throw new MeshflException(ErrorCode.TOO_FEW_NODES, "round " + round + ": secure aggregation cannot unmask the sum: "
                    + st.named(e.getMessage()) + "; " + reveals.size() + " of " + masked.size() + " nodes in the sum revealed shares, "
                    + "each secret needs " + params.threshold() + " of a node's " + degree + " neighbours" + st.why(), e);
        }
        UpdateEncoding.Decoded d = encoding.decode(global, sum, masked.size());

        Map<String, Double> metrics = new LinkedHashMap<>();
        int lateDrops = masked.size() - reveals.size();
        metrics.put("secagg", 1.0);
        metrics.put("secagg_nodes_in_sum", (double) masked.size());
        metrics.put("secagg_dropped_before_masking", (double) dropped.size());
        metrics.put("secagg_dropped_after_masking", (double) lateDrops);
        metrics.put("secagg_dropouts_recovered", (double) (dropped.size() + lateDrops));
        metrics.put("secagg_degree", (double) degree);
        metrics.put("secagg_threshold", (double) params.threshold());
        metrics.put("secagg_examples", (double) d.examples());
        metrics.put("secagg_clipped_fraction", d.clipped() / ((double) masked.size() * global.length));
        return new Outcome(d.mean(), masked.size(), st.failures, metrics);
    }

    /** A node's bundles go to its active neighbours only, one each, from itself, enough to rebuild its secrets. */
    private static void checkBundles(int i, List<SecAggMessage.EncryptedShares> bundles, List<Integer> neighbours,
                                     NeighbourGraph graph, int threshold) {
        Set<Integer> seen = new HashSet<>();
        for (SecAggMessage.EncryptedShares b : bundles) {
            if (b.sender() != i) {
                throw new MeshflException(ErrorCode.PROTOCOL_FAILURE, "client " + i + " sent shares in the name of client " + b.sender());
            }
            if (b.receiver() < 0 || b.receiver() >= graph.clients()) {
                throw new MeshflException(ErrorCode.PROTOCOL_FAILURE, "client " + i + " sent shares for client " + b.receiver()
                        + ", which is not in the round (0.." + (graph.clients() - 1) + ")");
            }
            if (b.receiver() == i || !graph.areNeighbours(i, b.receiver())) {
                throw new MeshflException(ErrorCode.PROTOCOL_FAILURE, "client " + i + " sent shares for client " + b.receiver()
                        + ", which is not one of its neighbours");
            }
            if (!neighbours.contains(b.receiver())) {
                throw new MeshflException(ErrorCode.PROTOCOL_FAILURE, "client " + i + " sent shares for client " + b.receiver()
                        + ", which is not taking part in this round");
            }
            if (!seen.add(b.receiver())) {
                throw new MeshflException(ErrorCode.PROTOCOL_FAILURE, "client " + i + " sent shares for client " + b.receiver() + " twice");
            }
        }
        if (seen.size() < threshold) {
            throw new MeshflException(ErrorCode.PROTOCOL_FAILURE, "client " + i + " shared its secrets with " + seen.size()
                    + " neighbours, fewer than the threshold " + threshold + ": they could not be rebuilt");
        }
    }

    private static List<Integer> neighboursIn(NeighbourGraph graph, int i, Set<Integer> among) {
        List<Integer> out = new ArrayList<>();
        for (int j : graph.neighbours(i)) if (among.contains(j)) out.add(j);
        return out;
    }

    private static Set<Integer> allClients(int k) {
        Set<Integer> out = new TreeSet<>();
        for (int i = 0; i < k; i++) out.add(i);
        return out;
    }

    private static Map<String, String> merge(Map<String, String> a, Map<String, String> b) {
        Map<String, String> m = new LinkedHashMap<>(a);
        m.putAll(b);
        return m;
    }

    /** Handles one reply of a stage; throwing leaves the node out of the later stages. */
    private interface ReplyHandler {
        void accept(int client, Message reply);
    }

    /** The calls of one round: every request carries the round id, every reply is checked for it. */
    private final class Stages {
        final String jobId;
        final String runId;
        final int round;
        final String roundId;
        final List<String> domains;
        final List<Failure> failures = new ArrayList<>();

        Stages(String jobId, String runId, int round, String roundId, List<String> domains) {
            this.jobId = jobId;
            this.runId = runId;
            this.round = round;
            this.roundId = roundId;
            this.domains = domains;
        }

        Message request(String step, int client, Map<String, String> config) {
            return Message.request(jobId, runId, HorizontalSteps.PROTOCOL, step, round, domains.get(client))
                    .withConfig(merge(config, Map.of(SecAggSteps.ROUND_ID, roundId)));
        }

        void call(String step, Set<Integer> clients, Function<Integer, Message> request, ReplyHandler handler) {
            Map<Integer, Future<Message>> calls = new LinkedHashMap<>();
            for (int i : clients) {
                Message req = request.apply(i);
                calls.put(i, pool.submit(() -> caller.call(domains.get(i), req)));
            }
            for (var e : calls.entrySet()) {
                int i = e.getKey();
                Message reply = await(i, step, e.getValue());
                if (reply == null) continue;
                try {
                    handler.accept(i, reply);
                } catch (MeshflException ex) {
                    fail(i, ex.code(), step + " refused: " + ex.getMessage());
                }
            }
        }

        private Message await(int i, String step, Future<Message> f) {
            try {
                Message reply = f.get(timeout.toMillis() + 500, TimeUnit.MILLISECONDS);
                if (reply.failed()) {
                    fail(i, reply.error().code(), step + ": " + reply.error().message());
                    return null;
                }
                String id = reply.config().get(SecAggSteps.ROUND_ID);
                if (reply.round() != round || !step.equals(reply.step()) || !roundId.equals(id)) {
                    fail(i, ErrorCode.PROTOCOL_FAILURE, step + " answered with a message of round " + reply.round() + " (" + id
                            + "), step " + reply.step() + ", not of this round " + round + " (" + roundId + "): replayed or stale, refused");
                    return null;
                }
                return reply;
            } catch (TimeoutException e) {
                f.cancel(true);
                fail(i, ErrorCode.ROUND_TIMEOUT, step + ": no answer within " + timeout.toSeconds() + " s");
            } catch (ExecutionException e) {
                Throwable c = e.getCause();
                fail(i, c instanceof MeshflException me ? me.code() : ErrorCode.NODE_FAILURE, step + ": "
                        + (c instanceof MeshflException me ? me.getMessage() : String.valueOf(c)));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new MeshflException(ErrorCode.COORDINATOR_FAILURE, "interrupted during " + step + " of round " + round);
            }
            return null;
        }

        void fail(int client, ErrorCode code, String reason) {
            failures.add(new Failure(domains.get(client), code, "secure aggregation " + named(reason)));
        }

        /** Names the node behind every client index in a message from the primitives. */
        String named(String text) {
            Matcher m = CLIENT.matcher(text);
            StringBuilder sb = new StringBuilder();
            while (m.find()) {
                int c = Integer.parseInt(m.group(1));
                String name = c >= 0 && c < domains.size() ? " (" + domains.get(c) + ")" : " (no such node)";
                m.appendReplacement(sb, Matcher.quoteReplacement(m.group() + name));
            }
            m.appendTail(sb);
            return sb.toString();
        }

        String why() {
            StringBuilder sb = new StringBuilder();
            for (Failure f : failures) sb.append("; ").append(f.nodeId()).append(": ").append(f.reason());
            return sb.toString();
        }
    }
}

package io.meshfl.core.protocol.horizontal.secagg;

import io.meshfl.core.ErrorCode;
import io.meshfl.core.MeshflException;
import io.meshfl.core.crypto.seal.SealedBox;
import io.meshfl.core.crypto.secagg.KeyAgreement;
import io.meshfl.core.crypto.secagg.KeyShares;
import io.meshfl.core.crypto.secagg.Masking;
import io.meshfl.core.crypto.secagg.NeighbourGraph;
import io.meshfl.core.crypto.secagg.Prg;
import io.meshfl.core.crypto.secagg.SecAggMessage;
import io.meshfl.core.crypto.secagg.SecAggParams;
import io.meshfl.core.crypto.secagg.Shamir;
import io.meshfl.core.protocol.Message;
import io.meshfl.core.protocol.NodeContext;

import java.security.KeyPair;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * The node side of a secure-aggregation round: keeps the round's secrets (self-mask seed, mask
 * key pair, sealing key), shares them among its neighbours, trains and masks its update, and
 * reveals at most one of the two secrets of any peer, once. One round per job at a time; a new
 * setup discards the previous round's secrets. Every stage checks the round id and the order.
 */
public final class SecAggNode {

    private static final String STATE = "secagg";
    private static final SecureRandom RANDOM = new SecureRandom();

    /** Trains from the global parameters with the round's settings in {@code request}. */
    @FunctionalInterface
    public interface Trainer {
        LocalUpdate train(double[] global, Message request);
    }

    /** A node's locally trained parameters and how many examples shaped them. */
    public record LocalUpdate(double[] params, long examples, double loss) {
    }

    private enum Stage { KEYS_SENT, SHARES_SENT, MASKED, REVEALED }

    /** One round's secrets and progress. */
    private static final class Round {
        final String id;
        final SecAggParams params;
        final NeighbourGraph graph;
        final int me;
        final UpdateEncoding encoding;
        final SealedBox channel = SealedBox.generate();
        final KeyPair maskKeys = KeyAgreement.generate(RANDOM);
        final byte[] selfSeed = new byte[Prg.SEED_BYTES];
        final Map<Integer, SecAggMessage.PublicKeys> neighbourKeys = new HashMap<>();
        final Map<Integer, KeyShares> held = new TreeMap<>();
        Stage stage = Stage.KEYS_SENT;

        Round(String id, SecAggParams params, int me, UpdateEncoding encoding) {
            this.id = id;
            this.params = params;
            this.graph = params.graph();
            this.me = me;
            this.encoding = encoding;
            RANDOM.nextBytes(selfSeed);
        }
    }

    /** Answers one secure-aggregation step of the horizontal protocol. */
    public Message handle(Message req, NodeContext ctx, Trainer trainer) {
        return switch (req.step()) {
            case SecAggSteps.SETUP -> setup(req, ctx);
            case SecAggSteps.SHARE_KEYS -> shareKeys(req, ctx);
            case SecAggSteps.COLLECT_MASKED -> collectMasked(req, ctx, trainer);
            case SecAggSteps.UNMASK -> unmask(req, ctx);
            default -> req.failure(ctx.nodeId(), ErrorCode.PROTOCOL_FAILURE, "unknown secure-aggregation step '" + req.step() + "'");
        };
    }

    private Message setup(Message req, NodeContext ctx) {
        String id = req.cfg(SecAggSteps.ROUND_ID);
        int clients = Integer.parseInt(req.cfg("clients"));
        SecAggParams params = new SecAggParams(id, clients, Integer.parseInt(req.cfg("degree")),
                Integer.parseInt(req.cfg("threshold")), Integer.parseInt(req.cfg("modulus_bits")),
                Integer.parseInt(req.cfg("vector_length")), Base64.getDecoder().decode(req.cfg("graph_seed")));
        int me = Integer.parseInt(req.cfg("client"));
        if (me < 0 || me >= clients) {
            throw new MeshflException(ErrorCode.PROTOCOL_FAILURE, "secure-aggregation client index " + me + " is outside 0.." + (clients - 1));
        }
        UpdateEncoding enc = UpdateEncoding.of(clients, params.vectorLength() - UpdateEncoding.EXTRA, params.modulusBits(),
                Double.parseDouble(req.cfg("clip")), Long.parseLong(req.cfg("max_examples")));
        Round r = new Round(id, params, me, enc);
        ctx.jobState(req.jobId()).put(STATE, r);
        return reply(req, ctx, r, Map.of("channel_key", r.channel.publicKey(),
                "mask_key", KeyAgreement.encodePublic(r.maskKeys.getPublic())));
    }

    private Message shareKeys(Message req, NodeContext ctx) {
        Round r = round(req, ctx, Stage.KEYS_SENT);
        List<SecAggMessage.PublicKeys> keys = SecAggCodec.keys(req.blob("keys"), "neighbour keys");
        int[] xs = new int[keys.size()];
        for (int k = 0; k < xs.length; k++) {
            SecAggMessage.PublicKeys pk = keys.get(k);
            // the graph is public: a coordinator that adds a non-neighbour is trying to collect more shares than it may
            if (pk.client() == r.me || pk.client() < 0 || pk.client() >= r.params.clients() || !r.graph.areNeighbours(r.me, pk.client())) {
                throw new MeshflException(ErrorCode.PROTOCOL_FAILURE, "round " + r.id + ": client " + pk.client()
                        + " is not a neighbour of client " + r.me + "; refusing to share secrets with it");
            }
            if (r.neighbourKeys.put(pk.client(), pk) != null) {
                throw new MeshflException(ErrorCode.PROTOCOL_FAILURE, "round " + r.id + ": keys of client " + pk.client() + " sent twice");
            }
            xs[k] = pk.client() + 1;
        }
        if (xs.length < r.params.threshold()) {
            throw new MeshflException(ErrorCode.TOO_FEW_NODES, "round " + r.id + ": client " + r.me + " has " + xs.length
                    + " neighbours left, fewer than the threshold " + r.params.threshold());
        }
        List<Shamir.Share> seeds = Shamir.share(r.selfSeed, r.params.threshold(), xs, RANDOM);
        List<Shamir.Share> secretKeys = Shamir.share(KeyAgreement.encodePrivate(r.maskKeys.getPrivate()), r.params.threshold(), xs, RANDOM);
        List<SecAggMessage.EncryptedShares> out = new ArrayList<>();
        for (int k = 0; k < xs.length; k++) {
            int j = xs[k] - 1;
            byte[] plain = new KeyShares(r.me, j, seeds.get(k), secretKeys.get(k)).encode();
            out.add(new SecAggMessage.EncryptedShares(r.me, j, r.channel.seal(r.neighbourKeys.get(j).channelKey(),
                    sealContext(r.id, r.me, j), plain)));
        }
        r.stage = Stage.SHARES_SENT;
        return reply(req, ctx, r, Map.of("bundles", SecAggCodec.bundles(out)));
    }

    private Message collectMasked(Message req, NodeContext ctx, Trainer trainer) {
        Round r = round(req, ctx, Stage.SHARES_SENT);
        Map<Integer, byte[]> pairSeeds = new HashMap<>();
        for (SecAggMessage.EncryptedShares e : SecAggCodec.bundles(req.blob("bundles"), "forwarded shares")) {
            SecAggMessage.PublicKeys sender = r.neighbourKeys.get(e.sender());
            if (sender == null || e.receiver() != r.me || r.held.containsKey(e.sender())) {
                throw new MeshflException(ErrorCode.PROTOCOL_FAILURE, "round " + r.id + ": client " + r.me + " was forwarded shares from "
                        + e.sender() + " to " + e.receiver() + ", which it cannot place");
            }
            // the round id is bound into the sealing context: a bundle of an earlier round does not open
            KeyShares ks = KeyShares.decode(r.channel.open(sender.channelKey(), sealContext(r.id, e.sender(), r.me), e.ciphertext()));
            if (ks.owner() != e.sender() || ks.holder() != r.me) {
                throw new MeshflException(ErrorCode.PROTOCOL_FAILURE, "round " + r.id + ": shares relabelled in transit");
            }
            r.held.put(ks.owner(), ks);
            pairSeeds.put(e.sender(), Masking.pairSeed(r.params, r.me, r.maskKeys.getPrivate(), e.sender(), sender.maskKey()));
        }
        double[] global = req.tensor("params");
        LocalUpdate u = trainer.train(global, req);
        long[] input = r.encoding.encode(global, u.params(), u.examples());
        Masking.maskInPlace(r.params, r.graph, r.me, input, r.selfSeed, pairSeeds);
        r.stage = Stage.MASKED;
        return reply(req, ctx, r, Map.of("masked", SecAggCodec.vector(input, r.params.ring())));
    }

    private Message unmask(Message req, NodeContext ctx) {
        Round r = round(req, ctx, Stage.MASKED);
        Set<Integer> survivors = SecAggCodec.ids(req.blob("survivors"), "survivors");
        Set<Integer> dropped = SecAggCodec.ids(req.blob("dropped"), "drop-outs");
        for (int d : dropped) {
            if (survivors.contains(d)) {
                throw new MeshflException(ErrorCode.PROTOCOL_FAILURE, "round " + r.id + ": client " + d
                        + " is named both survivor and drop-out; refusing to reveal anything");
            }
        }
        if (!survivors.contains(r.me)) {
            throw new MeshflException(ErrorCode.PROTOCOL_FAILURE, "round " + r.id + ": client " + r.me
                    + " sent its masked input but is not named a survivor; refusing to reveal anything");
        }
        if (survivors.size() < r.params.threshold()) {
            throw new MeshflException(ErrorCode.TOO_FEW_NODES, "round " + r.id + ": only " + survivors.size()
                    + " survivors, fewer than the threshold " + r.params.threshold());
        }
        Map<Integer, Shamir.Share> seeds = new TreeMap<>();
        Map<Integer, Shamir.Share> secretKeys = new TreeMap<>();
        for (KeyShares ks : r.held.values()) {
            if (survivors.contains(ks.owner())) seeds.put(ks.owner(), ks.selfSeed());
            else if (dropped.contains(ks.owner())) secretKeys.put(ks.owner(), ks.secretKey());
        }
        // answered once: a second request with other sets could otherwise collect both secrets of one peer
        r.stage = Stage.REVEALED;
        return reply(req, ctx, r, Map.of("seed_shares", SecAggCodec.shares(seeds), "key_shares", SecAggCodec.shares(secretKeys)));
    }

    private static Round round(Message req, NodeContext ctx, Stage expected) {
        Object o = ctx.jobState(req.jobId()).get(STATE);
        String id = req.cfg(SecAggSteps.ROUND_ID);
        if (!(o instanceof Round r)) {
            throw new MeshflException(ErrorCode.OUT_OF_ORDER, "secure-aggregation step '" + req.step() + "' of round " + id
                    + " arrived before its setup");
        }
        if (!r.id.equals(id)) {
            throw new MeshflException(ErrorCode.PROTOCOL_FAILURE, "secure-aggregation step '" + req.step() + "' names round " + id
                    + " but the current round is " + r.id + ": replayed or stale message refused");
        }
        if (r.stage != expected) {
            throw new MeshflException(ErrorCode.OUT_OF_ORDER, "secure-aggregation step '" + req.step() + "' of round " + id
                    + " arrived after stage " + r.stage + "; each stage is answered once, in order");
        }
        return r;
    }

    private static Message reply(Message req, NodeContext ctx, Round r, Map<String, byte[]> blobs) {
        return req.reply(ctx.nodeId(), Map.of(), Map.of(), blobs).withConfig(Map.of(SecAggSteps.ROUND_ID, r.id));
    }

    /** Bound into every sealed bundle: the round, the sender and the receiver. */
    static String sealContext(String roundId, int from, int to) {
        return "meshfl-secagg-shares|" + roundId + "|" + from + "->" + to;
    }
}

package io.meshfl.core.crypto.secagg;

import io.meshfl.core.ErrorCode;
import io.meshfl.core.MeshflException;
import io.meshfl.core.crypto.seal.SealedBox;

import java.security.KeyPair;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * One SecAgg+ round run in-process with honest clients and the four stages' messages, so the
 * primitives can be checked end to end before any transport exists. Shares travel sealed with
 * {@link SealedBox} and relayed through the server's {@link ShareBook}.
 *
 * <p>Two kinds of drop-out: {@code dropBeforeMasking} clients share their keys and then vanish
 * (their pairwise masks must be removed through their rebuilt secret keys);
 * {@code dropAfterMasking} clients send their masked input and then vanish (they are in the sum,
 * and their self seeds must be rebuilt without their help).
 */
final class SecAggSimulation {

    /** What the server ends with, and what an observer would check it against. */
    record Outcome(long[] sum, long[] expectedSum, Set<Integer> inSum, Map<Integer, long[]> inputs,
                   Map<Integer, long[]> maskedInputs) {
    }

    private SecAggSimulation() {
    }

    static Outcome run(SecAggParams params, Map<Integer, long[]> inputs, Set<Integer> dropBeforeMasking,
                       Set<Integer> dropAfterMasking, SecureRandom random) {
        NeighbourGraph graph = params.graph();
        Ring ring = params.ring();

        // SETUP
        SecAggMessage.Setup setup = new SecAggMessage.Setup(params);
        Map<Integer, Client> clients = new TreeMap<>();
        Map<Integer, SecAggMessage.PublicKeys> keys = new TreeMap<>();
        for (int i = 0; i < params.clients(); i++) {
            Client c = new Client(i, setup.params(), graph, random);
            clients.put(i, c);
            keys.put(i, c.publicKeys());
        }

        // SHARE_KEYS
        ShareBook book = new ShareBook(graph);
        for (Client c : clients.values()) {
            List<SecAggMessage.PublicKeys> theirs = new ArrayList<>();
            for (int j : graph.neighbours(c.id)) {
                theirs.add(keys.get(j));
            }
            for (SecAggMessage.EncryptedShares m : c.shareKeys(new SecAggMessage.NeighbourKeys(c.id, theirs))) {
                book.accept(m);
            }
        }

        // COLLECT_MASKED
        Map<Integer, long[]> masked = new TreeMap<>();
        for (Client c : clients.values()) {
            if (dropBeforeMasking.contains(c.id)) {
                continue;
            }
            SecAggMessage.MaskedInput m = c.maskedInput(book.inbox(c.id), inputs.get(c.id));
            masked.put(m.client(), m.masked());
        }

        // UNMASK
        Set<Integer> dropped = new TreeSet<>(book.senders());
        dropped.removeAll(masked.keySet());
        SecAggMessage.UnmaskRequest request = new SecAggMessage.UnmaskRequest(masked.keySet(), dropped);
        List<SecAggMessage.RevealedShares> replies = new ArrayList<>();
        for (int u : request.survivors()) {
            if (!dropAfterMasking.contains(u)) {
                replies.add(clients.get(u).reveal(request));
            }
        }
        Map<Integer, byte[]> maskKeys = new HashMap<>();
        keys.forEach((id, k) -> maskKeys.put(id, k.maskKey()));
        long[] maskedSum = ring.sum(masked.values());
        long[] sum = Unmasking.recover(params, graph, book, maskedSum, request, replies, maskKeys);

        List<long[]> plain = new ArrayList<>();
        masked.keySet().forEach(u -> plain.add(inputs.get(u)));
        return new Outcome(sum, ring.sum(plain), masked.keySet(), inputs, masked);
    }

    /** An honest client: keeps its secrets, masks with the neighbours whose shares it holds, reveals one secret per peer. */
    private static final class Client {
        final int id;
        final SecAggParams params;
        final NeighbourGraph graph;
        final SecureRandom random;
        final SealedBox channel = SealedBox.generate();
        final KeyPair maskKeys;
        final byte[] selfSeed = new byte[Prg.SEED_BYTES];
        final Map<Integer, SecAggMessage.PublicKeys> neighbourKeys = new HashMap<>();
        final Map<Integer, KeyShares> held = new TreeMap<>();

        Client(int id, SecAggParams params, NeighbourGraph graph, SecureRandom random) {
            this.id = id;
            this.params = params;
            this.graph = graph;
            this.random = random;
            this.maskKeys = KeyAgreement.generate(random);
            random.nextBytes(selfSeed);
        }

        SecAggMessage.PublicKeys publicKeys() {
            return new SecAggMessage.PublicKeys(id, channel.publicKey(), KeyAgreement.encodePublic(maskKeys.getPublic()));
        }

        List<SecAggMessage.EncryptedShares> shareKeys(SecAggMessage.NeighbourKeys m) {
            int[] xs = new int[m.neighbours().size()];
            for (int k = 0; k < xs.length; k++) {
                SecAggMessage.PublicKeys pk = m.neighbours().get(k);
                neighbourKeys.put(pk.client(), pk);
                xs[k] = pk.client() + 1;
            }
            List<Shamir.Share> seedShares = Shamir.share(selfSeed, params.threshold(), xs, random);
            List<Shamir.Share> keyShares = Shamir.share(KeyAgreement.encodePrivate(maskKeys.getPrivate()),
                    params.threshold(), xs, random);
            List<SecAggMessage.EncryptedShares> out = new ArrayList<>();
            for (int k = 0; k < xs.length; k++) {
                int j = xs[k] - 1;
                byte[] plain = new KeyShares(id, j, seedShares.get(k), keyShares.get(k)).encode();
                out.add(new SecAggMessage.EncryptedShares(id, j,
                        channel.seal(neighbourKeys.get(j).channelKey(), context(id, j), plain)));
            }
            return out;
        }

        SecAggMessage.MaskedInput maskedInput(SecAggMessage.ForwardedShares in, long[] x) {
            Map<Integer, byte[]> pairSeeds = new HashMap<>();
            for (SecAggMessage.EncryptedShares e : in.shares()) {
                SecAggMessage.PublicKeys sender = neighbourKeys.get(e.sender());
                if (sender == null || e.receiver() != id) {
                    throw new MeshflException(ErrorCode.PROTOCOL_FAILURE, "client " + id + " got shares it cannot place");
                }
                KeyShares ks = KeyShares.decode(channel.open(sender.channelKey(), context(e.sender(), id), e.ciphertext()));
                if (ks.owner() != e.sender() || ks.holder() != id) {
                    throw new MeshflException(ErrorCode.PROTOCOL_FAILURE, "client " + id + " got shares relabelled in transit");
                }
                held.put(ks.owner(), ks);
                pairSeeds.put(e.sender(), Masking.pairSeed(params, id, maskKeys.getPrivate(), e.sender(), sender.maskKey()));
            }
            return new SecAggMessage.MaskedInput(id, Masking.mask(params, graph, id, x, selfSeed, pairSeeds));
        }

        SecAggMessage.RevealedShares reveal(SecAggMessage.UnmaskRequest request) {
            Map<Integer, Shamir.Share> seeds = new HashMap<>();
            Map<Integer, Shamir.Share> secretKeys = new HashMap<>();
            for (KeyShares ks : held.values()) {
                if (request.survivors().contains(ks.owner())) {
                    seeds.put(ks.owner(), ks.selfSeed());
                } else if (request.dropped().contains(ks.owner())) {
                    secretKeys.put(ks.owner(), ks.secretKey());
                }
            }
            return new SecAggMessage.RevealedShares(id, seeds, secretKeys);
        }

        private String context(int from, int to) {
            return params.roundId() + "/shares/" + from + "->" + to;
        }
    }
}

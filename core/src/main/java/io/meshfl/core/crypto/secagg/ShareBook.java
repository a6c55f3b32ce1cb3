package io.meshfl.core.crypto.secagg;

import io.meshfl.core.ErrorCode;
import io.meshfl.core.MeshflException;

import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * The server's ledger of who shared secrets with whom, checked against the {@link NeighbourGraph}.
 * In SHARE_KEYS it refuses bundles between clients that are not neighbours (a client could
 * otherwise hand its secrets to a colluding non-neighbour, or flood the round); in UNMASK it
 * refuses reveals of shares the client never received, at the wrong position, or of both secrets
 * of one client.
 */
public final class ShareBook {

    private final NeighbourGraph graph;
    private final Map<Integer, Map<Integer, SecAggMessage.EncryptedShares>> bySender = new HashMap<>();

    public ShareBook(NeighbourGraph graph) {
        this.graph = graph;
    }

    /** Records one sealed bundle for relay, or refuses it with the pair at fault. */
    public void accept(SecAggMessage.EncryptedShares m) {
        int s = m.sender();
        int r = m.receiver();
        inRound(s, "sender");
        inRound(r, "receiver");
        if (s == r) {
            throw new MeshflException(ErrorCode.PROTOCOL_FAILURE, "client " + s + " sent shares to itself");
        }
        if (!graph.areNeighbours(s, r)) {
            throw new MeshflException(ErrorCode.PROTOCOL_FAILURE, "client " + s + " sent shares to client " + r
                    + ", which is not one of its neighbours");
        }
        Map<Integer, SecAggMessage.EncryptedShares> out = bySender.computeIfAbsent(s, k -> new HashMap<>());
        if (out.containsKey(r)) {
            throw new MeshflException(ErrorCode.PROTOCOL_FAILURE, "client " + s + " sent shares to client " + r + " twice");
        }
        out.put(r, m);
    }

    /** Every bundle addressed to {@code receiver}, by ascending sender. */
    public SecAggMessage.ForwardedShares inbox(int receiver) {
        inRound(receiver, "receiver");
        List<SecAggMessage.EncryptedShares> in = new ArrayList<>();
        for (int s : new TreeSet<>(bySender.keySet())) {
            SecAggMessage.EncryptedShares m = bySender.get(s).get(receiver);
            if (m != null) {
                in.add(m);
            }
        }
        return new SecAggMessage.ForwardedShares(receiver, in);
    }

    /** Clients that sent at least one bundle: those whose masks survivors will use. */
    public Set<Integer> senders() {
        return Collections.unmodifiableSet(new TreeSet<>(bySender.keySet()));
    }

    /** Whether {@code holder} was sent shares of {@code owner}'s secrets. */
    public boolean holds(int holder, int owner) {
        Map<Integer, SecAggMessage.EncryptedShares> out = bySender.get(owner);
        return out != null && out.containsKey(holder);
    }

    /** Checks one UNMASK reply against the request it answers. */
    public void checkReveal(SecAggMessage.RevealedShares reply, SecAggMessage.UnmaskRequest request) {
        int c = reply.client();
        inRound(c, "revealing client");
        if (!request.survivors().contains(c)) {
            throw new MeshflException(ErrorCode.PROTOCOL_FAILURE, "client " + c + " is not a survivor of this round but revealed shares");
        }
        for (Map.Entry<Integer, Shamir.Share> e : reply.selfSeedShares().entrySet()) {
            int owner = e.getKey();
            if (reply.secretKeyShares().containsKey(owner)) {
                throw new MeshflException(ErrorCode.PROTOCOL_FAILURE, "client " + c
                        + " revealed both secrets of client " + owner + ", which would expose its input");
            }
            if (!request.survivors().contains(owner)) {
                throw new MeshflException(ErrorCode.PROTOCOL_FAILURE, "client " + c + " revealed the self-seed share of client "
                        + owner + ", which is not a survivor");
            }
            checkHeld(c, owner, e.getValue());
        }
        for (Map.Entry<Integer, Shamir.Share> e : reply.secretKeyShares().entrySet()) {
            int owner = e.getKey();
            if (!request.dropped().contains(owner)) {
                throw new MeshflException(ErrorCode.PROTOCOL_FAILURE, "client " + c + " revealed the key share of client "
                        + owner + ", which did not drop out");
            }
            checkHeld(c, owner, e.getValue());
        }
    }

    private void checkHeld(int holder, int owner, Shamir.Share share) {
        if (!holds(holder, owner)) {
            throw new MeshflException(ErrorCode.PROTOCOL_FAILURE, "client " + holder + " revealed a share of client " + owner
                    + " that it was never sent");
        }
        if (share.x() != holder + 1) {
            throw new MeshflException(ErrorCode.PROTOCOL_FAILURE, "client " + holder + " revealed a share of client " + owner
                    + " at x=" + share.x() + " instead of its own position x=" + (holder + 1));
        }
    }

    private void inRound(int client, String role) {
        if (client < 0 || client >= graph.clients()) {
            throw new MeshflException(ErrorCode.PROTOCOL_FAILURE, role + " " + client + " is not in the round (0.."
                    + (graph.clients() - 1) + ")");
        }
    }
}

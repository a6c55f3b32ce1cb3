package io.meshfl.core.crypto.secagg;

import io.meshfl.core.ErrorCode;
import io.meshfl.core.MeshflException;

import java.util.Arrays;
import java.util.TreeSet;

/**
 * The sparse, symmetric communication graph of SecAgg+ (Bell et al. 2020): clients
 * {@code 0..n-1} are placed on a ring in an order drawn from the public round seed, and each is
 * joined to the {@code degree/2} nearest clients on either side (plus the one opposite, for an
 * odd degree), a Harary graph. A client masks only with, and shares its secrets only among, its
 * neighbours, so work per client grows with the degree (O(log n) suffices) rather than with n.
 * Drawing the order from a seed nobody controls keeps the server from choosing neighbourhoods.
 */
public final class NeighbourGraph {

    private final int degree;
    private final int[][] neighbours;

    private NeighbourGraph(int degree, int[][] neighbours) {
        this.degree = degree;
        this.neighbours = neighbours;
    }

    /**
     * The graph for {@code clients} clients of the given degree, the same for everyone holding
     * {@code roundSeed} (32 bytes). {@code degree} must be even, or odd with an even number of clients;
     * {@code clients - 1} gives the complete graph (classic SecAgg).
     */
    public static NeighbourGraph harary(int clients, int degree, byte[] roundSeed) {
        if (clients < 2) {
            throw new MeshflException(ErrorCode.CRYPTO_FAILURE, "graph field 'clients' must be at least 2, got " + clients);
        }
        if (degree < 1 || degree > clients - 1) {
            throw new MeshflException(ErrorCode.CRYPTO_FAILURE, "graph field 'degree' must be in 1.." + (clients - 1)
                    + " for " + clients + " clients, got " + degree);
        }
        if (degree % 2 == 1 && clients % 2 == 1) {
            throw new MeshflException(ErrorCode.CRYPTO_FAILURE, "graph field 'degree' is odd (" + degree
                    + ") and so is 'clients' (" + clients + "): no regular graph exists; choose an even degree");
        }
        int[] order = new int[clients];
        for (int i = 0; i < clients; i++) {
            order[i] = i;
        }
        Prg.Stream rnd = new Prg.Stream(roundSeed);
        for (int i = clients - 1; i > 0; i--) {
            int j = rnd.nextInt(i + 1);
            int tmp = order[i];
            order[i] = order[j];
            order[j] = tmp;
        }
        @SuppressWarnings("unchecked")
        TreeSet<Integer>[] sets = new TreeSet[clients];
        for (int i = 0; i < clients; i++) {
            sets[i] = new TreeSet<>();
        }
        for (int p = 0; p < clients; p++) {
            for (int d = 1; d <= degree / 2; d++) {
                link(sets, order[p], order[(p + d) % clients]);
            }
            if (degree % 2 == 1) {
                link(sets, order[p], order[(p + clients / 2) % clients]);
            }
        }
        int[][] adj = new int[clients][];
        for (int i = 0; i < clients; i++) {
            adj[i] = sets[i].stream().mapToInt(Integer::intValue).toArray();
        }
        return new NeighbourGraph(degree, adj);
    }

    private static void link(TreeSet<Integer>[] sets, int a, int b) {
        sets[a].add(b);
        sets[b].add(a);
    }

    public int clients() {
        return neighbours.length;
    }

    public int degree() {
        return degree;
    }

    /** The neighbours of {@code client}, ascending. */
    public int[] neighbours(int client) {
        check(client);
        return neighbours[client].clone();
    }

    public boolean areNeighbours(int a, int b) {
        check(a);
        check(b);
        return Arrays.binarySearch(neighbours[a], b) >= 0;
    }

    private void check(int client) {
        if (client < 0 || client >= neighbours.length) {
            throw new MeshflException(ErrorCode.PROTOCOL_FAILURE, "client " + client + " is not in the round (0.."
                    + (neighbours.length - 1) + ")");
        }
    }

    @Override
    public String toString() {
        return "NeighbourGraph[clients=" + clients() + ", degree=" + degree + "]";
    }
}

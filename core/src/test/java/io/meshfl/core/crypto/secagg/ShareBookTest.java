package io.meshfl.core.crypto.secagg;

import io.meshfl.core.ErrorCode;
import io.meshfl.core.MeshflException;
import org.junit.jupiter.api.Test;

import java.security.SecureRandom;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ShareBookTest {

    private final NeighbourGraph graph = NeighbourGraph.harary(12, 4, seed());
    private final ShareBook book = new ShareBook(graph);

    private static byte[] seed() {
        byte[] b = new byte[32];
        new Random(4).nextBytes(b);
        return b;
    }

    private int nonNeighbourOf(int c) {
        for (int j = 0; j < graph.clients(); j++) {
            if (j != c && !graph.areNeighbours(c, j)) {
                return j;
            }
        }
        throw new AssertionError();
    }

    private static SecAggMessage.EncryptedShares bundle(int from, int to) {
        return new SecAggMessage.EncryptedShares(from, to, new byte[]{1, 2, 3});
    }

    @Test
    void sharesForAPeerThatIsNotANeighbourAreRejected() {
        int stranger = nonNeighbourOf(0);
        var e = assertThrows(MeshflException.class, () -> book.accept(bundle(0, stranger)));
        assertEquals(ErrorCode.PROTOCOL_FAILURE, e.code());
        assertEquals("client 0 sent shares to client " + stranger + ", which is not one of its neighbours", e.getMessage());
        assertTrue(book.inbox(stranger).shares().isEmpty(), "nothing is relayed");
    }

    @Test
    void selfRepeatsAndUnknownClientsAreRejected() {
        int n = graph.neighbours(0)[0];
        book.accept(bundle(0, n));
        assertThrows(MeshflException.class, () -> book.accept(bundle(0, n)));
        assertThrows(MeshflException.class, () -> book.accept(bundle(0, 0)));
        var e = assertThrows(MeshflException.class, () -> book.accept(bundle(0, 12)));
        assertTrue(e.getMessage().contains("receiver 12 is not in the round"), e.getMessage());
        assertEquals(1, book.inbox(n).shares().size());
        assertEquals(Set.of(0), book.senders());
    }

    @Test
    void revealsAreCheckedAgainstWhatWasSentAndTheRequest() {
        for (int c = 0; c < graph.clients(); c++) {
            for (int n : graph.neighbours(c)) {
                book.accept(bundle(c, n));
            }
        }
        int holder = 0;
        int[] ns = graph.neighbours(holder);
        int survivor = ns[0];
        int dropped = ns[1];
        Set<Integer> survivors = new java.util.TreeSet<>();
        for (int c = 0; c < graph.clients(); c++) {
            if (c != dropped) {
                survivors.add(c);
            }
        }
        var request = new SecAggMessage.UnmaskRequest(survivors, Set.of(dropped));
        Shamir.Share mine = share(holder + 1);

        book.checkReveal(new SecAggMessage.RevealedShares(holder, Map.of(survivor, mine), Map.of(dropped, mine)), request);

        var both = new SecAggMessage.RevealedShares(holder, Map.of(dropped, mine), Map.of(dropped, mine));
        var e = assertThrows(MeshflException.class, () -> book.checkReveal(both, request));
        assertTrue(e.getMessage().contains("revealed both secrets of client " + dropped), e.getMessage());

        int stranger = nonNeighbourOf(holder);
        var neverSent = new SecAggMessage.RevealedShares(holder, Map.of(stranger, mine), Map.of());
        e = assertThrows(MeshflException.class, () -> book.checkReveal(neverSent, request));
        assertTrue(e.getMessage().contains("that it was never sent"), e.getMessage());

        var wrongX = new SecAggMessage.RevealedShares(holder, Map.of(survivor, share(holder + 2)), Map.of());
        e = assertThrows(MeshflException.class, () -> book.checkReveal(wrongX, request));
        assertTrue(e.getMessage().contains("instead of its own position"), e.getMessage());

        var keyOfSurvivor = new SecAggMessage.RevealedShares(holder, Map.of(), Map.of(survivor, mine));
        e = assertThrows(MeshflException.class, () -> book.checkReveal(keyOfSurvivor, request));
        assertTrue(e.getMessage().contains("which did not drop out"), e.getMessage());
    }

    @Test
    void aServerCannotNameOneClientBothSurvivorAndDropOut() {
        var e = assertThrows(MeshflException.class, () -> new SecAggMessage.UnmaskRequest(Set.of(1, 2), Set.of(2)));
        assertEquals("client 2 is named both survivor and drop-out", e.getMessage());
    }

    private static Shamir.Share share(int x) {
        return Shamir.share(new byte[32], 2, new int[]{x, x + 100}, new SecureRandom()).get(0);
    }

    @Test
    void keySharesEncodeAndSitAtTheHoldersPosition() {
        List<Shamir.Share> seedShares = Shamir.share(new byte[32], 2, new int[]{4, 6}, new SecureRandom());
        List<Shamir.Share> keyShares = Shamir.share(new byte[32], 2, new int[]{4, 6}, new SecureRandom());
        KeyShares ks = new KeyShares(1, 3, seedShares.get(0), keyShares.get(0));
        assertEquals(ks, KeyShares.decode(ks.encode()));
        assertThrows(MeshflException.class, () -> new KeyShares(1, 5, seedShares.get(0), keyShares.get(0)));
    }
}

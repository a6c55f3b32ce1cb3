package io.meshfl.core.protocol.psi;

import io.meshfl.core.ErrorCode;
import io.meshfl.core.MeshflException;
import io.meshfl.core.data.Dataset;
import io.meshfl.core.protocol.Message;
import io.meshfl.core.protocol.NodeChannel;
import io.meshfl.core.protocol.DirectNode;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Alignment over parties reached directly, checking every party ends up with the same entities in the same order. */
class PsiRunnerTest {

    /** A party holding only keys. */
    static final class KeyParty extends DirectNode {
        final String[] keys;
        final PsiNode node = new PsiNode();
        final List<Message> seen = new ArrayList<>();

        KeyParty(String domain, String... keys) {
            super(domain);
            this.keys = keys;
        }

        @Override
        protected Message answer(Message request) {
            synchronized (seen) {
                seen.add(request);
            }
            try {
                return node.handle(request, this);
            } catch (MeshflException e) {
                return request.failure(domain, e.code(), e.getMessage());
            }
        }

        @Override
        public Dataset load(String productId, List<String> features, String label) {
            return new Dataset(List.of(), new double[0], null, keys, keys.length);
        }

        List<String> alignedKeys() {
            int[] rows = (int[]) jobState("job").get(PsiSteps.ALIGNED_ROWS);
            List<String> out = new ArrayList<>();
            for (int r : rows) out.add(keys[r]);
            return out;
        }
    }

    private static PsiRunner.Result run(boolean cardinalityOnly, int batch, KeyParty... parties) {
        Map<String, NodeChannel> byDomain = new LinkedHashMap<>();
        List<PsiRunner.Party> ps = new ArrayList<>();
        for (KeyParty p : parties) {
            byDomain.put(p.domain(), p);
            ps.add(new PsiRunner.Party(p.domain(), p.domain() + ".p"));
        }
        return new PsiRunner(byDomain, Duration.ofSeconds(30), s -> { }, batch).run("job", "run", ps, cardinalityOnly);
    }

    @Test
    void threePartiesAlignTheSameEntitiesInTheSameOrder() {
        List<String> a = new ArrayList<>(), b = new ArrayList<>(), c = new ArrayList<>();
        for (int i = 0; i < 500; i++) {
            if (i % 2 == 0) a.add("k" + i);
            if (i % 3 != 0) b.add("k" + i);
            if (i < 400) c.add("k" + i);
        }
        java.util.Collections.reverse(b);
        KeyParty pa = new KeyParty("a", a.toArray(String[]::new));
        KeyParty pb = new KeyParty("b", b.toArray(String[]::new));
        KeyParty pc = new KeyParty("c", c.toArray(String[]::new));
        PsiRunner.Result r = run(false, 37, pa, pb, pc);
        Set<String> expected = new HashSet<>(a);
        expected.retainAll(b);
        expected.retainAll(c);
        assertEquals(expected.size(), r.intersection());
        assertEquals(Map.of("a", 250, "b", 333, "c", 400), r.sizes());
        assertEquals(expected, new HashSet<>(pa.alignedKeys()));
        assertEquals(pa.alignedKeys(), pb.alignedKeys());
        assertEquals(pa.alignedKeys(), pc.alignedKeys());
    }

    @Test
    void noRawKeyCrossesTheWire() {
        KeyParty pa = new KeyParty("a", "alice@example.org", "bob@example.org");
        KeyParty pb = new KeyParty("b", "bob@example.org", "carol@example.org");
        run(false, 10, pa, pb);
        for (KeyParty p : List.of(pa, pb)) {
            for (Message m : p.seen) {
                for (byte[] blob : m.blobs().values()) {
                    String text = new String(blob, java.nio.charset.StandardCharsets.ISO_8859_1);
                    assertTrue(!text.contains("example.org"), "a raw key crossed in " + m.step());
                }
                assertTrue(m.config().values().stream().noneMatch(v -> v.contains("example.org")));
            }
        }
    }

    @Test
    void cardinalityOnlyLeavesNoAlignmentBehind() {
        KeyParty pa = new KeyParty("a", "1", "2", "3");
        KeyParty pb = new KeyParty("b", "2", "3", "4");
        assertEquals(2, run(true, 10, pa, pb).intersection());
        assertNull(pa.jobState("job").get(PsiSteps.ALIGNED_ROWS));
    }

    @Test
    void disjointKeysAreAClearError() {
        var e = assertThrows(MeshflException.class, () -> run(false, 10, new KeyParty("a", "1", "2"), new KeyParty("b", "3", "4")));
        assertEquals(ErrorCode.DATA_EMPTY, e.code());
        assertTrue(e.getMessage().contains("share no entity key"));
    }

    @Test
    void duplicateKeysAreRefusedNamingRowsNotValues() {
        var e = assertThrows(MeshflException.class, () -> run(false, 10, new KeyParty("a", "secret-1", "x", "secret-1"),
                new KeyParty("b", "x")));
        assertEquals(ErrorCode.DATA_BAD_VALUE, e.code());
        assertTrue(e.getMessage().contains("rows 1 and 3") && !e.getMessage().contains("secret-1"), e.getMessage());
    }

    /** Runs an alignment in which the parties named in {@code group} are members of one party "region". */
    private static PsiRunner.Result runGrouped(Set<String> group, KeyParty... parties) {
        Map<String, NodeChannel> byDomain = new LinkedHashMap<>();
        List<PsiRunner.Party> ps = new ArrayList<>();
        for (KeyParty p : parties) {
            byDomain.put(p.domain(), p);
            PsiRunner.Party party = new PsiRunner.Party(p.domain(), p.domain() + ".p");
            ps.add(group.contains(p.domain()) ? party.inGroup("region") : party);
        }
        return new PsiRunner(byDomain, Duration.ofSeconds(30), s -> { }, 64).seeded(7).run("job", "run", ps, false);
    }

    @Test
    void groupMembersAlignAsTheUnionOfTheirKeysEachHoldingOnlyItsOwnPlacesInTheCommonOrder() {
        List<String> bank = new ArrayList<>(), shop = new ArrayList<>(), north = new ArrayList<>(), south = new ArrayList<>();
        for (int i = 0; i < 300; i++) {
            if (i % 7 != 0) bank.add("c" + i);
            if (i % 5 != 0) shop.add("c" + i);
            if (i < 200) (i % 2 == 0 ? north : south).add("c" + i); // the region holds customers 0..199, split between two nodes
        }
        KeyParty b = new KeyParty("bank", bank.toArray(String[]::new));
        KeyParty s = new KeyParty("shop", shop.toArray(String[]::new));
        KeyParty n = new KeyParty("north", north.toArray(String[]::new));
        KeyParty so = new KeyParty("south", south.toArray(String[]::new));
        PsiRunner.Result r = runGrouped(Set.of("north", "south"), b, n, s, so);
        Set<String> expected = new HashSet<>(bank);
        expected.retainAll(shop);
        expected.removeIf(k -> Integer.parseInt(k.substring(1)) >= 200);
        assertEquals(expected.size(), r.intersection());
        List<String> order = b.alignedKeys();
        assertEquals(order, s.alignedKeys(), "the parties of their own order the common entities alike");
        assertEquals(expected, new HashSet<>(order));
        List<String> sorted = new ArrayList<>(order);
        java.util.Collections.sort(sorted);
        assertTrue(!sorted.equals(order), "with a group the order is a keyed hash's, not the keys' own");
        int[] northRows = (int[]) n.jobState("job").get(PsiSteps.ALIGNED_ROWS);
        int[] southRows = (int[]) so.jobState("job").get(PsiSteps.ALIGNED_ROWS);
        assertEquals(order.size(), northRows.length);
        assertEquals(order.size(), southRows.length);
        for (int i = 0; i < order.size(); i++) {
            // every place is held by exactly one member, and it is the same entity as the bank's at that place
            assertTrue(northRows[i] < 0 ^ southRows[i] < 0, "place " + i);
            String held = northRows[i] >= 0 ? n.keys[northRows[i]] : so.keys[southRows[i]];
            assertEquals(order.get(i), held, "place " + i);
        }
        // the same keys and seed give the same order in another run (fresh blinding secrets)
        KeyParty b2 = new KeyParty("bank", bank.toArray(String[]::new));
        runGrouped(Set.of("north", "south"), b2, new KeyParty("north", north.toArray(String[]::new)),
                new KeyParty("shop", shop.toArray(String[]::new)), new KeyParty("south", south.toArray(String[]::new)));
        assertEquals(order, b2.alignedKeys());
    }

    @Test
    void anEntityHeldByTwoMembersOfAGroupIsRefusedWithACountNotAValue() {
        KeyParty b = new KeyParty("bank", "c1", "c2", "c3", "c4");
        KeyParty n = new KeyParty("north", "c1", "c2", "secret-c3");
        KeyParty so = new KeyParty("south", "secret-c3", "c4");
        MeshflException e = assertThrows(MeshflException.class, () -> runGrouped(Set.of("north", "south"), b, n, so));
        assertEquals(ErrorCode.DATA_BAD_VALUE, e.code());
        assertTrue(e.getMessage().contains("north.p and south.p both hold 1 of the same entities"), e.getMessage());
        assertTrue(!e.getMessage().contains("secret"), e.getMessage());
    }

    @Test
    void aGroupMemberIsToldOnlyItsOwnPlacesNeverTheOtherMembersMatches() {
        KeyParty b = new KeyParty("bank", "c1", "c2", "c3", "c4", "c5", "c6");
        KeyParty n = new KeyParty("north", "c1", "c2", "c3");
        KeyParty so = new KeyParty("south", "c4", "c5", "c9");
        runGrouped(Set.of("north", "south"), b, n, so);
        for (KeyParty member : List.of(n, so)) {
            Message align = member.seen.stream().filter(m -> m.step().equals(PsiSteps.ALIGN)).findFirst().orElseThrow();
            int[] places = PackedInts.unpack(align.blob("rank"));
            assertEquals(member == n ? 3 : 2, places.length, "one place per own match");
            assertEquals("5", align.cfg("common"));
        }
    }
}

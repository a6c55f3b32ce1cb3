package io.meshfl.core.protocol.vertical;

import io.meshfl.core.data.ColumnStats;
import io.meshfl.core.data.Dataset;
import org.junit.jupiter.api.Test;

import java.math.BigInteger;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;

/** The masks by which a group's members hide which of them holds an entity, and their common scaling. */
class PartyGroupTest {

    private static final List<String> MEMBERS = List.of("north", "middle", "south");

    /** Member {@code m} of three, holding every third of {@code n} places, all sharing {@code seed}. */
    private static PartyGroup member(int m, int n, byte[] seed) {
        int[] aligned = new int[n];
        for (int i = 0; i < n; i++) aligned[i] = i % 3 == m ? i / 3 : -1;
        Dataset rows = new Dataset(List.of("x"), new double[n], null, null, n);
        PartyGroup g = new PartyGroup("region", MEMBERS, MEMBERS.get(m), aligned, rows, ColumnStats.of(rows));
        g.seed = seed;
        return g;
    }

    @Test
    void membersMaskedScoresAddUpToThePartysScoresAndEachAloneHidesWhereItsZerosAre() {
        int n = 300;
        byte[] seed = io.meshfl.core.protocol.group.SeedStreams.newSeed();
        Random r = new Random(1);
        double[] party = new double[n];
        List<byte[]> sent = new ArrayList<>();
        for (int m = 0; m < 3; m++) {
            double[] u = new double[n];
            for (int i = m; i < n; i += 3) {
                u[i] = r.nextGaussian() * 3;
                party[i] = u[i];
            }
            sent.add(member(m, n, seed).maskScores("job/1/-/score-mask", u));
        }
        double[] sum = PartyGroup.unmaskScores(sent, n, "region");
        for (int i = 0; i < n; i++) assertEquals(party[i], sum[i], 0x1p-31, "place " + i);
        // what the label holder opens from one member: no zero where the member holds no entity, nothing alike across members
        long[] north = longs(sent.get(0));
        int zeros = 0;
        for (int i = 0; i < n; i++) if (north[i] == 0) zeros++;
        assertEquals(0, zeros, "a zero would tell the label holder that another member holds the entity");
        // the next step's masks are fresh
        double[] u0 = new double[n];
        assertNotEquals(longs(member(0, n, seed).maskScores("job/1/-/score-mask", u0))[1],
                longs(member(0, n, seed).maskScores("job/2/-/score-mask", u0))[1]);
    }

    @Test
    void theArbiterDecryptsTheMembersSumAndEveryMemberKnowsTheSumOfTheirMasks() {
        BigInteger n = BigInteger.ONE.shiftLeft(1024).subtract(BigInteger.valueOf(159)); // any odd modulus of the key's size
        byte[] seed = io.meshfl.core.protocol.group.SeedStreams.newSeed();
        BigInteger total = BigInteger.ZERO;
        for (int m = 0; m < 3; m++) total = total.add(member(m, 9, seed).mask("job/1/0/mask", m, 4, n));
        for (int m = 0; m < 3; m++) assertEquals(total.mod(n), member(m, 9, seed).maskSum("job/1/0/mask", 4, n));
        assertNotEquals(member(0, 9, seed).mask("job/1/0/mask", 0, 4, n), member(0, 9, io.meshfl.core.protocol.group.SeedStreams.newSeed()).mask("job/1/0/mask", 0, 4, n),
                "another seed, another mask: without the members' seed the arbiter cannot remove it");
    }

    @Test
    void membersScaleByTheMergedStatisticsOfTheWholePartyAndLeaveOthersRowsAtZero() {
        Dataset all = new Dataset(List.of("x"), new double[]{1, 2, 3, 4, 5, 6}, null, null, 6);
        Dataset a = all.selectSparse(new int[]{0, -1, 1, -1});
        Dataset b = all.selectSparse(new int[]{-1, 2, -1, 3});
        var z = PartyGroup.scaling(List.of(PartyGroup.stats(a, new int[]{0, -1, 1, -1}, 4), PartyGroup.stats(b, new int[]{-1, 2, -1, 3}, 4)));
        assertArrayEquals(new double[]{2.5}, z.mean(), 1e-12, "the mean of 1, 2, 3, 4: the party's rows, not either member's");
        Dataset scaled = PartyGroup.scaled(z, a, new boolean[]{true, false, true, false});
        assertEquals(0.0, scaled.x()[1]);
        assertEquals((1 - 2.5) / Math.sqrt(1.25), scaled.x()[0], 1e-12);
    }

    private static long[] longs(byte[] b) {
        long[] out = new long[b.length / 8];
        ByteBuffer.wrap(b).asLongBuffer().get(out);
        return out;
    }
}

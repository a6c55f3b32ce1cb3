package io.meshfl.stream.join;

import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

class BucketTest {

    private static byte[] leader(long ref, long time) {
        return new Values.LeaderId(ref, time).encode();
    }

    private static List<Long> times(byte[] bucket) {
        return Bucket.entries(bucket).stream().map(Bucket::timeOf).toList();
    }

    @Test
    void entriesStayInTimeThenPositionOrderWhateverOrderTheyArriveIn() {
        byte[] b = null;
        b = Bucket.add(b, leader(7, 300));
        b = Bucket.add(b, leader(5, 100));
        b = Bucket.add(b, leader(9, 200));
        b = Bucket.add(b, leader(4, 200));
        assertEquals(List.of(100L, 200L, 200L, 300L), times(b));
        assertEquals(List.of(5L, 4L, 9L, 7L), Bucket.entries(b).stream().map(Bucket::refOf).toList());
        // a follower event keeps its cells
        byte[] f = Bucket.add(null, new Values.FollowerEvent(3, 50, new String[]{"a", "1.5"}).encode());
        assertEquals(List.of("a", "1.5"), List.of(Values.FollowerEvent.decode(Bucket.entries(f).get(0)).cells()));
    }

    @Test
    void theSamePositionTwiceIsKeptOnceAndRemovingTheLastEntryLeavesNothing() {
        byte[] b = Bucket.add(Bucket.add(null, leader(1, 10)), leader(1, 10));
        assertEquals(1, Bucket.entries(b).size());
        b = Bucket.add(b, leader(2, 20));
        b = Bucket.remove(b, 1);
        assertEquals(List.of(20L), times(b));
        assertEquals(List.of(20L), times(Bucket.remove(b, 99)), "removing a position that is not there changes nothing");
        assertNull(Bucket.remove(b, 2));
        assertEquals(List.of(), Bucket.entries(null));
    }
}

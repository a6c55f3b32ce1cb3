package io.meshfl.stream.report;

import com.fasterxml.jackson.databind.JsonNode;
import io.meshfl.stream.blocks.Manifest;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class JoinReportTest {

    private static final long SPAN = 300_000;

    private static Manifest.Block block(long i, long rows, long in, long late, long malformed, long writtenAfter) {
        return new Manifest.Block(i, i * SPAN, (i + 1) * SPAN, rows, "block-" + i + ".csv", "x", in, late, malformed, (i + 1) * SPAN + writtenAfter);
    }

    private static Manifest manifest(String side, long refused, Manifest.Block... blocks) {
        return new Manifest("ads", side, List.of("id"), SPAN, List.of(blocks), Map.of(), Map.of(), 2, refused);
    }

    @Test
    void eachWindowHasBothSidesCountsTheJoinedShareAndTheDelayAndTheTotalsAddUp() {
        Manifest f = manifest("follower", 5, block(10, 40, 45, 1, 0, 61_000), block(11, 30, 33, 0, 2, 2_000));
        Manifest l = manifest("leader", 0, block(10, 40, 100, 0, 1, 90_000), block(11, 30, 80, 3, 0, 90_000));
        JsonNode r = JoinReport.of(f, l);
        JsonNode w = r.path("windows").get(0);
        assertEquals(10, w.path("block").asLong());
        assertEquals(0.4, w.path("joined_share_of_leader").asDouble(), 1e-12);
        assertEquals(61.0, w.path("written_after_window_s").asDouble(), 1e-12);
        assertEquals(100, w.path("leader").path("in").asLong());
        JsonNode t = r.path("totals");
        assertEquals(70, t.path("joined").asLong());
        assertEquals(78, t.path("follower_in").asLong());
        assertEquals(180, t.path("leader_in").asLong());
        assertEquals(3, t.path("leader_late").asLong());
        assertEquals(2, t.path("follower_malformed").asLong());
        assertEquals(5, t.path("leader_records_refused").asLong());
        assertEquals(2, t.path("matches_after_their_block").asLong());
        assertEquals(0, r.path("problems").size());
        String html = JoinReport.html(r);
        assertTrue(html.contains("<svg") && html.contains("<td>10</td>"), "a chart and a row per window");
        assertFalse(html.contains("<script"), "the page runs nothing");
    }

    @Test
    void halvesThatDisagreeOrAreMissingAreNamedAsProblems() {
        Manifest f = manifest("follower", 0, block(1, 40, 45, 0, 0, 0), block(2, 30, 33, 0, 0, 0));
        Manifest l = manifest("leader", 0, block(1, 39, 100, 0, 0, 0));
        JsonNode p = JoinReport.of(f, l).path("problems");
        assertEquals(2, p.size(), p.toString());
        assertTrue(p.get(0).asText().contains("block 1") && p.get(0).asText().contains("39"));
        assertTrue(p.get(1).asText().contains("block 2") && p.get(1).asText().contains("not written"));
        // the follower's half alone: no leader columns, no problem
        assertEquals(0, JoinReport.of(f, null).path("problems").size());
        assertFalse(JoinReport.of(f, null).path("totals").has("leader_in"));
    }
}

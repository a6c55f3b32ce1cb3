package io.meshfl.core.plan;

import org.junit.jupiter.api.Test;

import java.time.ZoneOffset;
import java.time.ZonedDateTime;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class CronScheduleTest {

    private static ZonedDateTime at(String iso) {
        return ZonedDateTime.parse(iso + ":00Z").withZoneSameInstant(ZoneOffset.UTC);
    }

    @Test
    void mondaysAtThreeFireOnlyThen() {
        CronSchedule s = CronSchedule.parse("0 3 * * 1");
        assertTrue(s.matches(at("2026-12-07T03:00"))); // a Monday
        assertFalse(s.matches(at("2026-12-07T03:01")));
        assertFalse(s.matches(at("2026-12-08T03:00")));
        assertEquals(at("2026-12-14T03:00"), s.next(at("2026-12-07T03:00")));
        assertEquals(at("2026-12-07T03:00"), s.next(at("2026-12-06T23:59")));
    }

    @Test
    void stepsRangesListsAndSundayAsSeven() {
        CronSchedule s = CronSchedule.parse("*/15 8-10 * * 7");
        assertTrue(s.matches(at("2026-12-06T08:45"))); // a Sunday
        assertTrue(s.matches(at("2026-12-06T10:00")));
        assertFalse(s.matches(at("2026-12-06T11:00")));
        assertFalse(s.matches(at("2026-12-06T08:50")));
        CronSchedule list = CronSchedule.parse("5,35 0 1-3/2 * *");
        assertTrue(list.matches(at("2026-12-03T00:35")));
        assertFalse(list.matches(at("2026-12-02T00:35")));
    }

    @Test
    void bothDayFieldsRestrictedMatchEitherAsCronDoes() {
        CronSchedule s = CronSchedule.parse("0 0 13 * 5"); // the 13th, and every Friday
        assertTrue(s.matches(at("2026-12-13T00:00"))); // a Sunday the 13th
        assertTrue(s.matches(at("2026-12-11T00:00"))); // a Friday
        assertFalse(s.matches(at("2026-12-12T00:00")));
    }

    @Test
    void aWrongFieldIsNamedNotGuessed() {
        assertTrue(assertThrows(IllegalArgumentException.class, () -> CronSchedule.parse("0 3 * *")).getMessage().contains("has 4"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> CronSchedule.parse("0 24 * * *")).getMessage()
                .contains("hour field '24' '24' is out of range 0-23"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> CronSchedule.parse("0 3 * * MON")).getMessage()
                .contains("day of week field"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> CronSchedule.parse("0 3 5-1 * *")).getMessage().contains("backwards"));
        assertThrows(IllegalArgumentException.class, () -> CronSchedule.parse("0 0 31 2 *").next(at("2026-01-01T00:00")));
    }
}

package io.meshfl.core.data;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Out-of-time cuts over dates, timestamps and numbers, and values that do not compare. */
class TimeCutTest {

    @Test
    void datesAndTimestampsCompareAsInstantsNumbersAsNumbers() {
        TimeCut day = TimeCut.parse("2024-06-30");
        assertFalse(day.isAfter("2024-06-30", "row 1"), "the cut's own day is not after it");
        assertTrue(day.isAfter("2024-07-01", "row 2"));
        assertTrue(day.isAfter("2024-06-30 00:00:01", "row 3"), "a timestamp later that day");
        assertTrue(day.isAfter("2024-06-30T12:00:00.5", "row 4"));
        TimeCut n = TimeCut.parse("202406");
        assertTrue(n.isAfter("202407.0", "row 5"));
        assertFalse(n.isAfter("202406", "row 6"));
    }

    @Test
    void aValueOfAnotherKindOrABlankIsAnErrorNamingTheRowNotTheValue() {
        TimeCut day = TimeCut.parse("2024-06-30");
        var e = assertThrows(IllegalArgumentException.class, () -> day.isAfter("July", "column 'opened' at data row 7"));
        assertTrue(e.getMessage().contains("data row 7") && !e.getMessage().contains("July"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> day.isAfter(" ", "row 8"));
        assertThrows(IllegalArgumentException.class, () -> TimeCut.parse("June"));
        assertThrows(IllegalArgumentException.class, () -> TimeCut.parse("7").isAfter("2024-06-30", "row 9"));
    }
}

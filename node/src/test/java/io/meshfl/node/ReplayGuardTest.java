package io.meshfl.node;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;

class ReplayGuardTest {

    @Test
    void acceptsConcurrentReorderingButNotRepeats() {
        ReplayGuard g = new ReplayGuard();
        assertNull(g.check(2));
        assertNull(g.check(1));
        assertNotNull(g.check(2));
        assertNotNull(g.check(1));
        assertNull(g.check(3));
    }

    @Test
    void refusesMessagesOlderThanTheWindow() {
        ReplayGuard g = new ReplayGuard();
        assertNull(g.check(ReplayGuard.WINDOW + 10));
        assertNotNull(g.check(5));
        assertNull(g.check(ReplayGuard.WINDOW + 9));
    }
}

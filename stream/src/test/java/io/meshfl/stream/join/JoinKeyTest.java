package io.meshfl.stream.join;

import io.meshfl.core.MeshflException;
import org.junit.jupiter.api.Test;

import java.security.SecureRandom;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;

class JoinKeyTest {

    final SecureRandom rnd = new SecureRandom();

    @Test
    void bothPartiesDeriveTheSameHashAndAnotherJobOrPartyDoesNot() {
        byte[] a = JoinKey.newSecret(rnd);
        byte[] b = JoinKey.newSecret(rnd);
        byte[] c = JoinKey.newSecret(rnd);
        byte[] ha = JoinKey.agree(a, JoinKey.publicOf(b), "job-1").hasher().hash("imp-7");
        byte[] hb = JoinKey.agree(b, JoinKey.publicOf(a), "job-1").hasher().hash("imp-7");
        assertArrayEquals(ha, hb);
        assertEquals(JoinKey.HASH_BYTES, ha.length);
        assertFalse(java.util.Arrays.equals(ha, JoinKey.agree(a, JoinKey.publicOf(b), "job-2").hasher().hash("imp-7")), "bound to the job");
        assertFalse(java.util.Arrays.equals(ha, JoinKey.agree(a, JoinKey.publicOf(c), "job-1").hasher().hash("imp-7")), "bound to the peer");
        assertFalse(java.util.Arrays.equals(ha, JoinKey.agree(a, JoinKey.publicOf(b), "job-1").hasher().hash("imp-8")));
    }

    @Test
    void aSmallOrderPeerKeyIsRefused() {
        byte[] zero = new byte[32];
        byte[] one = new byte[32];
        one[0] = 1;
        assertThrows(MeshflException.class, () -> JoinKey.agree(JoinKey.newSecret(rnd), zero, "job"));
        assertThrows(MeshflException.class, () -> JoinKey.agree(JoinKey.newSecret(rnd), one, "job"));
        assertThrows(MeshflException.class, () -> JoinKey.agree(JoinKey.newSecret(rnd), new byte[31], "job"));
    }
}

package io.meshfl.core.protocol.boost;

import io.meshfl.core.crypto.paillier.Decryptor;
import io.meshfl.core.crypto.paillier.Encryptor;
import io.meshfl.core.crypto.paillier.PaillierKeyPair;
import io.meshfl.core.crypto.seal.SealedBox;
import io.meshfl.core.protocol.Message;
import io.meshfl.core.protocol.Wire;
import io.meshfl.core.protocol.group.GroupMember;
import io.meshfl.core.protocol.vertical.CipherCodec;
import org.junit.jupiter.api.Test;

import java.math.BigInteger;
import java.security.SecureRandom;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;

/** What a host's histogram sums let the guest, who holds the private key, learn. */
class BoostHostTest {

    private static final int ROWS = 8;
    /** One column, values 0..7: with 2 bins, rows 0-3 fall in the first. */
    private static final double[] X = {0, 1, 2, 3, 4, 5, 6, 7};

    private final PaillierKeyPair keys = PaillierKeyPair.generate(1024, new SecureRandom());
    private final SealedBox guest = SealedBox.generate();
    private final BigInteger[] ct = new BigInteger[ROWS];

    BoostHostTest() {
        try (Encryptor enc = new Encryptor(keys.pub(), new SecureRandom())) {
            for (int i = 0; i < ROWS; i++) ct[i] = enc.encrypt(GhCodec.encode(i + 1, 1, keys.pub().n()));
        }
    }

    private BoostHost host(BoostHost h) {
        h.peers.put("bank", guest.publicKey());
        h.publicKey(keys.pub());
        return h;
    }

    /** The host's sums of every row for tree 0, as the guest opens them. */
    private BigInteger[] histogram(BoostHost h) {
        Message req = Message.request("job", "run", BoostSteps.PROTOCOL, BoostSteps.HISTOGRAM, 0, h.domain)
                .withConfig(Map.of("tree", "0", "level", "0"));
        byte[] gh = guest.seal(h.seal.publicKey(), BoostNode.context(req, "gh"), CipherCodec.pack(ct, keys.pub().nSquared()));
        byte[] assign = guest.seal(h.seal.publicKey(), BoostNode.context(req, "assign"),
                new Wire.Out().putInt(1).putInt(0).putInts(new int[]{0, 1, 2, 3, 4, 5, 6, 7}).bytes());
        Message reply = h.histogram(req.withBlobs(Map.of("gh", gh, "from:bank", assign)));
        Wire.In in = new Wire.In(guest.open(h.seal.publicKey(), BoostNode.context(req, "hist:" + h.domain), reply.blob("to:bank")), "sums");
        in.getInts();
        return CipherCodec.unpack(in.getBytes(), keys.pub().nSquared(), "sums");
    }

    @Test
    void aHostsSumsLeaveRerandomizedSoTheGuestCannotTraceThemToItsOwnCiphertexts() {
        BoostHost h = host(new BoostHost("shop", "bank", List.of("c0"), io.meshfl.core.data.AlignedRows.of(new io.meshfl.core.data.Dataset(List.of("c0"), X, null, null, ROWS)), ROWS, 2));
        BigInteger[] sums = histogram(h);
        BigInteger plainProduct = ct[0].multiply(ct[1]).multiply(ct[2]).multiply(ct[3]).mod(keys.pub().nSquared());
        Decryptor dec = new Decryptor(keys.priv());
        assertArrayEquals(new long[]{1 + 2 + 3 + 4, 4}, GhCodec.decode(dec.decrypt(sums[0]), keys.pub().n()), "the sum is the bin's");
        assertNotEquals(plainProduct, sums[0], "the product of the guest's own ciphertexts would carry their randomness to the guest");
        h.close();
    }

    @Test
    void aGroupMembersSumsAloneDecryptToNoiseAndTogetherToTheParty() {
        SealedBox[] boxes = new SealedBox[2];
        GroupMember[] seats = {new GroupMember("telco", List.of("north", "south"), "north"), new GroupMember("telco", List.of("north", "south"), "south")};
        BoostHost[] members = new BoostHost[2];
        for (int m = 0; m < 2; m++) {
            boolean[] present = new boolean[ROWS];
            double[] x = new double[ROWS];
            for (int i = 0; i < ROWS; i++) {
                present[i] = i % 2 == m;
                if (present[i]) x[i] = X[i];
            }
            members[m] = host(new BoostHost(m == 0 ? "north" : "south", "bank", List.of("c0"), x, ROWS, ROWS, seats[m], present));
            boxes[m] = members[m].seal;
        }
        Map<String, byte[]> offer = seats[0].offerSeed(boxes[0], d -> boxes[1].publicKey(), d -> "seed");
        seats[1].acceptSeed(boxes[1], boxes[0].publicKey(), "seed", offer.get("seed-to:south"));
        var bins = io.meshfl.core.model.tree.QuantileSketch.merge(List.of(members[0].sketch(), members[1].sketch()), 2);
        for (BoostHost m : members) m.bin(bins);
        BigInteger[] a = histogram(members[0]), b = histogram(members[1]);
        Decryptor dec = new Decryptor(keys.priv());
        BigInteger n = keys.pub().n();
        BigInteger alone = dec.decrypt(a[0]);
        assertNotEquals(GhCodec.encode(1 + 3, 2, n), alone, "one member's sum is masked");
        BigInteger together = dec.decrypt(a[0].multiply(b[0]).mod(keys.pub().nSquared()));
        assertArrayEquals(new long[]{1 + 2 + 3 + 4, 4}, GhCodec.decode(together, n), "the members' sums multiply to the party's");
        assertEquals(bins.thresholds()[0][0], 3.0, "the bins are the union's");
        for (BoostHost m : members) m.close();
    }
}

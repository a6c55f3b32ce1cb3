package io.meshfl.core.crypto.paillier;

import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.util.concurrent.ConcurrentHashMap;

/** Seeded randomness and keys shared by the Paillier tests, generated once per seed. */
final class Keys {
    private static final ConcurrentHashMap<String, PaillierKeyPair> CACHE = new ConcurrentHashMap<>();

    private Keys() {
    }

    static SecureRandom seeded(long seed) {
        try {
            SecureRandom r = SecureRandom.getInstance("SHA1PRNG");
            r.setSeed(seed);
            return r;
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    static PaillierKeyPair of(int bits, long seed) {
        return CACHE.computeIfAbsent(bits + "/" + seed, k -> PaillierKeyPair.generate(bits, seeded(seed)));
    }

    static PaillierKeyPair k1024() {
        return of(1024, 1);
    }
}

package io.meshfl.core.crypto.secagg;

import io.meshfl.core.ErrorCode;
import io.meshfl.core.MeshflException;

import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * The messages of a SecAgg+ round, one record per stage and direction. Arrays inside are shared,
 * not copied (masked vectors are large): treat them as read-only.
 */
public sealed interface SecAggMessage {

    SecAggStage stage();

    /** Server to clients: the round's public parameters. */
    record Setup(SecAggParams params) implements SecAggMessage {
        public Setup {
            require(params != null, "setup carries no parameters");
        }

        public SecAggStage stage() {
            return SecAggStage.SETUP;
        }
    }

    /**
     * Client to server: a public key to seal shares to it (in the encoding of the sealing scheme,
     * e.g. {@code SealedBox}) and its raw X25519 mask public key.
     */
    record PublicKeys(int client, byte[] channelKey, byte[] maskKey) implements SecAggMessage {
        public PublicKeys {
            require(channelKey != null && channelKey.length > 0, "client " + client + " sent no channel key");
            require(maskKey != null && maskKey.length == KeyAgreement.KEY_BYTES, "client " + client + " sent a malformed mask key");
        }

        public SecAggStage stage() {
            return SecAggStage.SETUP;
        }
    }

    /** Server to one client: the keys of its neighbours that completed SETUP. */
    record NeighbourKeys(int receiver, List<PublicKeys> neighbours) implements SecAggMessage {
        public NeighbourKeys {
            neighbours = List.copyOf(neighbours);
        }

        public SecAggStage stage() {
            return SecAggStage.SHARE_KEYS;
        }
    }

    /** Client to server, for relay: {@link KeyShares} sealed from {@code sender} to {@code receiver}. */
    record EncryptedShares(int sender, int receiver, byte[] ciphertext) implements SecAggMessage {
        public EncryptedShares {
            require(ciphertext != null && ciphertext.length > 0, "empty shares from client " + sender + " to " + receiver);
        }

        public SecAggStage stage() {
            return SecAggStage.SHARE_KEYS;
        }
    }

    /** Server to one client: every sealed bundle addressed to it. */
    record ForwardedShares(int receiver, List<EncryptedShares> shares) implements SecAggMessage {
        public ForwardedShares {
            shares = List.copyOf(shares);
        }

        public SecAggStage stage() {
            return SecAggStage.COLLECT_MASKED;
        }
    }

    /** Client to server: its quantized update plus masks. */
    record MaskedInput(int client, long[] masked) implements SecAggMessage {
        public MaskedInput {
            require(masked != null, "client " + client + " sent no masked input");
        }

        public SecAggStage stage() {
            return SecAggStage.COLLECT_MASKED;
        }
    }

    /** Server to survivors: who sent a masked input and who dropped out after sharing keys. */
    record UnmaskRequest(Set<Integer> survivors, Set<Integer> dropped) implements SecAggMessage {
        public UnmaskRequest {
            survivors = Set.copyOf(new TreeSet<>(survivors));
            dropped = Set.copyOf(new TreeSet<>(dropped));
            for (int c : survivors) {
                require(!dropped.contains(c), "client " + c + " is named both survivor and drop-out");
            }
        }

        public SecAggStage stage() {
            return SecAggStage.UNMASK;
        }
    }

    /**
     * Survivor to server: shares it holds, keyed by owner: self-seed shares of survivors, key
     * shares of drop-outs.
     */
    record RevealedShares(int client, Map<Integer, Shamir.Share> selfSeedShares,
                          Map<Integer, Shamir.Share> secretKeyShares) implements SecAggMessage {
        public RevealedShares {
            selfSeedShares = Map.copyOf(selfSeedShares);
            secretKeyShares = Map.copyOf(secretKeyShares);
        }

        public SecAggStage stage() {
            return SecAggStage.UNMASK;
        }
    }

    private static void require(boolean ok, String message) {
        if (!ok) {
            throw new MeshflException(ErrorCode.PROTOCOL_FAILURE, message);
        }
    }
}

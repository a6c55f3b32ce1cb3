package io.meshfl.core.crypto.secagg;

import io.meshfl.core.ErrorCode;
import io.meshfl.core.MeshflException;

import java.nio.ByteBuffer;
import java.util.Arrays;

/**
 * What one client ({@code owner}) hands one neighbour ({@code holder}) in SHARE_KEYS: a share of
 * its self-mask seed and a share of its mask secret key. Sealed to the holder before it leaves
 * the owner, so the server that relays it learns neither.
 */
public record KeyShares(int owner, int holder, Shamir.Share selfSeed, Shamir.Share secretKey) {

    private static final int SHARE_BYTES = Shamir.Share.BYTES;
    private static final int BYTES = 8 + 2 * SHARE_BYTES;

    public KeyShares {
        if (owner == holder) {
            throw new MeshflException(ErrorCode.PROTOCOL_FAILURE, "client " + owner + " cannot hold shares of its own secrets");
        }
        if (selfSeed == null || secretKey == null) {
            throw new MeshflException(ErrorCode.PROTOCOL_FAILURE, "shares from client " + owner + " to " + holder + " are incomplete");
        }
        if (selfSeed.x() != holder + 1 || secretKey.x() != holder + 1) {
            throw new MeshflException(ErrorCode.PROTOCOL_FAILURE, "shares from client " + owner + " to " + holder
                    + " are not at the holder's position x=" + (holder + 1));
        }
    }

    public byte[] encode() {
        return ByteBuffer.allocate(BYTES).putInt(owner).putInt(holder)
                .put(selfSeed.toBytes()).put(secretKey.toBytes()).array();
    }

    public static KeyShares decode(byte[] bytes) {
        if (bytes == null || bytes.length != BYTES) {
            throw new MeshflException(ErrorCode.PROTOCOL_FAILURE, "encoded key shares are " + BYTES + " bytes, got "
                    + (bytes == null ? "null" : bytes.length));
        }
        ByteBuffer b = ByteBuffer.wrap(bytes);
        int owner = b.getInt();
        int holder = b.getInt();
        return new KeyShares(owner, holder,
                Shamir.Share.fromBytes(Arrays.copyOfRange(bytes, 8, 8 + SHARE_BYTES)),
                Shamir.Share.fromBytes(Arrays.copyOfRange(bytes, 8 + SHARE_BYTES, BYTES)));
    }
}

package io.meshfl.core.trust;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.HexFormat;

/**
 * The link of a tamper-evident log: each record's hash is SHA-256 over the previous record's hash
 * and the record's own fields, so that deleting, inserting or editing any record changes every
 * hash after it. Fields are encoded with a type tag and a length, so that no two different field
 * lists encode alike ("ab","c" never hashes like "a","bc").
 */
public final class HashChain {

    /** The hash before the first record: 64 hex zeros. */
    public static final String GENESIS = "0".repeat(64);

    private static final HexFormat HEX = HexFormat.of();

    private HashChain() {
    }

    /** Hex SHA-256 of {@code previous} (hex) followed by the encoded fields. */
    public static String link(String previous, Object... fields) {
        MessageDigest md = sha256();
        md.update(HEX.parseHex(previous));
        ByteBuffer num = ByteBuffer.allocate(9);
        for (Object f : fields) {
            if (f == null) {
                md.update((byte) 'N');
            } else if (f instanceof String s) {
                byte[] b = s.getBytes(StandardCharsets.UTF_8);
                num.clear();
                num.put((byte) 'S').putLong(b.length);
                md.update(num.array(), 0, 9);
                md.update(b);
            } else if (f instanceof Long || f instanceof Integer) {
                num.clear();
                num.put((byte) 'L').putLong(((Number) f).longValue());
                md.update(num.array(), 0, 9);
            } else if (f instanceof Double d) {
                num.clear();
                num.put((byte) 'D').putLong(Double.doubleToLongBits(d));
                md.update(num.array(), 0, 9);
            } else if (f instanceof Instant t) {
                // microseconds: what every catalog database keeps of a timestamp
                Instant m = t.truncatedTo(ChronoUnit.MICROS);
                num.clear();
                num.put((byte) 'T').putLong(m.getEpochSecond() * 1_000_000L + m.getNano() / 1000);
                md.update(num.array(), 0, 9);
            } else if (f instanceof byte[] b) {
                num.clear();
                num.put((byte) 'B').putLong(b.length);
                md.update(num.array(), 0, 9);
                md.update(b);
            } else {
                throw new IllegalArgumentException("cannot hash a " + f.getClass().getSimpleName() + " field");
            }
        }
        return HEX.formatHex(md.digest());
    }

    /** Hex SHA-256 of {@code previous} (hex) followed by {@code bytes} as they are. */
    public static String linkBytes(String previous, byte[] bytes) {
        MessageDigest md = sha256();
        md.update(HEX.parseHex(previous));
        md.update(bytes);
        return HEX.formatHex(md.digest());
    }

    /** Hex SHA-256 of some bytes. */
    public static String sha256Hex(byte[] bytes) {
        return HEX.formatHex(sha256().digest(bytes));
    }

    /** Hex SHA-256 of a text in UTF-8. */
    public static String sha256Hex(String text) {
        return sha256Hex(text.getBytes(StandardCharsets.UTF_8));
    }

    /** A timestamp as the chain keeps it (microseconds), so a stored and re-read time hashes alike. */
    public static Instant micros(Instant t) {
        return t == null ? null : t.truncatedTo(ChronoUnit.MICROS);
    }

    private static MessageDigest sha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is required of every Java platform", e);
        }
    }
}

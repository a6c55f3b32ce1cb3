package io.meshfl.core.catalog;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;

/**
 * The heads of the catalog's hash chains ({@code audit}, {@code ledger}, {@code seal}): the last
 * sequence number and hash of each. An appender locks its chain's head row for its transaction,
 * so concurrent writers take turns and every record links to the one before it.
 */
final class Chains {

    static final String AUDIT = "audit";
    static final String LEDGER = "ledger";
    static final String SEAL = "seal";

    /** The last record of a chain: its sequence number (0 when empty) and hash. */
    record Head(long seq, String hash) {
    }

    private Chains() {
    }

    /** Reads and locks a chain's head until the transaction ends. */
    static Head lock(Connection c, String chain) throws SQLException {
        return read(c, chain, " FOR UPDATE");
    }

    /** Reads a chain's head without locking it. */
    static Head read(Connection c, String chain) throws SQLException {
        return read(c, chain, "");
    }

    private static Head read(Connection c, String chain, String suffix) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("SELECT head_seq, head_hash FROM chain_heads WHERE chain = ?" + suffix)) {
            ps.setString(1, chain);
            try (ResultSet rs = ps.executeQuery()) {
                if (!rs.next()) throw new SQLException("chain head '" + chain + "' is missing from chain_heads");
                return new Head(rs.getLong(1), rs.getString(2).trim());
            }
        }
    }

    static void advance(Connection c, String chain, Head head) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("UPDATE chain_heads SET head_seq = ?, head_hash = ? WHERE chain = ?")) {
            ps.setLong(1, head.seq());
            ps.setString(2, head.hash());
            ps.setString(3, chain);
            ps.executeUpdate();
        }
    }
}

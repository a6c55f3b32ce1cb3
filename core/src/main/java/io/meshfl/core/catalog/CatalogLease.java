package io.meshfl.core.catalog;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.function.Consumer;

/**
 * Which coordinator drives a catalog's runs: the one holding its lease. On PostgreSQL the lease is
 * a session-level advisory lock held on a connection of its own, so it goes the moment the holder's
 * process dies (its connection closes; on a silent network, within the keep-alive probes this
 * session asks the server for), and a standby polling for it takes over. The embedded catalog
 * needs none: its file lock already admits one process at a time.
 */
public final class CatalogLease implements AutoCloseable {

    /** The advisory lock's key: "MeshFL" in ASCII, so an operator can find it in pg_locks. */
    static final long KEY = 0x4D657368464CL;

    private final Catalog catalog;
    private volatile Connection connection;
    private volatile boolean closed;
    private Thread watchdog;

    private CatalogLease(Catalog catalog, Connection connection) {
        this.catalog = catalog;
        this.connection = connection;
    }

    /**
     * Takes the catalog's lease, waiting while another coordinator holds it (polling every
     * {@code poll}, saying once that this one stands by). Returns at once for the embedded catalog.
     */
    public static CatalogLease acquire(Catalog catalog, Duration poll, Consumer<String> log) throws InterruptedException {
        if (catalog.dialect() != CatalogSchema.Dialect.POSTGRESQL) return new CatalogLease(catalog, null);
        boolean said = false;
        while (true) {
            Attempt a = tryTake(catalog);
            if (a.taken()) {
                if (said) log.accept("took the catalog's lease: this coordinator is now the active one");
                return new CatalogLease(catalog, a.connection());
            }
            if (!said) {
                log.accept("standing by: another coordinator holds the lease of catalog " + catalog.url().replaceAll("\\?.*", "")
                        + "; this one takes over when it goes");
                said = true;
            }
            Thread.sleep(poll.toMillis());
        }
    }

    /** One try for the lock: taken (with the connection holding it), held by another session, or the catalog not answering. */
    private record Attempt(Connection connection, boolean heldElsewhere) {
        boolean taken() {
            return connection != null;
        }
    }

    private static Attempt tryTake(Catalog catalog) {
        Connection c = null;
        try {
            // a connection of its own, outside the pool: closing it ends the session, and with it the lock
            c = catalog.unpooledConnection();
            c.setAutoCommit(true);
            try (Statement s = c.createStatement()) {
                // a holder cut off without a word is dropped after ~9 s of unanswered probes, not the kernel's two hours
                s.execute("SET tcp_keepalives_idle = 3");
                s.execute("SET tcp_keepalives_interval = 2");
                s.execute("SET tcp_keepalives_count = 3");
            }
            try (PreparedStatement ps = c.prepareStatement("SELECT pg_try_advisory_lock(?)")) {
                ps.setLong(1, KEY);
                try (ResultSet rs = ps.executeQuery()) {
                    if (rs.next() && rs.getBoolean(1)) return new Attempt(c, false);
                }
            }
            c.close();
            return new Attempt(null, true);
        } catch (SQLException e) {
            if (c != null) {
                try {
                    c.close();
                } catch (SQLException ignored) {
                    // the connection is gone either way
                }
            }
            return new Attempt(null, false);
        }
    }

    /** Whether the lease is held: its connection answers (always, for the embedded catalog). */
    public boolean held() {
        Connection c = connection;
        if (c == null) return catalog.dialect() != CatalogSchema.Dialect.POSTGRESQL && !closed;
        try {
            return c.isValid(2);
        } catch (SQLException e) {
            return false;
        }
    }

    /**
     * Checks the lease every {@code every}. When its connection is lost, takes the lease back as
     * soon as the catalog answers again and calls {@code regained} (runs this coordinator stopped
     * driving meanwhile are its again); calls {@code lost} with why, and stops watching, when the
     * catalog answers and another coordinator holds the lease: the caller must stop driving runs.
     * A catalog that does not answer is waited for (meanwhile nobody else can take the lease).
     */
    public void watch(Duration every, Consumer<String> log, Runnable regained, Consumer<String> lost) {
        if (connection == null) return;
        watchdog = new Thread(() -> {
            try {
                while (!closed) {
                    Thread.sleep(every.toMillis());
                    // a second look before acting: one slow answer on a loaded machine is not a lost lease
                    if (closed || held() || held()) continue;
                    log.accept("the connection holding the catalog's lease is lost; taking the lease back when the catalog answers");
                    while (!closed) {
                        Attempt a = tryTake(catalog);
                        if (a.taken()) {
                            Connection old = connection;
                            connection = a.connection();
                            closeQuietly(old);
                            log.accept("took the catalog's lease back");
                            regained.run();
                            break;
                        }
                        if (a.heldElsewhere()) {
                            lost.accept("another coordinator took the catalog's lease while this one's connection was lost");
                            return;
                        }
                        Thread.sleep(Math.max(100, every.toMillis() / 2));
                    }
                }
            } catch (InterruptedException e) {
                // closed
            }
        }, "meshfl-catalog-lease");
        watchdog.setDaemon(true);
        watchdog.start();
    }

    private static void closeQuietly(Connection c) {
        try {
            c.close();
        } catch (SQLException ignored) {
            // it was lost already
        }
    }

    @Override
    public void close() {
        closed = true;
        if (watchdog != null) watchdog.interrupt();
        Connection c = connection;
        if (c == null) return;
        try (PreparedStatement ps = c.prepareStatement("SELECT pg_advisory_unlock(?)")) {
            ps.setLong(1, KEY);
            ps.execute();
        } catch (SQLException e) {
            // a lost connection has released the lock already
        } finally {
            try {
                c.close();
            } catch (SQLException ignored) {
                // nothing more to release
            }
        }
    }
}

package io.meshfl.core.catalog;

import io.meshfl.core.testing.PostgresCluster;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.Statement;
import java.util.concurrent.atomic.AtomicInteger;

/** Tampering with a finished run's records straight in PostgreSQL, as its administrator could, found the same way. */
@Tag("postgres")
class PostgresChainVerifierTest extends ChainVerifierTest {

    private static PostgresCluster pg;
    private static final AtomicInteger DATABASES = new AtomicInteger();
    private String url;

    @BeforeAll
    static void cluster() throws Exception {
        pg = PostgresCluster.start();
    }

    @AfterAll
    static void stop() throws Exception {
        if (pg != null) pg.close();
    }

    @Override
    Catalog openCatalog() throws Exception {
        if (url == null) url = pg.createDatabase("chains_" + DATABASES.incrementAndGet());
        return Catalog.postgres(url, PostgresCluster.USER, pg.password());
    }

    @Override
    Connection raw() throws Exception {
        return DriverManager.getConnection(url, PostgresCluster.USER, pg.password());
    }

    @Override
    void tamper(String... sql) throws Exception {
        try (Connection c = raw(); Statement s = c.createStatement()) {
            for (String q : sql) s.execute(q.replace("X'0000000000000000'", "'\\x0000000000000000'::bytea"));
        }
    }
}

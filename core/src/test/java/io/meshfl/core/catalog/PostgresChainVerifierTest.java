package io.meshfl.core.catalog;

import io.meshfl.core.testing.PostgresCluster;
import org.junit.jupiter.api.Tag;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.Statement;
import java.util.concurrent.atomic.AtomicInteger;

/** Tampering with a finished run's records straight in PostgreSQL, as its administrator could, found the same way. */
@Tag("postgres")
class PostgresChainVerifierTest extends ChainVerifierTest {

    @org.junit.jupiter.api.extension.RegisterExtension
    static final PostgresCluster.PerClass PG = new PostgresCluster.PerClass();
    private static final AtomicInteger DATABASES = new AtomicInteger();
    private String url;

    @Override
    Catalog openCatalog() throws Exception {
        if (url == null) url = PG.get().createDatabase("chains_" + DATABASES.incrementAndGet());
        return Catalog.postgres(url, PostgresCluster.USER, PG.get().password());
    }

    @Override
    Connection raw() throws Exception {
        return DriverManager.getConnection(url, PostgresCluster.USER, PG.get().password());
    }

    @Override
    void tamper(String... sql) throws Exception {
        try (Connection c = raw(); Statement s = c.createStatement()) {
            for (String q : sql) s.execute(q.replace("X'0000000000000000'", "'\\x0000000000000000'::bytea"));
        }
    }
}

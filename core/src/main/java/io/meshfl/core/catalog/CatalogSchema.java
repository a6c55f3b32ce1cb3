package io.meshfl.core.catalog;

import io.meshfl.core.ErrorCode;
import io.meshfl.core.MeshflException;
import org.flywaydb.core.Flyway;
import org.flywaydb.core.api.FlywayException;
import org.flywaydb.core.api.output.MigrateResult;

import java.sql.Connection;
import java.sql.DatabaseMetaData;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import javax.sql.DataSource;

/**
 * The catalog's schema, brought up to date by Flyway from versioned scripts on the class path:
 * {@code db/catalog/h2} for the embedded catalog, {@code db/catalog/postgresql} for a server
 * catalog (its V6 creates the schema the embedded one reaches after V1..V6; later versions have a
 * script in each folder). Flyway records every script with its checksum and refuses one changed
 * after it was applied, or a database ahead of this build. A catalog made by an older MeshFL
 * (which kept its own {@code schema_version} table) is taken over at the version it had reached.
 */
public final class CatalogSchema {

    /** Which scripts a database takes. */
    public enum Dialect {
        H2("h2"), POSTGRESQL("postgresql");

        final String folder;

        Dialect(String folder) {
            this.folder = folder;
        }
    }

    private CatalogSchema() {
    }

    /** Applies the pending migrations; returns how many ran. */
    public static int migrate(DataSource ds, Dialect dialect) {
        try {
            Integer adopted = formerVersion(ds);
            // a catalog with migrations this build does not have is refused (Flyway's default ignores them)
            var config = Flyway.configure().dataSource(ds).locations("classpath:db/catalog/" + dialect.folder)
                    .table("flyway_schema_history").validateMigrationNaming(true).failOnMissingLocations(true)
                    .ignoreMigrationPatterns("*:missing");
            if (adopted != null) config = config.baselineOnMigrate(true).baselineVersion(String.valueOf(adopted));
            MigrateResult r = config.load().migrate();
            if (adopted != null) dropFormer(ds);
            return r.migrationsExecuted;
        } catch (FlywayException e) {
            throw new MeshflException(ErrorCode.CATALOG_FAILURE, "cannot bring the catalog's schema up to date: " + e.getMessage(), e);
        } catch (SQLException e) {
            throw new MeshflException(ErrorCode.CATALOG_FAILURE, "cannot read the catalog's former schema version: " + e.getMessage(), e);
        }
    }

    /** The version an older MeshFL's own migration table reached, when Flyway has not taken the database over yet; else null. */
    private static Integer formerVersion(DataSource ds) throws SQLException {
        try (Connection c = ds.getConnection()) {
            if (!exists(c, "schema_version") || exists(c, "flyway_schema_history")) return null;
            try (Statement s = c.createStatement(); ResultSet rs = s.executeQuery("SELECT MAX(version) FROM schema_version")) {
                return rs.next() && rs.getObject(1) != null ? rs.getInt(1) : null;
            }
        }
    }

    private static void dropFormer(DataSource ds) throws SQLException {
        try (Connection c = ds.getConnection(); Statement s = c.createStatement()) {
            if (exists(c, "schema_version")) s.execute("DROP TABLE schema_version");
            if (exists(c, "schema_lock")) s.execute("DROP TABLE schema_lock");
        }
    }

    /** Whether a table of this name exists (H2 keeps names upper-case, PostgreSQL lower-case; H2 calls its tables "BASE TABLE"). */
    static boolean exists(Connection c, String table) throws SQLException {
        DatabaseMetaData md = c.getMetaData();
        for (String name : new String[]{table, table.toUpperCase(java.util.Locale.ROOT)}) {
            try (ResultSet rs = md.getTables(null, null, name, null)) {
                while (rs.next()) {
                    String type = rs.getString("TABLE_TYPE");
                    if (type != null && type.endsWith("TABLE") && !type.contains("SYSTEM")) return true;
                }
            }
        }
        return false;
    }
}

package db.catalog.h2;

import org.flywaydb.core.api.migration.BaseJavaMigration;
import org.flywaydb.core.api.migration.Context;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;

/**
 * Runs may also end INTERRUPTED (their coordinator stopped while they ran) or CANCELLED, and nodes
 * of an embedded mesh are ephemeral (removed when it closes). H2 named the runs table's status
 * check when V1 created it without a name, so this step finds it by what it checks, replaces it
 * with a named one, and adds the nodes' column; PostgreSQL takes the same change as plain SQL.
 */
public class V7__run_states extends BaseJavaMigration {

    @Override
    public void migrate(Context context) throws Exception {
        Connection c = context.getConnection();
        List<String> checks = new ArrayList<>();
        try (PreparedStatement ps = c.prepareStatement("SELECT tc.CONSTRAINT_NAME FROM INFORMATION_SCHEMA.TABLE_CONSTRAINTS tc "
                + "JOIN INFORMATION_SCHEMA.CHECK_CONSTRAINTS cc ON cc.CONSTRAINT_NAME = tc.CONSTRAINT_NAME "
                + "WHERE tc.TABLE_NAME = 'RUNS' AND tc.CONSTRAINT_TYPE = 'CHECK' AND cc.CHECK_CLAUSE LIKE '%RUNNING%'");
             ResultSet rs = ps.executeQuery()) {
            while (rs.next()) checks.add(rs.getString(1));
        }
        try (Statement s = c.createStatement()) {
            for (String name : checks) s.execute("ALTER TABLE runs DROP CONSTRAINT \"" + name + "\"");
            s.execute("ALTER TABLE runs ADD CONSTRAINT runs_status_check CHECK (status IN "
                    + "('RUNNING', 'SUCCEEDED', 'FAILED', 'INTERRUPTED', 'CANCELLED'))");
            s.execute("ALTER TABLE nodes ADD COLUMN ephemeral BOOLEAN DEFAULT FALSE NOT NULL");
        }
    }
}

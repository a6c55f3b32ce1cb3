package io.meshfl.core.protocol.factorized;

import io.meshfl.core.ErrorCode;
import io.meshfl.core.MeshflException;
import io.meshfl.core.integration.JoinPlan;
import io.meshfl.core.integration.JoinStep;
import org.duckdb.DuckDBAppender;
import org.duckdb.DuckDBConnection;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Builds the materialized training table with the embedded engine: every product's handed-over
 * columns and join keys go into an in-memory DuckDB table, one SQL inner join along the
 * integration's relationships produces the target columns in order, and the database is dropped
 * when the table has been read. Same rows, same order (by base row) as the foreign-key path.
 */
final class EngineJoin {

    /** One product as handed over: its row-major feature columns, the target column each feeds (-1: none), its key columns. */
    record Table(String product, int rows, int cols, double[] x, int[] targets, Map<String, String[]> keys) {
    }

    private EngineJoin() {
    }

    static DenseMatrix materialize(JoinPlan jp, Map<String, Table> tables, int targetColumns) {
        List<String> order = jp.products();
        Map<String, String> alias = new HashMap<>();
        for (int i = 0; i < order.size(); i++) alias.put(order.get(i), "t" + i);
        try (Connection conn = DriverManager.getConnection("jdbc:duckdb:")) {
            for (String p : order) load(conn.unwrap(DuckDBConnection.class), alias.get(p), tables.get(p));
            String[] select = new String[targetColumns];
            for (String p : order) {
                Table t = tables.get(p);
                for (int j = 0; j < t.cols(); j++) if (t.targets()[j] >= 0) select[t.targets()[j]] = alias.get(p) + ".c" + j;
            }
            StringBuilder sql = new StringBuilder("SELECT ");
            for (int c = 0; c < targetColumns; c++) {
                if (select[c] == null) throw new MeshflException(ErrorCode.INTERNAL, "target column " + c + " is fed by no product");
                sql.append(c == 0 ? "" : ", ").append(select[c]);
            }
            sql.append(" FROM ").append(alias.get(jp.base())).append(" AS ").append(alias.get(jp.base()));
            for (JoinStep s : jp.steps()) {
                String a = alias.get(s.product());
                sql.append(" JOIN ").append(a).append(" AS ").append(a).append(" ON ").append(alias.get(s.parentKey().product()))
                        .append('.').append(keyColumn(s.parentKey().column())).append(" = ").append(a).append('.')
                        .append(keyColumn(s.childKey().column()));
            }
            sql.append(" ORDER BY ").append(alias.get(jp.base())).append(".r");
            List<double[]> rows = new ArrayList<>();
            try (Statement st = conn.createStatement(); ResultSet rs = st.executeQuery(sql.toString())) {
                while (rs.next()) {
                    double[] row = new double[targetColumns];
                    for (int c = 0; c < targetColumns; c++) row[c] = rs.getDouble(c + 1);
                    rows.add(row);
                }
            }
            double[] data = new double[rows.size() * targetColumns];
            for (int i = 0; i < rows.size(); i++) System.arraycopy(rows.get(i), 0, data, i * targetColumns, targetColumns);
            return new DenseMatrix(rows.size(), targetColumns, data);
        } catch (SQLException e) {
            throw new MeshflException(ErrorCode.INTERNAL, "the embedded engine could not join the products: " + e.getMessage(), e);
        }
    }

    private static String keyColumn(String column) {
        return '"' + "k_" + column.replace("\"", "\"\"") + '"';
    }

    private static void load(DuckDBConnection conn, String name, Table t) throws SQLException {
        List<String> keyCols = new ArrayList<>(t.keys().keySet());
        StringBuilder ddl = new StringBuilder("CREATE TABLE ").append(name).append(" (r INTEGER");
        for (String k : keyCols) ddl.append(", ").append(keyColumn(k)).append(" VARCHAR");
        for (int j = 0; j < t.cols(); j++) ddl.append(", c").append(j).append(" DOUBLE");
        ddl.append(')');
        try (Statement st = conn.createStatement()) {
            st.execute(ddl.toString());
        }
        try (DuckDBAppender app = conn.createAppender(DuckDBConnection.DEFAULT_SCHEMA, name)) {
            for (int i = 0; i < t.rows(); i++) {
                app.beginRow();
                app.append(i);
                for (String k : keyCols) app.append(t.keys().get(k)[i]);
                for (int j = 0; j < t.cols(); j++) app.append(t.x()[i * t.cols() + j]);
                app.endRow();
            }
        }
    }
}

package io.meshfl.core.catalog;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * How many audit records there are of each step, sender, receiver and protection (audit_tallies), and
 * of each of these per submitter of the records' runs (audit_submitter_tallies): kept in the
 * transaction that appends the records (under the audit chain's lock, so appenders never race), so
 * that a page of the audit log says how many records match its filter without counting them. A
 * filter by run counts the run's records instead (a run has few, read from their index).
 */
final class AuditTallies {

    private AuditTallies() {
    }

    /** The submitter of each run the records name ("" for a run without one, or no such run). */
    static Map<String, String> submitters(Connection c, List<AuditRecord> records) throws SQLException {
        Map<String, String> out = new HashMap<>();
        for (AuditRecord r : records) {
            if (r.runId() == null || out.containsKey(r.runId())) continue;
            List<String> s = Catalog.query(c, "SELECT submitter FROM runs WHERE id = ?", ps -> ps.setString(1, r.runId()), rs -> rs.getString(1));
            out.put(r.runId(), s.isEmpty() || s.get(0) == null ? "" : s.get(0));
        }
        return out;
    }

    /** Adds appended records to the tallies ({@code submitters}: of their runs, from {@link #submitters}). */
    static void add(Connection c, List<AuditRecord> records, Map<String, String> submitters) throws SQLException {
        if (records.isEmpty()) return;
        Map<List<String>, Long> all = new LinkedHashMap<>();
        Map<List<String>, Long> bySubmitter = new LinkedHashMap<>();
        for (AuditRecord r : records) {
            all.merge(List.of(r.step(), r.sender(), r.receiver(), r.protection()), 1L, Long::sum);
            String s = r.runId() == null ? "" : submitters.getOrDefault(r.runId(), "");
            if (!s.isEmpty()) bySubmitter.merge(List.of(s, r.step(), r.sender(), r.receiver(), r.protection()), 1L, Long::sum);
        }
        bump(c, "audit_tallies", List.of("step", "sender", "receiver", "protection"), all);
        bump(c, "audit_submitter_tallies", List.of("submitter", "step", "sender", "receiver", "protection"), bySubmitter);
    }

    private static void bump(Connection c, String table, List<String> keys, Map<List<String>, Long> counts) throws SQLException {
        if (counts.isEmpty()) return;
        String match = String.join(" = ? AND ", keys) + " = ?";
        List<List<String>> missing = new ArrayList<>();
        try (PreparedStatement up = c.prepareStatement("UPDATE " + table + " SET records = records + ? WHERE " + match)) {
            for (var e : counts.entrySet()) {
                up.setLong(1, e.getValue());
                for (int i = 0; i < keys.size(); i++) up.setString(i + 2, e.getKey().get(i));
                if (up.executeUpdate() == 0) missing.add(e.getKey());
            }
        }
        if (missing.isEmpty()) return;
        try (PreparedStatement in = c.prepareStatement("INSERT INTO " + table + " (" + String.join(", ", keys) + ", records) VALUES ("
                + "?, ".repeat(keys.size()) + "?)")) {
            for (List<String> k : missing) {
                for (int i = 0; i < keys.size(); i++) in.setString(i + 1, k.get(i));
                in.setLong(keys.size() + 1, counts.get(k));
                in.addBatch();
            }
            in.executeBatch();
        }
    }

    /**
     * How many records match {@code where} (conditions on step, sender, receiver and protection only,
     * with {@code args}), of runs {@code submitter} submitted when it is not null.
     */
    static long count(Connection c, String where, List<String> args, String submitter) throws SQLException {
        String sql = submitter == null ? "SELECT COALESCE(SUM(records), 0) FROM audit_tallies WHERE 1 = 1" + where
                : "SELECT COALESCE(SUM(records), 0) FROM audit_submitter_tallies WHERE submitter = ?" + where;
        return Catalog.query(c, sql, ps -> {
            int i = 1;
            if (submitter != null) ps.setString(i++, submitter);
            for (String a : args) ps.setString(i++, a);
        }, rs -> rs.getLong(1)).get(0);
    }
}

package io.meshfl.core.catalog;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.Collection;
import java.time.Instant;
import java.util.Collections;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * Lists of runs and of their models as the API pages them, filtered, sorted, counted and cut by the
 * database (indexes of migration V9): newest first (a run by its start, a model by its creation; the
 * later-created first among equal times), only those of a {@link Scope}, from an offset. Rows carry
 * what a list shows: a listed run has no plan or configuration JSON ({@code planJson} and
 * {@code configJson} are null; {@link Catalog#run(String)} has them), a listed model no parameters
 * ({@code params} is null; {@link Catalog#model(String)} has them).
 */
public final class RunListing {

    /** The columns of a listed run: all but the plan and configuration. */
    static final String SUMMARY_COLS = "r.id, r.job_id, r.strategy, r.seed, r.status, r.started_at, r.ended_at, r.bytes_sent, r.bytes_received,"
            + " r.metrics_json, r.error, r.products_csv, r.submitter, r.nonce";
    static final String MODEL_SUMMARY_COLS = "m.id, m.run_id, m.model_type, m.num_params, m.provenance_json, m.created_at";

    /**
     * Which runs a caller sees: every run ({@code all}), else those {@code submitter} submitted and
     * those that read one of {@code products} (empty for a caller that sees no run by its products).
     */
    public record Scope(boolean all, String submitter, Set<String> products) {
        public Scope {
            products = products == null ? Set.of() : Collections.unmodifiableSet(new LinkedHashSet<>(products));
            if (!all && (submitter == null || submitter.isBlank())) {
                throw new IllegalArgumentException("a restricted scope names its submitter");
            }
        }

        public static Scope everyone() {
            return new Scope(true, null, Set.of());
        }

        /** The runs {@code submitter} submitted or that read one of {@code products}. */
        public static Scope of(String submitter, Collection<String> products) {
            return new Scope(false, submitter, products == null ? Set.of() : new LinkedHashSet<>(products));
        }
    }

    /** One page of a list and how many rows match in all. */
    public record Page<T>(List<T> items, long total) {
    }

    private final Catalog catalog;

    public RunListing(Catalog catalog) {
        this.catalog = catalog;
    }

    /** The runs of {@code scope} (with status {@code status}, when not null), newest first, from {@code offset}, at most {@code limit}. */
    public Page<RunRecord> runs(Scope scope, String status, int offset, int limit) {
        return catalog.transaction("SELECT a page of runs", c -> {
            long total;
            List<Long> keys;
            if (scope.all() || scope.products().isEmpty()) {
                // one index holds every run of the list in its order: counted and cut there
                List<String> args = new ArrayList<>();
                StringBuilder where = new StringBuilder(" WHERE 1 = 1");
                if (!scope.all()) {
                    where.append(" AND r.submitter = ?");
                    args.add(scope.submitter());
                }
                if (status != null) {
                    where.append(" AND r.status = ?");
                    args.add(status);
                }
                total = count(c, "SELECT COUNT(*) FROM runs r" + (args.isEmpty() ? "" : where), args);
                if (total <= offset) return new Page<>(List.of(), total);
                keys = Catalog.query(c, "SELECT r.seq FROM runs r" + where + " ORDER BY r.started_at DESC, r.seq DESC LIMIT ? OFFSET ?",
                        ps -> bind(ps, args, limit, offset), rs -> rs.getLong(1));
            } else {
                List<Key> all = keys(c, scope, status);
                total = all.size();
                keys = all.subList((int) Math.min(offset, total), (int) Math.min(total, (long) offset + limit)).stream().map(Key::seq).toList();
            }
            if (keys.isEmpty()) return new Page<>(List.of(), total);
            String in = String.join(", ", Collections.nCopies(keys.size(), "?"));
            List<RunRecord> rows = Catalog.query(c, "SELECT " + SUMMARY_COLS + " FROM runs r WHERE r.seq IN (" + in + ")"
                    + " ORDER BY r.started_at DESC, r.seq DESC", ps -> {
                for (int i = 0; i < keys.size(); i++) ps.setLong(i + 1, keys.get(i));
            }, RunListing::summary);
            return new Page<>(rows, total);
        });
    }

    /** A run as the lists order it (newest start first, then the later-created), with its id. */
    record Key(Instant startedAt, long seq, String id) {
        static final Comparator<Key> NEWEST_FIRST = Comparator.comparing(Key::startedAt).thenComparingLong(Key::seq).reversed();
    }

    /**
     * The runs of a restricted scope with products, newest first: those its submitter submitted and those
     * over its products (read from run_products, which carries each run's start and number), each once,
     * kept only in state {@code status} when not null. Every read is of an index alone.
     */
    private static List<Key> keys(Connection c, Scope scope, String status) throws SQLException {
        Map<Long, Key> bySeq = new HashMap<>();
        String mine = status == null ? "SELECT r.started_at, r.seq, r.id FROM runs r WHERE r.submitter = ?"
                : "SELECT r.started_at, r.seq, NULL FROM runs r WHERE r.submitter = ? AND r.status = ?";
        for (Key k : Catalog.query(c, mine, ps -> {
            ps.setString(1, scope.submitter());
            if (status != null) ps.setString(2, status);
        }, rs -> new Key(Catalog.instant(rs, 1), rs.getLong(2), rs.getString(3)))) {
            bySeq.put(k.seq(), k);
        }
        List<String> products = new ArrayList<>(scope.products());
        String in = String.join(", ", Collections.nCopies(products.size(), "?"));
        List<Key> over = Catalog.query(c, "SELECT rp.run_started_at, rp.run_seq, rp.run_id FROM run_products rp WHERE rp.product_id IN (" + in + ")",
                ps -> {
                    for (int i = 0; i < products.size(); i++) ps.setString(i + 1, products.get(i));
                }, rs -> new Key(Catalog.instant(rs, 1), rs.getLong(2), rs.getString(3)));
        Set<Long> inState = null;
        if (status != null) {
            inState = new HashSet<>(Catalog.query(c, "SELECT r.seq FROM runs r WHERE r.status = ?", ps -> ps.setString(1, status), rs -> rs.getLong(1)));
        }
        for (Key k : over) {
            if (inState == null || inState.contains(k.seq())) bySeq.putIfAbsent(k.seq(), k);
        }
        List<Key> out = new ArrayList<>(bySeq.values());
        out.sort(Key.NEWEST_FIRST);
        return out;
    }

    /** The models of the runs of {@code scope}, newest first, from {@code offset}, at most {@code limit}. */
    public Page<ModelRecord> models(Scope scope, int offset, int limit) {
        return catalog.transaction("SELECT a page of models", c -> {
            long total;
            List<Long> keys;
            if (scope.all()) {
                total = count(c, "SELECT COUNT(*) FROM models m WHERE m.run_id IS NOT NULL", List.of());
                if (total <= offset) return new Page<>(List.of(), total);
                keys = Catalog.query(c, "SELECT m.seq FROM models m WHERE m.run_id IS NOT NULL ORDER BY m.created_at DESC, m.seq DESC LIMIT ? OFFSET ?",
                        ps -> bind(ps, List.of(), limit, offset), rs -> rs.getLong(1));
            } else {
                Set<String> runs = new HashSet<>();
                if (scope.products().isEmpty()) {
                    runs.addAll(Catalog.query(c, "SELECT r.id FROM runs r WHERE r.submitter = ?", ps -> ps.setString(1, scope.submitter()),
                            rs -> rs.getString(1)));
                } else {
                    for (Key k : keys(c, scope, null)) runs.add(k.id());
                }
                // every model's key from the index in list order; those of the scope's runs kept
                List<Long> mine = new ArrayList<>();
                for (Object[] m : Catalog.query(c, "SELECT m.seq, m.run_id FROM models m ORDER BY m.created_at DESC, m.seq DESC", ps -> { },
                        rs -> new Object[]{rs.getLong(1), rs.getString(2)})) {
                    if (m[1] != null && runs.contains((String) m[1])) mine.add((Long) m[0]);
                }
                total = mine.size();
                keys = mine.subList((int) Math.min(offset, total), (int) Math.min(total, (long) offset + limit));
            }
            if (keys.isEmpty()) return new Page<>(List.of(), total);
            String in = String.join(", ", Collections.nCopies(keys.size(), "?"));
            List<ModelRecord> rows = Catalog.query(c, "SELECT " + MODEL_SUMMARY_COLS + " FROM models m WHERE m.seq IN (" + in + ")"
                    + " ORDER BY m.created_at DESC, m.seq DESC", ps -> {
                for (int i = 0; i < keys.size(); i++) ps.setLong(i + 1, keys.get(i));
            }, rs -> new ModelRecord(rs.getString(1), rs.getString(2), rs.getString(3), rs.getInt(4), null, rs.getString(5), Catalog.instant(rs, 6)));
            return new Page<>(rows, total);
        });
    }

    /** How many runs are in each state. */
    public Map<String, Long> countByStatus() {
        return catalog.transaction("SELECT runs by state", c -> {
            Map<String, Long> out = new TreeMap<>();
            for (Object[] row : Catalog.query(c, "SELECT status, COUNT(*) FROM runs GROUP BY status", ps -> { },
                    rs -> new Object[]{rs.getString(1), rs.getLong(2)})) {
                out.put((String) row[0], (Long) row[1]);
            }
            return out;
        });
    }

    private static void bind(PreparedStatement ps, List<String> args, int limit, int offset) throws SQLException {
        int i = 1;
        for (String a : args) ps.setString(i++, a);
        ps.setInt(i++, limit);
        ps.setInt(i, offset);
    }

    private static long count(Connection c, String sql, List<String> args) throws SQLException {
        List<Long> n = Catalog.query(c, sql, ps -> {
            for (int i = 0; i < args.size(); i++) ps.setString(i + 1, args.get(i));
        }, rs -> rs.getLong(1));
        return n.isEmpty() ? 0 : n.get(0);
    }

    private static RunRecord summary(ResultSet rs) throws SQLException {
        return new RunRecord(rs.getString(1), rs.getString(2), rs.getString(3), null, null, rs.getLong(4), rs.getString(5),
                Catalog.instant(rs, 6), Catalog.instant(rs, 7), rs.getLong(8), rs.getLong(9), rs.getString(10), rs.getString(11),
                rs.getString(12), rs.getString(13), rs.getString(14));
    }
}

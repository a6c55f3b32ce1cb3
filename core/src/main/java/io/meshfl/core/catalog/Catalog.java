package io.meshfl.core.catalog;

import io.meshfl.core.ErrorCode;
import io.meshfl.core.MeshflException;
import io.meshfl.core.trust.PrivateFiles;
import org.h2.jdbcx.JdbcConnectionPool;

import javax.sql.DataSource;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Types;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ThreadLocalRandom;

/**
 * The federated-governance catalog: domains, data products and their contract versions, nodes,
 * jobs, runs with rounds and provenance, trained models and the cross-domain audit log, kept in
 * an embedded H2 database. Thread-safe; every failure is a {@link MeshflException} with
 * {@link ErrorCode#CATALOG_FAILURE} (or a more specific code) naming the action that failed.
 *
 * <p>A file catalog is embedded in one process and opens no listener: H2's file lock keeps every
 * other process out while it is open, and its folder and files are owner-only ({@link PrivateFiles}).
 * Audit records, ledger entries and run seals are hash-chained ({@link AuditLog},
 * {@link PrivacyLedger}, {@link ChainSeals}) and checked by {@link ChainVerifier}.
 */
public final class Catalog implements AutoCloseable {

    private static final DateTimeFormatter ID_TIME = DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss").withZone(ZoneOffset.UTC);
    private static final int MAX_ATTEMPTS = 6;
    private static final int KNOWN_IDS_LISTED = 20;
    /*
     * WRITE_DELAY=0: a commit reaches the file before it returns. H2's default keeps up to a second
     * of commits in memory, and a coordinator killed in that second lost rounds its client had seen.
     * MAX_LENGTH_INPLACE_LOB: a round's metrics and checkpoint (a few hundred bytes to tens of KB)
     * stay in the row's own page; over H2's 256-byte default each went to the LOB maps, and every
     * round's commit rewrote those maps' pages as well as the table's.
     */
    private static final String H2_OPTIONS = ";LOCK_TIMEOUT=10000;WRITE_DELAY=0;MAX_LENGTH_INPLACE_LOB=65536";

    private static final String PRODUCT_COLS = "id, domain, version, contract_yaml, contract_sha256, registered_at, row_count, seq";
    private static final String NODE_COLS = "node_id, domain, address, status, last_heartbeat, version";
    private static final String JOB_COLS = "id, name, spec_yaml, submitted_at, status";
    private static final String RUN_COLS = "r.id, r.job_id, r.strategy, r.plan_json, r.config_json, r.seed, r.status, r.started_at,"
            + " r.ended_at, r.bytes_sent, r.bytes_received, r.metrics_json, r.error, r.products_csv, r.submitter, r.nonce";
    private static final String MODEL_COLS = "id, run_id, model_type, num_params, params, provenance_json, created_at";

    private final String url;
    private final DataSource pool;
    private final AutoCloseable poolCloser;
    private final CatalogSchema.Dialect dialect;
    private final Connection keepAlive;
    private volatile boolean closed;

    static {
        // Flyway and HikariCP log through java.util.logging here: only their warnings are worth a user's attention
        LibraryLogs.quiet();
    }

    private Catalog(String url, DataSource pool, AutoCloseable poolCloser, CatalogSchema.Dialect dialect, boolean inMemory) {
        this.url = url;
        this.pool = pool;
        this.poolCloser = poolCloser;
        this.dialect = dialect;
        Connection hold = null;
        try {
            // An in-memory H2 database vanishes with its last connection; hold one for the catalog's lifetime.
            if (inMemory) hold = pool.getConnection();
            CatalogSchema.migrate(pool, dialect);
            LegacyChains.adopt(pool);
        } catch (SQLException | RuntimeException e) {
            closeQuietly(hold);
            closeQuietly(poolCloser);
            if (e instanceof MeshflException me) throw me;
            throw new MeshflException(ErrorCode.CATALOG_FAILURE, "cannot open catalog " + url + ": " + e.getMessage(), e);
        }
        this.keepAlive = hold;
    }

    private static Catalog h2(String url, boolean inMemory) {
        JdbcConnectionPool pool = JdbcConnectionPool.create(url, "sa", "");
        return new Catalog(url, pool, pool::dispose, CatalogSchema.Dialect.H2, inMemory);
    }

    /**
     * Opens the catalog at {@code location}: a PostgreSQL JDBC URL ({@code jdbc:postgresql://host:port/db},
     * TLS set in it, e.g. {@code ?sslmode=verify-full&sslrootcert=ca.pem}), with {@code user} and
     * {@code password}; or else the path of an embedded H2 catalog file ({@link #open(Path)}; user
     * and password do not apply and are refused when given).
     */
    public static Catalog open(String location, String user, String password) {
        if (location.startsWith("jdbc:postgresql:")) return postgres(location, user, password);
        if (location.startsWith("jdbc:")) {
            throw new MeshflException(ErrorCode.CATALOG_FAILURE, "--catalog " + location.replaceAll("password=[^&;]*", "password=...")
                    + ": a catalog is an embedded H2 file (give its path) or a PostgreSQL database (jdbc:postgresql://...)");
        }
        if (user != null || password != null) {
            throw new MeshflException(ErrorCode.CATALOG_FAILURE, "a catalog user or password was given for the embedded catalog " + location
                    + ", which has none: they apply to a PostgreSQL catalog (--catalog jdbc:postgresql://...)");
        }
        return open(Path.of(location));
    }

    /** A catalog in a PostgreSQL database, through a small connection pool; the schema is migrated on open. */
    public static Catalog postgres(String jdbcUrl, String user, String password) {
        if (jdbcUrl.contains("password=")) {
            throw new MeshflException(ErrorCode.CATALOG_FAILURE, "the catalog URL carries a password; give it in a file (--catalog-password-file) "
                    + "or in MESHFL_CATALOG_PASSWORD, so it shows in no process list or log");
        }
        com.zaxxer.hikari.HikariConfig cfg = new com.zaxxer.hikari.HikariConfig();
        cfg.setJdbcUrl(jdbcUrl);
        if (user != null) cfg.setUsername(user);
        if (password != null) cfg.setPassword(password);
        cfg.setMaximumPoolSize(8);
        cfg.setPoolName("meshfl-catalog");
        cfg.setConnectionTimeout(15_000);
        cfg.setInitializationFailTimeout(15_000);
        // a writer waiting on a chain head or a row lock gives up, and is retried, like H2's LOCK_TIMEOUT
        cfg.setConnectionInitSql("SET lock_timeout = '10s'");
        com.zaxxer.hikari.HikariDataSource ds;
        try {
            ds = new com.zaxxer.hikari.HikariDataSource(cfg);
        } catch (RuntimeException e) {
            throw new MeshflException(ErrorCode.CATALOG_FAILURE, "cannot connect to the catalog " + jdbcUrl + ": " + rootMessage(e), e);
        }
        return new Catalog(jdbcUrl, ds, ds::close, CatalogSchema.Dialect.POSTGRESQL, false);
    }

    private static String rootMessage(Throwable e) {
        Throwable t = e;
        while (t.getCause() != null) t = t.getCause();
        return t.getMessage();
    }

    /** Which database holds this catalog. */
    public CatalogSchema.Dialect dialect() {
        return dialect;
    }

    /**
     * Opens (creating if needed) the catalog in an H2 database file; {@code .mv.db} may be given or
     * left off. Its folder must be owner-only (created so when missing); while it is open no other
     * process can open it (see {@link #heldByAnotherProcess}).
     */
    public static Catalog open(Path dbFile) {
        Path abs = dbFile.toAbsolutePath().normalize();
        String base = abs.toString();
        if (base.endsWith(".mv.db")) base = base.substring(0, base.length() - ".mv.db".length());
        if (abs.getParent() != null) PrivateFiles.directory(abs.getParent(), "catalog folder");
        Catalog c;
        try {
            // no AUTO_SERVER: an embedded catalog never listens on a socket
            c = h2("jdbc:h2:file:" + base + ";FILE_LOCK=FILE" + H2_OPTIONS, false);
        } catch (MeshflException e) {
            if (heldByAnotherProcess(e)) {
                throw new MeshflException(ErrorCode.CATALOG_FAILURE, "catalog " + base + ".mv.db is open in another process (a running "
                        + "coordinator or 'meshfl run'); an embedded catalog belongs to one process at a time: stop that process first", e);
            }
            throw e;
        }
        for (String suffix : new String[]{".mv.db", ".trace.db", ".lock.db"}) PrivateFiles.restrict(Path.of(base + suffix));
        return c;
    }

    /** Whether opening failed because another process holds the database file's lock (H2 error 90020). */
    static boolean heldByAnotherProcess(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof SQLException s && s.getErrorCode() == 90020) return true;
        }
        return false;
    }

    /** A catalog in a named in-memory H2 database that lives until {@link #close()}. */
    public static Catalog inMemory(String name) {
        if (name == null || name.isBlank() || name.contains(";") || name.contains(":")) {
            throw new MeshflException(ErrorCode.CATALOG_FAILURE, "in-memory catalog name must be non-blank without ';' or ':', got '" + name + "'");
        }
        return h2("jdbc:h2:mem:" + name + H2_OPTIONS, true);
    }

    /** The JDBC URL of the database behind this catalog. */
    public String url() {
        return url;
    }

    /** A connection of its own, not from the pool (a session that must end when it is closed, as the lease's). */
    Connection unpooledConnection() throws SQLException {
        if (closed) throw new SQLException("catalog " + url + " is closed");
        if (pool instanceof com.zaxxer.hikari.HikariDataSource h) {
            return java.sql.DriverManager.getConnection(h.getJdbcUrl(), h.getUsername(), h.getPassword());
        }
        return pool.getConnection();
    }

    /** A pooled connection for catalog classes that keep their own tables, such as {@link IntegrationStore}. */
    Connection connection() throws SQLException {
        if (closed) throw new SQLException("catalog " + url + " is closed");
        return pool.getConnection();
    }

    @Override
    public void close() {
        if (closed) return;
        closed = true;
        closeQuietly(keepAlive);
        closeQuietly(poolCloser);
    }

    // ---------------------------------------------------------------- domains

    /** Registers a domain or changes its owner; the first registration time is kept. */
    public DomainRecord upsertDomain(String name, String owner) {
        requireText(name, "domain name");
        requireText(owner, "owner of domain " + name);
        return tx("MERGE domain " + name, true, c -> {
            try (PreparedStatement ps = c.prepareStatement("UPDATE domains SET owner = ? WHERE name = ?")) {
                ps.setString(1, owner);
                ps.setString(2, name);
                if (ps.executeUpdate() == 0) {
                    // a concurrent first registration makes this a duplicate key, and the transaction is retried as an update
                    try (PreparedStatement in = c.prepareStatement("INSERT INTO domains (name, owner, registered_at) VALUES (?, ?, ?)")) {
                        in.setString(1, name);
                        in.setString(2, owner);
                        in.setObject(3, ts(Instant.now()));
                        in.executeUpdate();
                    }
                }
            }
            return domain(c, name).orElseThrow();
        });
    }

    public Optional<DomainRecord> domain(String name) {
        return tx("SELECT domain " + name, c -> domain(c, name));
    }

    /** All domains by name. */
    public List<DomainRecord> domains() {
        return tx("SELECT domains", c -> query(c, "SELECT name, owner, registered_at FROM domains ORDER BY name",
                ps -> {}, Catalog::domainRow));
    }

    private Optional<DomainRecord> domain(Connection c, String name) throws SQLException {
        return first(query(c, "SELECT name, owner, registered_at FROM domains WHERE name = ?",
                ps -> ps.setString(1, name), Catalog::domainRow));
    }

    // ---------------------------------------------------------------- products

    /**
     * Registers a contract version of a data product and returns the stored record. The same
     * (id, version) with identical YAML is a no-op (a known row count updates the stored one);
     * with different YAML it is refused, since a published version must not change. A product
     * stays in the domain it was first registered in.
     */
    public ProductRecord registerProduct(String id, String domain, String version, String contractYaml, int rows) {
        requireText(id, "product id");
        if (id.contains(",")) throw new MeshflException(ErrorCode.CATALOG_FAILURE, "product id '" + id + "' must not contain ','");
        requireText(domain, "domain of product " + id);
        requireText(version, "version of product " + id);
        if (contractYaml == null || contractYaml.isBlank()) {
            throw new MeshflException(ErrorCode.CATALOG_FAILURE, "contract of product " + id + " version " + version + " is empty");
        }
        String sha = io.meshfl.core.trust.HashChain.sha256Hex(contractYaml);
        return tx("INSERT product " + id + " version " + version, true, c -> {
            List<ProductRecord> versions = productVersions(c, id);
            for (ProductRecord p : versions) {
                if (!p.domain().equals(domain)) {
                    throw new MeshflException(ErrorCode.CATALOG_FAILURE, "product " + id + " belongs to domain " + p.domain()
                            + "; cannot register version " + version + " under domain " + domain);
                }
                if (!p.version().equals(version)) continue;
                if (!p.contractSha256().equals(sha)) {
                    throw new MeshflException(ErrorCode.CATALOG_FAILURE, "product " + id + " version " + version
                            + " is already registered with a different contract (sha256 " + p.contractSha256()
                            + ", new " + sha + "); bump the version to publish a changed contract");
                }
                if (rows >= 0 && rows != p.rows()) {
                    try (PreparedStatement ps = c.prepareStatement("UPDATE products SET row_count = ? WHERE id = ? AND version = ?")) {
                        ps.setInt(1, rows);
                        ps.setString(2, id);
                        ps.setString(3, version);
                        ps.executeUpdate();
                    }
                    return new ProductRecord(p.id(), p.domain(), p.version(), p.contractYaml(), p.contractSha256(), p.registeredAt(), rows);
                }
                return p;
            }
            Instant now = Instant.now();
            try (PreparedStatement ps = c.prepareStatement("INSERT INTO products (id, version, domain, contract_yaml, "
                    + "contract_sha256, registered_at, row_count) VALUES (?, ?, ?, ?, ?, ?, ?)")) {
                ps.setString(1, id);
                ps.setString(2, version);
                ps.setString(3, domain);
                ps.setString(4, contractYaml);
                ps.setString(5, sha);
                ps.setObject(6, ts(now));
                ps.setInt(7, Math.max(rows, -1));
                ps.executeUpdate();
            }
            return product(c, id, version).orElseThrow();
        });
    }

    /** The latest version of a product: highest version number, ties broken by registration order. */
    public Optional<ProductRecord> product(String id) {
        return tx("SELECT product " + id, c -> latest(productVersions(c, id)));
    }

    /** One exact contract version of a product. */
    public Optional<ProductRecord> product(String id, String version) {
        return tx("SELECT product " + id + " version " + version, c -> product(c, id, version));
    }

    /** The latest version of a product, or {@link ErrorCode#UNKNOWN_PRODUCT} naming the known ids when there are few. */
    public ProductRecord requireProduct(String id) {
        return tx("SELECT product " + id, c -> requireProduct(c, id));
    }

    /** The latest version of every product, by id. */
    public List<ProductRecord> products() {
        return tx("SELECT products", c -> {
            Map<String, List<ProductRecord>> byId = new LinkedHashMap<>();
            for (ProductRecord p : query(c, "SELECT " + PRODUCT_COLS + " FROM products ORDER BY id, seq", ps -> {}, Catalog::productRow)) {
                byId.computeIfAbsent(p.id(), k -> new ArrayList<>()).add(p);
            }
            List<ProductRecord> result = new ArrayList<>();
            for (List<ProductRecord> versions : byId.values()) latest(versions).ifPresent(result::add);
            return result;
        });
    }

    /** Every registered version of a product, oldest version first; empty when unknown. */
    public List<ProductRecord> productVersions(String id) {
        return tx("SELECT versions of product " + id, c -> {
            List<ProductRecord> versions = new ArrayList<>(productVersions(c, id));
            versions.sort((a, b) -> compareVersions(a.version(), b.version()));
            return versions;
        });
    }

    private ProductRecord requireProduct(Connection c, String id) throws SQLException {
        Optional<ProductRecord> p = latest(productVersions(c, id));
        if (p.isPresent()) return p.get();
        List<String> known = query(c, "SELECT DISTINCT id FROM products ORDER BY id", ps -> {}, rs -> rs.getString(1));
        String hint;
        if (known.isEmpty()) hint = "no products are registered";
        else if (known.size() <= KNOWN_IDS_LISTED) hint = "known products: " + String.join(", ", known);
        else hint = known.size() + " products are registered; list them with the catalog";
        throw new MeshflException(ErrorCode.UNKNOWN_PRODUCT, "unknown data product '" + id + "' (" + hint + ")");
    }

    private List<ProductRecord> productVersions(Connection c, String id) throws SQLException {
        return query(c, "SELECT " + PRODUCT_COLS + " FROM products WHERE id = ? ORDER BY seq",
                ps -> ps.setString(1, id), Catalog::productRow);
    }

    private Optional<ProductRecord> product(Connection c, String id, String version) throws SQLException {
        return first(query(c, "SELECT " + PRODUCT_COLS + " FROM products WHERE id = ? AND version = ?",
                ps -> { ps.setString(1, id); ps.setString(2, version); }, Catalog::productRow));
    }

    /** Picks the highest version; the input is in registration order so a later tie wins. */
    private static Optional<ProductRecord> latest(List<ProductRecord> versions) {
        ProductRecord best = null;
        for (ProductRecord p : versions) {
            if (best == null || compareVersions(p.version(), best.version()) >= 0) best = p;
        }
        return Optional.ofNullable(best);
    }

    /**
     * Orders versions like semantic versions: dot/dash separated parts, numeric parts compared
     * as numbers; a trailing pre-release tag ({@code 1.0.0-rc1}) sorts before the release.
     */
    static int compareVersions(String a, String b) {
        String[] x = a.split("[.\\-+_]");
        String[] y = b.split("[.\\-+_]");
        int n = Math.min(x.length, y.length);
        for (int i = 0; i < n; i++) {
            int cmp = comparePart(x[i], y[i]);
            if (cmp != 0) return cmp;
        }
        if (x.length == y.length) return 0;
        String[] longer = x.length > y.length ? x : y;
        int sign = x.length > y.length ? 1 : -1;
        return isNumber(longer[n]) ? sign : -sign;
    }

    private static int comparePart(String a, String b) {
        boolean na = isNumber(a), nb = isNumber(b);
        if (na && nb) {
            String sa = a.replaceFirst("^0+(?=.)", ""), sb = b.replaceFirst("^0+(?=.)", "");
            return sa.length() != sb.length() ? Integer.compare(sa.length(), sb.length()) : sa.compareTo(sb);
        }
        if (na != nb) return na ? 1 : -1;
        return a.compareTo(b);
    }

    private static boolean isNumber(String s) {
        if (s.isEmpty()) return false;
        for (int i = 0; i < s.length(); i++) if (!Character.isDigit(s.charAt(i))) return false;
        return true;
    }

    // ---------------------------------------------------------------- nodes

    /** Registers a node or updates its domain and address; it becomes ACTIVE with a heartbeat now. */
    public NodeRecord upsertNode(String nodeId, String domain, String address) {
        return upsertNode(nodeId, domain, address, false);
    }

    /** Removes the records of ephemeral nodes (of embedded meshes); returns how many. Nodes of a real mesh stay. */
    public int removeEphemeralNodes() {
        return tx("DELETE ephemeral nodes", c -> {
            try (PreparedStatement ps = c.prepareStatement("DELETE FROM nodes WHERE ephemeral")) {
                return ps.executeUpdate();
            }
        });
    }

    /**
     * As {@link #upsertNode(String, String, String)}; an {@code ephemeral} node (of an embedded mesh)
     * is removed again when its mesh closes.
     */
    public NodeRecord upsertNode(String nodeId, String domain, String address, boolean ephemeral) {
        return upsertNode(nodeId, domain, address, ephemeral, null);
    }

    /** As {@link #upsertNode(String, String, String, boolean)}, with the MeshFL {@code version} the node registered with (null: none said). */
    public NodeRecord upsertNode(String nodeId, String domain, String address, boolean ephemeral, String version) {
        requireText(nodeId, "node id");
        requireText(domain, "domain of node " + nodeId);
        requireText(address, "address of node " + nodeId);
        return tx("MERGE node " + nodeId, true, c -> {
            Instant now = Instant.now();
            try (PreparedStatement ps = c.prepareStatement("UPDATE nodes SET domain = ?, address = ?, status = 'ACTIVE', status_reason = NULL, "
                    + "last_heartbeat = ?, ephemeral = ?, version = ? WHERE node_id = ?")) {
                ps.setString(1, domain);
                ps.setString(2, address);
                ps.setObject(3, ts(now));
                ps.setBoolean(4, ephemeral);
                ps.setString(5, version);
                ps.setString(6, nodeId);
                if (ps.executeUpdate() == 0) {
                    try (PreparedStatement in = c.prepareStatement("INSERT INTO nodes (node_id, domain, address, status, last_heartbeat, "
                            + "registered_at, ephemeral, version) VALUES (?, ?, ?, 'ACTIVE', ?, ?, ?, ?)")) {
                        in.setString(1, nodeId);
                        in.setString(2, domain);
                        in.setString(3, address);
                        in.setObject(4, ts(now));
                        in.setObject(5, ts(now));
                        in.setBoolean(6, ephemeral);
                        in.setString(7, version);
                        in.executeUpdate();
                    }
                }
            }
            return node(c, nodeId).orElseThrow();
        });
    }

    /** Records a heartbeat; a LOST or STOPPED node that beats again is ACTIVE. */
    public NodeRecord heartbeat(String nodeId, Instant at) {
        Instant when = at == null ? Instant.now() : at;
        return setNodeStatus("UPDATE heartbeat of node " + nodeId, nodeId,
                "UPDATE nodes SET last_heartbeat = ?, status = 'ACTIVE', status_reason = NULL WHERE node_id = ?", ts(when));
    }

    /** Marks a node LOST, keeping the reason. */
    public NodeRecord markLost(String nodeId, String reason) {
        return setNodeStatus("UPDATE node " + nodeId + " to LOST", nodeId,
                "UPDATE nodes SET status = 'LOST', status_reason = ? WHERE node_id = ?", reason);
    }

    /** Marks a node STOPPED (shut down on purpose). */
    public NodeRecord markStopped(String nodeId) {
        return setNodeStatus("UPDATE node " + nodeId + " to STOPPED", nodeId,
                "UPDATE nodes SET status = 'STOPPED', status_reason = ? WHERE node_id = ?", "stopped");
    }

    public Optional<NodeRecord> node(String nodeId) {
        return tx("SELECT node " + nodeId, c -> node(c, nodeId));
    }

    /** All nodes by id. */
    public List<NodeRecord> nodes() {
        return tx("SELECT nodes", c -> query(c, "SELECT " + NODE_COLS + " FROM nodes ORDER BY node_id", ps -> {}, Catalog::nodeRow));
    }

    private NodeRecord setNodeStatus(String action, String nodeId, String sql, Object value) {
        requireText(nodeId, "node id");
        return tx(action, c -> {
            try (PreparedStatement ps = c.prepareStatement(sql)) {
                ps.setObject(1, value);
                ps.setString(2, nodeId);
                if (ps.executeUpdate() == 0) {
                    throw new MeshflException(ErrorCode.CATALOG_NOT_FOUND, "node " + nodeId + " is not registered in the catalog");
                }
            }
            return node(c, nodeId).orElseThrow();
        });
    }

    private Optional<NodeRecord> node(Connection c, String nodeId) throws SQLException {
        return first(query(c, "SELECT " + NODE_COLS + " FROM nodes WHERE node_id = ?", ps -> ps.setString(1, nodeId), Catalog::nodeRow));
    }

    // ---------------------------------------------------------------- jobs

    /** Stores a submitted job with a fresh id {@code job-<yyyyMMdd-HHmmss>-<4 hex>} and status SUBMITTED. */
    public JobRecord createJob(String name, String specYaml) {
        requireText(name, "job name");
        if (specYaml == null) throw new MeshflException(ErrorCode.CATALOG_FAILURE, "spec of job " + name + " is missing");
        return tx("INSERT job " + name, true, c -> {
            Instant now = Instant.now();
            String id = freshId(c, "jobs", "job", now);
            try (PreparedStatement ps = c.prepareStatement(
                    "INSERT INTO jobs (id, name, spec_yaml, submitted_at, status) VALUES (?, ?, ?, ?, ?)")) {
                ps.setString(1, id);
                ps.setString(2, name);
                ps.setString(3, specYaml);
                ps.setObject(4, ts(now));
                ps.setString(5, JobRecord.SUBMITTED);
                ps.executeUpdate();
            }
            return job(c, id).orElseThrow();
        });
    }

    /** Sets a job's status (runs also set it: RUNNING when started, then the run's outcome). */
    public JobRecord updateJobStatus(String jobId, String status) {
        requireText(status, "status of job " + jobId);
        return tx("UPDATE status of job " + jobId, c -> {
            setJobStatus(c, jobId, status);
            return job(c, jobId).orElseThrow();
        });
    }

    /** All jobs, newest first. */
    public List<JobRecord> jobs() {
        return tx("SELECT jobs", c -> query(c, "SELECT " + JOB_COLS + " FROM jobs ORDER BY seq DESC", ps -> {}, Catalog::jobRow));
    }

    public Optional<JobRecord> job(String id) {
        return tx("SELECT job " + id, c -> job(c, id));
    }

    private Optional<JobRecord> job(Connection c, String id) throws SQLException {
        return first(query(c, "SELECT " + JOB_COLS + " FROM jobs WHERE id = ?", ps -> ps.setString(1, id), Catalog::jobRow));
    }

    private static void setJobStatus(Connection c, String jobId, String status) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("UPDATE jobs SET status = ? WHERE id = ?")) {
            ps.setString(1, status);
            ps.setString(2, jobId);
            if (ps.executeUpdate() == 0) {
                throw new MeshflException(ErrorCode.CATALOG_NOT_FOUND, "job " + jobId + " is not in the catalog");
            }
        }
    }

    // ---------------------------------------------------------------- runs

    /** Who asked for a run: the submitter's identity, the ticket's nonce and the SHA-256 of the signed ticket. */
    public record Ticket(String submitter, String nonce, String sha256) {
    }

    /**
     * Starts a run of a job over the latest versions of the given products (the exact versions
     * are kept, see {@link #runProducts(String)}) and marks the job RUNNING.
     */
    public RunRecord startRun(String jobId, String strategy, String planJson, String configJson, long seed, List<String> productIds) {
        return startRun(jobId, strategy, planJson, configJson, seed, productIds, null);
    }

    /**
     * As {@link #startRun(String, String, String, String, long, List)}, under a submitter's ticket
     * (null: none); a ticket nonce that another run already used is refused, so a signed job runs once.
     */
    public RunRecord startRun(String jobId, String strategy, String planJson, String configJson, long seed, List<String> productIds,
                              Ticket ticket) {
        List<Read> reads = new ArrayList<>();
        for (String id : productIds == null ? List.<String>of() : productIds) reads.add(new Read(id, null));
        return startRunReading(jobId, strategy, planJson, configJson, seed, reads, ticket);
    }

    /** A product version a run reads: {@code version} null for the product's latest. */
    public record Read(String id, String version) {
    }

    /**
     * As {@link #startRun(String, String, String, String, long, List, Ticket)}, keeping the exact version each product
     * is read at (a job's pin, {@code id@1.0.0}): a run's provenance names what it read, not what is newest; a version
     * the catalog does not hold is refused naming it.
     */
    public RunRecord startRunReading(String jobId, String strategy, String planJson, String configJson, long seed, List<Read> reads,
                                     Ticket ticket) {
        requireText(jobId, "job id");
        requireText(strategy, "strategy of run for job " + jobId);
        Map<String, String> versions = new LinkedHashMap<>();
        for (Read r : reads == null ? List.<Read>of() : reads) versions.putIfAbsent(r.id(), r.version());
        List<String> ids = new ArrayList<>(versions.keySet());
        return tx("INSERT run for job " + jobId, true, c -> {
            if (job(c, jobId).isEmpty()) {
                throw new MeshflException(ErrorCode.CATALOG_NOT_FOUND, "job " + jobId + " is not in the catalog; create it before starting a run");
            }
            if (ticket != null) {
                List<String> used = query(c, "SELECT id FROM runs WHERE nonce = ?", ps -> ps.setString(1, ticket.nonce()), rs -> rs.getString(1));
                if (!used.isEmpty()) {
                    throw new MeshflException(ErrorCode.POLICY_VIOLATION, "the job ticket of " + ticket.submitter() + " with nonce " + ticket.nonce()
                            + " already ran as " + used.get(0) + "; a signed job runs once (sign it again for another run)");
                }
            }
            List<ProductRecord> products = new ArrayList<>();
            for (String id : ids) {
                String v = versions.get(id);
                if (v == null) {
                    products.add(requireProduct(c, id));
                    continue;
                }
                products.add(product(c, id, v).orElseThrow(() -> new MeshflException(ErrorCode.UNKNOWN_PRODUCT,
                        "version " + v + " of data product '" + id + "' is not in the catalog; register it before a run reads it")));
            }
            Instant now = Instant.now();
            String runId = freshId(c, "runs", "run", now);
            try (PreparedStatement ps = c.prepareStatement("INSERT INTO runs (id, job_id, strategy, plan_json, config_json, seed, "
                    + "status, started_at, products_csv, submitter, nonce, ticket_sha256) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)")) {
                ps.setString(1, runId);
                ps.setString(2, jobId);
                ps.setString(3, strategy);
                ps.setString(4, planJson);
                ps.setString(5, configJson);
                ps.setLong(6, seed);
                ps.setString(7, RunRecord.RUNNING);
                ps.setObject(8, ts(now));
                ps.setString(9, String.join(",", ids));
                ps.setString(10, ticket == null ? null : ticket.submitter());
                ps.setString(11, ticket == null ? null : ticket.nonce());
                ps.setString(12, ticket == null ? null : ticket.sha256());
                ps.executeUpdate();
            }
            try (PreparedStatement ps = c.prepareStatement(
                    // the run's number and start beside each product, for the lists of runs over products (RunListing)
                    "INSERT INTO run_products (run_id, product_id, product_version, position, run_seq, run_started_at) "
                            + "SELECT ?, ?, ?, ?, r.seq, r.started_at FROM runs r WHERE r.id = ?")) {
                for (int i = 0; i < products.size(); i++) {
                    ps.setString(1, runId);
                    ps.setString(2, products.get(i).id());
                    ps.setString(3, products.get(i).version());
                    ps.setInt(4, i);
                    ps.setString(5, runId);
                    ps.addBatch();
                }
                if (!products.isEmpty()) ps.executeBatch();
            }
            setJobStatus(c, jobId, RunRecord.RUNNING);
            return run(c, runId).orElseThrow();
        });
    }

    /** Appends one round to a run; a round number is recorded once. */
    public void recordRound(String runId, RoundRecord round) {
        recordRound(runId, round, List.of());
    }

    /** Appends one round to a run with the audit records of its messages, in one commit. */
    public void recordRound(String runId, RoundRecord round, List<AuditRecord> audit) {
        tx("INSERT round " + (round == null ? "?" : round.round()) + " of run " + runId, c -> {
            insertRound(c, runId, round);
            AuditLog.appendIn(c, audit, new ArrayList<>());
            return null;
        });
    }

    /** The checks and insert of {@link #recordRound}, inside a caller's transaction. */
    private static void insertRound(Connection c, String runId, RoundRecord round) throws SQLException {
        requireText(runId, "run id");
        if (round == null) throw new MeshflException(ErrorCode.CATALOG_FAILURE, "round of run " + runId + " is missing");
        if (first(query(c, "SELECT status FROM runs WHERE id = ?", ps -> ps.setString(1, runId), rs -> rs.getString(1))).isEmpty()) {
            throw new MeshflException(ErrorCode.CATALOG_NOT_FOUND, "run " + runId + " is not in the catalog");
        }
        if (!query(c, "SELECT 1 FROM run_rounds WHERE run_id = ? AND round_no = ?",
                ps -> { ps.setString(1, runId); ps.setInt(2, round.round()); }, rs -> 1).isEmpty()) {
            throw new MeshflException(ErrorCode.CATALOG_FAILURE, "round " + round.round() + " of run " + runId + " is already recorded");
        }
        insertRoundRow(c, runId, round);
    }

    /** The row of a round alone: the caller has checked its run (a round committed with its checkpoint checks the run once). */
    static void insertRoundRow(Connection c, String runId, RoundRecord round) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("INSERT INTO run_rounds (run_id, round_no, seconds, bytes_sent, "
                + "bytes_received, nodes_ok, nodes_failed, metrics_json, failures_json) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)")) {
            ps.setString(1, runId);
            ps.setInt(2, round.round());
            ps.setDouble(3, round.seconds());
            ps.setLong(4, round.bytesSent());
            ps.setLong(5, round.bytesReceived());
            ps.setInt(6, round.nodesOk());
            ps.setInt(7, round.nodesFailed());
            ps.setString(8, round.metricsJson());
            ps.setString(9, round.failuresJson());
            ps.executeUpdate();
        }
    }

    /** Ends a RUNNING run as SUCCEEDED with its final metrics and traffic; the job takes the same status. */
    public RunRecord finishRun(String runId, String metricsJson, long bytesSent, long bytesReceived) {
        return endRun(runId, RunRecord.SUCCEEDED, metricsJson, null, bytesSent, bytesReceived);
    }

    /** Ends a RUNNING run as FAILED with the error text; the job takes the same status. */
    public RunRecord failRun(String runId, String error, long bytesSent, long bytesReceived) {
        return endRun(runId, RunRecord.FAILED, null, error == null ? "unknown error" : error, bytesSent, bytesReceived);
    }

    /** Ends a RUNNING run as CANCELLED (someone asked it to stop) with the reason; the job takes the same status. */
    public RunRecord cancelRun(String runId, String reason, long bytesSent, long bytesReceived) {
        return endRun(runId, RunRecord.CANCELLED, null, reason, bytesSent, bytesReceived);
    }

    /**
     * Ends a RUNNING run as INTERRUPTED (its coordinator stopped while it ran, and it cannot be
     * resumed) with the reason; the job takes the same status.
     */
    public RunRecord interruptRun(String runId, String reason) {
        RunRecord r = run(runId).orElseThrow(() -> new MeshflException(ErrorCode.CATALOG_NOT_FOUND, "run " + runId + " is not in the catalog"));
        return endRun(runId, RunRecord.INTERRUPTED, r.metricsJson(), reason, r.bytesSent(), r.bytesReceived());
    }

    /** The runs still marked RUNNING, oldest first. */
    public List<RunRecord> runningRuns() {
        return tx("SELECT running runs", c -> query(c, "SELECT " + RUN_COLS + " FROM runs r WHERE r.status = 'RUNNING' ORDER BY r.seq",
                ps -> { }, Catalog::runRow));
    }

    private RunRecord endRun(String runId, String status, String metricsJson, String error, long sent, long received) {
        requireText(runId, "run id");
        return tx("UPDATE run " + runId + " to " + status, c -> {
            RunRecord run = run(c, runId).orElseThrow(() ->
                    new MeshflException(ErrorCode.CATALOG_NOT_FOUND, "run " + runId + " is not in the catalog"));
            try (PreparedStatement ps = c.prepareStatement("UPDATE runs SET status = ?, ended_at = ?, metrics_json = ?, error = ?, "
                    + "bytes_sent = ?, bytes_received = ? WHERE id = ? AND status = 'RUNNING'")) {
                ps.setString(1, status);
                ps.setObject(2, ts(Instant.now()));
                ps.setString(3, metricsJson);
                ps.setString(4, error);
                ps.setLong(5, sent);
                ps.setLong(6, received);
                ps.setString(7, runId);
                if (ps.executeUpdate() == 0) {
                    throw new MeshflException(ErrorCode.CATALOG_FAILURE, "run " + runId + " already ended as " + run.status()
                            + "; cannot mark it " + status);
                }
            }
            setJobStatus(c, run.jobId(), status);
            return run(c, runId).orElseThrow();
        });
    }

    /** The rounds of a run in round order. */
    public List<RoundRecord> rounds(String runId) {
        return tx("SELECT rounds of run " + runId, c -> query(c, "SELECT round_no, seconds, bytes_sent, bytes_received, nodes_ok, "
                + "nodes_failed, metrics_json, failures_json FROM run_rounds WHERE run_id = ? ORDER BY round_no", ps -> ps.setString(1, runId),
                rs -> new RoundRecord(rs.getInt(1), rs.getDouble(2), rs.getLong(3), rs.getLong(4), rs.getInt(5), rs.getInt(6), rs.getString(7),
                        rs.getString(8))));
    }

    public Optional<RunRecord> run(String id) {
        return tx("SELECT run " + id, c -> run(c, id));
    }

    /** All runs, newest first. */
    public List<RunRecord> runs() {
        return tx("SELECT runs", c -> query(c, "SELECT " + RUN_COLS + " FROM runs r ORDER BY r.seq DESC", ps -> {}, Catalog::runRow));
    }

    /** A page of the runs {@code scope} sees (in state {@code status} when not null), newest first, cut and counted by the database (see {@link RunListing}). */
    public RunListing.Page<RunRecord> runsPage(RunListing.Scope scope, String status, int offset, int limit) {
        return new RunListing(this).runs(scope, status, offset, limit);
    }

    /** A page of the models of the runs {@code scope} sees, newest first (see {@link RunListing#models}). */
    public RunListing.Page<ModelRecord> modelsPage(RunListing.Scope scope, int offset, int limit) {
        return new RunListing(this).models(scope, offset, limit);
    }

    /** How many runs are in each state, counted by the database. */
    public java.util.Map<String, Long> runCountsByStatus() {
        return new RunListing(this).countByStatus();
    }

    /** The runs that read a product (any version), newest first. */
    public List<RunRecord> runsForProduct(String productId) {
        return tx("SELECT runs of product " + productId, c -> query(c, "SELECT " + RUN_COLS
                + " FROM runs r JOIN run_products p ON p.run_id = r.id WHERE p.product_id = ? ORDER BY r.seq DESC",
                ps -> ps.setString(1, productId), Catalog::runRow));
    }

    /** The runs of a job, newest first. */
    public List<RunRecord> runsForJob(String jobId) {
        return tx("SELECT runs of job " + jobId, c -> query(c, "SELECT " + RUN_COLS + " FROM runs r WHERE r.job_id = ? ORDER BY r.seq DESC",
                ps -> ps.setString(1, jobId), Catalog::runRow));
    }

    /** The exact product contract versions a run read, in the order given at start. */
    public List<ProductRecord> runProducts(String runId) {
        return tx("SELECT products of run " + runId, c -> query(c, "SELECT p.id, p.domain, p.version, p.contract_yaml, "
                + "p.contract_sha256, p.registered_at, p.row_count, p.seq FROM run_products rp JOIN products p "
                + "ON p.id = rp.product_id AND p.version = rp.product_version WHERE rp.run_id = ? ORDER BY rp.position",
                ps -> ps.setString(1, runId), Catalog::productRow));
    }

    private Optional<RunRecord> run(Connection c, String id) throws SQLException {
        return first(query(c, "SELECT " + RUN_COLS + " FROM runs r WHERE r.id = ?", ps -> ps.setString(1, id), Catalog::runRow));
    }

    /** Keeps a run's report (see {@link RunReports#save}): without file paths; returns what was stored. */
    public com.fasterxml.jackson.databind.JsonNode saveRunReport(String runId, com.fasterxml.jackson.databind.JsonNode report) {
        return new RunReports(this).save(runId, report);
    }

    /** A run's stored report, if it ended with one (see {@link RunReports}). */
    public Optional<com.fasterxml.jackson.databind.JsonNode> runReport(String runId) {
        return new RunReports(this).find(runId);
    }

    // ---------------------------------------------------------------- models

    /** Stores a trained model's parameters (little-endian doubles) and provenance; {@code runId} may be null. */
    public ModelRecord saveModel(String runId, String modelType, double[] params, String provenanceJson) {
        requireText(modelType, "model type");
        if (params == null) throw new MeshflException(ErrorCode.CATALOG_FAILURE, "parameters of " + modelType + " model are missing");
        byte[] blob = encodeParams(params);
        return tx("INSERT model " + modelType + (runId == null ? "" : " of run " + runId), true, c -> {
            if (runId != null && run(c, runId).isEmpty()) {
                throw new MeshflException(ErrorCode.CATALOG_NOT_FOUND, "run " + runId + " is not in the catalog");
            }
            Instant now = Instant.now();
            String id = freshId(c, "models", "model", now);
            try (PreparedStatement ps = c.prepareStatement("INSERT INTO models (id, run_id, model_type, num_params, params, "
                    + "provenance_json, created_at) VALUES (?, ?, ?, ?, ?, ?, ?)")) {
                ps.setString(1, id);
                ps.setString(2, runId);
                ps.setString(3, modelType);
                ps.setInt(4, params.length);
                ps.setBytes(5, blob);
                ps.setString(6, provenanceJson);
                ps.setObject(7, ts(now));
                ps.executeUpdate();
            }
            return model(c, id).orElseThrow();
        });
    }

    public Optional<ModelRecord> model(String id) {
        return tx("SELECT model " + id, c -> model(c, id));
    }

    /** All models, newest first. */
    public List<ModelRecord> models() {
        return tx("SELECT models", c -> query(c, "SELECT " + MODEL_COLS + " FROM models ORDER BY seq DESC", ps -> {}, Catalog::modelRow));
    }

    /** The models a run produced, newest first. */
    public List<ModelRecord> modelsForRun(String runId) {
        return tx("SELECT models of run " + runId, c -> query(c, "SELECT " + MODEL_COLS + " FROM models WHERE run_id = ? ORDER BY seq DESC",
                ps -> ps.setString(1, runId), Catalog::modelRow));
    }

    private Optional<ModelRecord> model(Connection c, String id) throws SQLException {
        return first(query(c, "SELECT " + MODEL_COLS + " FROM models WHERE id = ?", ps -> ps.setString(1, id), Catalog::modelRow));
    }

    /** Parameters as little-endian IEEE-754 doubles, the form stored in the catalog. */
    public static byte[] encodeParams(double[] params) {
        ByteBuffer buf = ByteBuffer.allocate(params.length * Double.BYTES).order(ByteOrder.LITTLE_ENDIAN);
        buf.asDoubleBuffer().put(params);
        return buf.array();
    }

    /** Decodes parameters stored by {@link #encodeParams(double[])}. */
    public static double[] decodeParams(byte[] blob) {
        if (blob == null) return new double[0];
        if (blob.length % Double.BYTES != 0) {
            throw new MeshflException(ErrorCode.CATALOG_FAILURE, "model parameter blob has " + blob.length
                    + " bytes, not a multiple of " + Double.BYTES);
        }
        double[] out = new double[blob.length / Double.BYTES];
        ByteBuffer.wrap(blob).order(ByteOrder.LITTLE_ENDIAN).asDoubleBuffer().get(out);
        return out;
    }

    // ---------------------------------------------------------------- audit log

    /** Logs one cross-domain message; see {@link AuditLog#append}. */
    public long audit(AuditRecord record) {
        return new AuditLog(this).append(List.of(record)).get(0);
    }

    /** Logs many messages in one transaction; returns how many were logged. */
    public int auditBatch(List<AuditRecord> records) {
        if (records == null || records.isEmpty()) return 0;
        return new AuditLog(this).append(records).size();
    }

    /** See {@link AuditLog#list}. */
    public List<AuditRecord> auditLog(String runIdOrNull, int limit) {
        return new AuditLog(this).list(runIdOrNull, limit);
    }

    /** A page of the audit log, newest first, filtered and counted by the database (see {@link AuditLog#page}). */
    public AuditLog.Page auditPage(AuditLog.Filter filter, int offset, int limit) {
        return new AuditLog(this).page(filter, offset, limit);
    }

    // ---------------------------------------------------------------- plumbing

    @FunctionalInterface
    interface SqlWork<T> {
        T run(Connection c) throws SQLException;
    }

    @FunctionalInterface
    interface Binder {
        void bind(PreparedStatement ps) throws SQLException;
    }

    @FunctionalInterface
    interface RowMapper<T> {
        T map(ResultSet rs) throws SQLException;
    }

    private <T> T tx(String action, SqlWork<T> work) {
        return tx(action, false, work);
    }

    /** One transaction for the catalog's stores ({@link AuditLog}, {@link PrivacyLedger}, ...), retried on transient conflicts. */
    <T> T transaction(String action, SqlWork<T> work) {
        return tx(action, false, work);
    }

    /**
     * Runs work in one transaction. Transient conflicts between concurrent writers (H2 reports a
     * concurrent update, deadlock or lock timeout) are retried; with {@code retryDuplicates} so is a
     * duplicate key, which for upserts and fresh ids means another writer won a race.
     */
    /** Told how long every transaction took, in nanoseconds (the coordinator's metrics); nothing by default. */
    private volatile java.util.function.LongConsumer timing = nanos -> { };

    /** Has {@code sink} told the duration of every transaction from now on, in nanoseconds. */
    public Catalog timing(java.util.function.LongConsumer sink) {
        this.timing = sink;
        return this;
    }

    private <T> T tx(String action, boolean retryDuplicates, SqlWork<T> work) {
        long t0 = System.nanoTime();
        try {
            return txOnce(action, retryDuplicates, work);
        } finally {
            timing.accept(System.nanoTime() - t0);
        }
    }

    private <T> T txOnce(String action, boolean retryDuplicates, SqlWork<T> work) {
        if (closed) throw new MeshflException(ErrorCode.CATALOG_FAILURE, "catalog " + url + " is closed; cannot " + action);
        long outageDeadline = 0;
        for (int attempt = 1; ; attempt++) {
            try (Connection c = pool.getConnection()) {
                c.setAutoCommit(false);
                try {
                    T result = work.run(c);
                    c.commit();
                    return result;
                } catch (SQLException | RuntimeException e) {
                    try {
                        c.rollback();
                    } catch (SQLException rollbackFailure) {
                        e.addSuppressed(rollbackFailure);
                    }
                    // the pool says only "Connection is closed" when the database dropped it: ask the connection itself
                    if (e instanceof SQLException se && !isConnectionLoss(se) && !valid(c)) {
                        throw new java.sql.SQLTransientConnectionException(se.getMessage(), "08006", se);
                    }
                    throw e;
                } finally {
                    try {
                        c.setAutoCommit(true);
                    } catch (SQLException ignored) {
                        // a connection the database dropped is evicted by the pool
                    }
                }
            } catch (SQLException e) {
                if (attempt < MAX_ATTEMPTS && isTransient(e, retryDuplicates)) {
                    pause(attempt);
                    continue;
                }
                // a database that restarts or a network that blinks: the work waits for it, up to OUTAGE_PATIENCE
                if (!closed && isConnectionLoss(e)) {
                    if (outageDeadline == 0) outageDeadline = System.nanoTime() + OUTAGE_PATIENCE.toNanos();
                    if (System.nanoTime() < outageDeadline) {
                        sleepQuietly(Math.min(1000, 100L * attempt));
                        continue;
                    }
                    throw new MeshflException(ErrorCode.CATALOG_FAILURE, "catalog: " + action + " failed: the catalog did not answer for "
                            + OUTAGE_PATIENCE.toSeconds() + " s (" + e.getMessage() + ")", e);
                }
                if (closed) throw new MeshflException(ErrorCode.CATALOG_FAILURE, "catalog " + url + " is closed; cannot " + action, e);
                throw new MeshflException(ErrorCode.CATALOG_FAILURE, "catalog: " + action + " failed: " + e.getMessage(), e);
            }
        }
    }

    /** How long a catalog transaction waits for a database that went away (restarting, or a network that blinked). */
    static final java.time.Duration OUTAGE_PATIENCE = java.time.Duration.ofSeconds(30);

    /** The database could not be reached or dropped the connection (SQLSTATE class 08, or an administrator's shutdown). */
    static boolean isConnectionLoss(SQLException e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof java.sql.SQLTransientConnectionException || t instanceof java.sql.SQLNonTransientConnectionException) return true;
            if (t instanceof SQLException s && s.getSQLState() != null) {
                String state = s.getSQLState();
                if (state.startsWith("08") || state.equals("57P01") || state.equals("57P02") || state.equals("57P03")) return true;
            }
        }
        return false;
    }

    private static boolean valid(Connection c) {
        try {
            return c.isValid(1);
        } catch (SQLException e) {
            return false;
        }
    }

    private static void sleepQuietly(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException ie) {
            Thread.currentThread().interrupt();
            throw new MeshflException(ErrorCode.CATALOG_FAILURE, "interrupted while waiting for the catalog to come back", ie);
        }
    }

    private static boolean isTransient(SQLException e, boolean retryDuplicates) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof SQLException s) {
                int code = s.getErrorCode();
                // 90131 concurrent update, 40001 deadlock, 50200 lock timeout (H2 error codes).
                if (code == 90131 || code == 40001 || code == 50200) return true;
                // serialization failure, deadlock, lock timeout (PostgreSQL SQL states)
                String state = s.getSQLState();
                if ("40001".equals(state) || "40P01".equals(state) || "55P03".equals(state)) return true;
                if (retryDuplicates && "23505".equals(state)) return true;
            }
        }
        return false;
    }

    private static void pause(int attempt) {
        try {
            Thread.sleep(ThreadLocalRandom.current().nextLong(5, 20L * attempt));
        } catch (InterruptedException ie) {
            Thread.currentThread().interrupt();
            throw new MeshflException(ErrorCode.CATALOG_FAILURE, "interrupted while retrying a catalog transaction", ie);
        }
    }

    static <T> List<T> query(Connection c, String sql, Binder binder, RowMapper<T> mapper) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(sql)) {
            binder.bind(ps);
            try (ResultSet rs = ps.executeQuery()) {
                List<T> out = new ArrayList<>();
                while (rs.next()) out.add(mapper.map(rs));
                return out;
            }
        }
    }

    static <T> Optional<T> first(List<T> rows) {
        return rows.isEmpty() ? Optional.empty() : Optional.of(rows.get(0));
    }

    /** A new id {@code <prefix>-<yyyyMMdd-HHmmss>-<4 hex>} not yet used in the table. */
    private static String freshId(Connection c, String table, String prefix, Instant now) throws SQLException {
        String stamp = ID_TIME.format(now);
        for (int i = 0; i < 64; i++) {
            String id = String.format("%s-%s-%04x", prefix, stamp, ThreadLocalRandom.current().nextInt(0x10000));
            if (query(c, "SELECT 1 FROM " + table + " WHERE id = ?", ps -> ps.setString(1, id), rs -> 1).isEmpty()) return id;
        }
        throw new MeshflException(ErrorCode.CATALOG_FAILURE, "no free " + prefix + " id left for second " + stamp);
    }

    static void requireText(String value, String what) {
        if (value == null || value.isBlank()) throw new MeshflException(ErrorCode.CATALOG_FAILURE, what + " must not be blank");
    }

    static OffsetDateTime ts(Instant i) {
        return i == null ? null : OffsetDateTime.ofInstant(i, ZoneOffset.UTC);
    }

    static Instant instant(ResultSet rs, int column) throws SQLException {
        OffsetDateTime t = rs.getObject(column, OffsetDateTime.class);
        return t == null ? null : t.toInstant();
    }

    private static void closeQuietly(AutoCloseable c) {
        if (c == null) return;
        try {
            c.close();
        } catch (Exception ignored) {
            // Closing on shutdown or after a failed open: nothing left to do with the error.
        }
    }

    private static DomainRecord domainRow(ResultSet rs) throws SQLException {
        return new DomainRecord(rs.getString(1), rs.getString(2), instant(rs, 3));
    }

    private static ProductRecord productRow(ResultSet rs) throws SQLException {
        return new ProductRecord(rs.getString(1), rs.getString(2), rs.getString(3), rs.getString(4), rs.getString(5).trim(),
                instant(rs, 6), rs.getInt(7));
    }

    private static NodeRecord nodeRow(ResultSet rs) throws SQLException {
        return new NodeRecord(rs.getString(1), rs.getString(2), rs.getString(3), rs.getString(4), instant(rs, 5), rs.getString(6));
    }

    private static JobRecord jobRow(ResultSet rs) throws SQLException {
        return new JobRecord(rs.getString(1), rs.getString(2), rs.getString(3), instant(rs, 4), rs.getString(5));
    }

    private static RunRecord runRow(ResultSet rs) throws SQLException {
        return new RunRecord(rs.getString(1), rs.getString(2), rs.getString(3), rs.getString(4), rs.getString(5), rs.getLong(6),
                rs.getString(7), instant(rs, 8), instant(rs, 9), rs.getLong(10), rs.getLong(11), rs.getString(12),
                rs.getString(13), rs.getString(14), rs.getString(15), rs.getString(16));
    }

    private static ModelRecord modelRow(ResultSet rs) throws SQLException {
        return new ModelRecord(rs.getString(1), rs.getString(2), rs.getString(3), rs.getInt(4), rs.getBytes(5), rs.getString(6),
                instant(rs, 7));
    }

}

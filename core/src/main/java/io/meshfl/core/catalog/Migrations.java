package io.meshfl.core.catalog;

import io.meshfl.core.ErrorCode;
import io.meshfl.core.MeshflException;

import java.io.IOException;
import java.io.InputStream;
import java.net.JarURLConnection;
import java.net.URISyntaxException;
import java.net.URL;
import java.net.URLConnection;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.Enumeration;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.jar.JarEntry;
import java.util.jar.JarFile;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.sql.DataSource;

/**
 * Versioned schema migrations: SQL files named {@code V<n>__<description>.sql}, applied in
 * version order and recorded in a {@code schema_version} table with their SHA-256 checksum.
 * Refuses to run when an applied file has since changed, or when the database carries a
 * version this build does not know.
 *
 * <p>Safe when several processes (H2 {@code AUTO_SERVER}) or threads open the same database:
 * a row lock on {@code schema_lock} admits one migrator at a time.
 */
public final class Migrations {

    /** Where the catalog's own migrations live on the class path. */
    public static final String CATALOG_LOCATION = "db/catalog";

    private static final Pattern FILE_NAME = Pattern.compile("V(\\d+)__(.+)\\.sql");
    private static final int LOCK_WAIT_MILLIS = 120_000;

    /** One migration file. */
    public record Migration(int version, String description, String fileName, String sql) {
        /** SHA-256 (hex) of the script with line endings normalised, so a CRLF checkout is not a change. */
        public String checksum() {
            return sha256Hex(sql.replace("\r\n", "\n"));
        }
    }

    /** A migration already recorded in {@code schema_version}. */
    public record Applied(int version, String description, String script, String checksum, Instant appliedAt) {}

    private final List<Migration> migrations;

    public Migrations(List<Migration> migrations) {
        List<Migration> sorted = new ArrayList<>(migrations);
        sorted.sort(Comparator.comparingInt(Migration::version));
        for (int i = 1; i < sorted.size(); i++) {
            if (sorted.get(i).version() == sorted.get(i - 1).version()) {
                throw new MeshflException(ErrorCode.CATALOG_FAILURE, "two migrations share version "
                        + sorted.get(i).version() + ": " + sorted.get(i - 1).fileName() + " and " + sorted.get(i).fileName());
            }
        }
        this.migrations = List.copyOf(sorted);
    }

    /** The catalog's migrations from {@value #CATALOG_LOCATION} on the class path. */
    public static Migrations catalog() {
        return new Migrations(fromClasspath(CATALOG_LOCATION));
    }

    public List<Migration> migrations() {
        return migrations;
    }

    /** Reads every {@code V<n>__*.sql} under a class-path folder, from directories and jars alike. */
    public static List<Migration> fromClasspath(String location) {
        String folder = location.endsWith("/") ? location.substring(0, location.length() - 1) : location;
        ClassLoader loader = Migrations.class.getClassLoader();
        Map<String, Migration> byName = new TreeMap<>();
        try {
            Enumeration<URL> roots = loader.getResources(folder);
            while (roots.hasMoreElements()) {
                URL root = roots.nextElement();
                for (String name : listFolder(root, folder)) {
                    if (!name.endsWith(".sql") || byName.containsKey(name)) continue;
                    try (InputStream in = loader.getResourceAsStream(folder + "/" + name)) {
                        if (in == null) throw new IOException("cannot read " + folder + "/" + name);
                        byName.put(name, parse(name, new String(in.readAllBytes(), StandardCharsets.UTF_8)));
                    }
                }
            }
        } catch (IOException | URISyntaxException e) {
            throw new MeshflException(ErrorCode.CATALOG_FAILURE,
                    "cannot list schema migrations in class-path folder " + folder + ": " + e.getMessage(), e);
        }
        if (byName.isEmpty()) {
            throw new MeshflException(ErrorCode.CATALOG_FAILURE, "no schema migrations found in class-path folder " + folder);
        }
        return List.copyOf(byName.values());
    }

    /** Reads every {@code V<n>__*.sql} in a directory. */
    public static List<Migration> fromDirectory(Path dir) {
        List<Migration> result = new ArrayList<>();
        try (var files = Files.list(dir)) {
            for (Path f : files.sorted().toList()) {
                String name = f.getFileName().toString();
                if (name.endsWith(".sql")) result.add(parse(name, Files.readString(f, StandardCharsets.UTF_8)));
            }
        } catch (IOException e) {
            throw new MeshflException(ErrorCode.CATALOG_FAILURE, "cannot read schema migrations in " + dir + ": " + e.getMessage(), e);
        }
        return result;
    }

    /** Builds a migration from its file name ({@code V<n>__<description>.sql}) and text. */
    public static Migration parse(String fileName, String sql) {
        Matcher m = FILE_NAME.matcher(fileName);
        if (!m.matches()) {
            throw new MeshflException(ErrorCode.CATALOG_FAILURE,
                    "schema migration file " + fileName + " is not named V<version>__<description>.sql");
        }
        return new Migration(Integer.parseInt(m.group(1)), m.group(2).replace('_', ' '), fileName, sql);
    }

    /**
     * Applies every pending migration, each in its own transaction together with its
     * {@code schema_version} row, and returns how many were applied. H2 commits DDL statements
     * implicitly, so a script that fails half-way may leave its earlier DDL behind; the error
     * names the file and statement.
     */
    public int apply(DataSource dataSource) {
        try (Connection lock = dataSource.getConnection(); Connection work = dataSource.getConnection()) {
            bootstrap(lock);
            lock.setAutoCommit(false);
            try (Statement s = lock.createStatement()) {
                int previousTimeout;
                try (ResultSet rs = s.executeQuery("CALL LOCK_TIMEOUT()")) {
                    rs.next();
                    previousTimeout = rs.getInt(1);
                }
                s.execute("SET LOCK_TIMEOUT " + LOCK_WAIT_MILLIS);
                // Held until commit: any other migrator, in this process or another one attached
                // through AUTO_SERVER, waits here until we are done.
                s.executeQuery("SELECT id FROM schema_lock WHERE id = 1 FOR UPDATE").close();
                try {
                    return applyPending(work);
                } finally {
                    lock.commit();
                    lock.setAutoCommit(true);
                    s.execute("SET LOCK_TIMEOUT " + previousTimeout);
                }
            }
        } catch (SQLException e) {
            throw new MeshflException(ErrorCode.CATALOG_FAILURE, "cannot apply schema migrations (take migration lock): " + e.getMessage(), e);
        }
    }

    /** The migrations recorded in the database, in version order. */
    public static List<Applied> applied(Connection c) throws SQLException {
        List<Applied> result = new ArrayList<>();
        try (Statement s = c.createStatement();
             ResultSet rs = s.executeQuery(
                     "SELECT version, description, script, checksum, applied_at FROM schema_version ORDER BY version")) {
            while (rs.next()) {
                result.add(new Applied(rs.getInt(1), rs.getString(2), rs.getString(3), rs.getString(4),
                        rs.getObject(5, OffsetDateTime.class).toInstant()));
            }
        }
        return result;
    }

    private static void bootstrap(Connection c) throws SQLException {
        try (Statement s = c.createStatement()) {
            s.execute("CREATE TABLE IF NOT EXISTS schema_lock (id INT PRIMARY KEY)");
            s.execute("CREATE TABLE IF NOT EXISTS schema_version ("
                    + "version INT PRIMARY KEY, description VARCHAR(500) NOT NULL, script VARCHAR(500) NOT NULL, "
                    + "checksum CHAR(64) NOT NULL, applied_at TIMESTAMP(9) WITH TIME ZONE NOT NULL)");
            try {
                s.execute("INSERT INTO schema_lock (id) SELECT 1 WHERE NOT EXISTS (SELECT 1 FROM schema_lock WHERE id = 1)");
            } catch (SQLException e) {
                // Another migrator inserted the row between our check and our insert: the row exists, as wanted.
                if (!"23505".equals(e.getSQLState())) throw e;
            }
        }
    }

    private int applyPending(Connection c) throws SQLException {
        Map<Integer, Applied> applied = new LinkedHashMap<>();
        for (Applied a : applied(c)) applied.put(a.version(), a);
        Map<Integer, Migration> known = new LinkedHashMap<>();
        for (Migration m : migrations) known.put(m.version(), m);
        for (Applied a : applied.values()) {
            Migration m = known.get(a.version());
            if (m == null) {
                throw new MeshflException(ErrorCode.CATALOG_FAILURE, "the catalog database has schema version "
                        + a.version() + " (" + a.script() + ") applied, which this MeshFL build does not know; use a newer build");
            }
            if (!m.checksum().equals(a.checksum().trim())) {
                throw new MeshflException(ErrorCode.CATALOG_FAILURE, "schema migration " + m.fileName()
                        + " was changed after it was applied (checksum " + a.checksum().trim() + " recorded, "
                        + m.checksum() + " now); never edit an applied migration, add a new V" + (lastVersion() + 1) + "__ file");
            }
        }
        int count = 0;
        for (Migration m : migrations) {
            if (applied.containsKey(m.version())) continue;
            applyOne(c, m);
            count++;
        }
        return count;
    }

    private int lastVersion() {
        return migrations.isEmpty() ? 0 : migrations.get(migrations.size() - 1).version();
    }

    private static void applyOne(Connection c, Migration m) throws SQLException {
        boolean autoCommit = c.getAutoCommit();
        c.setAutoCommit(false);
        List<String> statements = splitStatements(m.sql());
        int index = 0;
        try {
            try (Statement s = c.createStatement()) {
                for (String sql : statements) {
                    index++;
                    s.execute(sql);
                }
            }
            try (PreparedStatement ps = c.prepareStatement(
                    "INSERT INTO schema_version (version, description, script, checksum, applied_at) VALUES (?, ?, ?, ?, ?)")) {
                ps.setInt(1, m.version());
                ps.setString(2, m.description());
                ps.setString(3, m.fileName());
                ps.setString(4, m.checksum());
                ps.setObject(5, OffsetDateTime.now(ZoneOffset.UTC));
                ps.executeUpdate();
            }
            c.commit();
        } catch (SQLException e) {
            c.rollback();
            String where = index <= statements.size() && index > 0 ? " statement " + index + " of " + statements.size() : "";
            throw new MeshflException(ErrorCode.CATALOG_FAILURE,
                    "schema migration " + m.fileName() + " failed at" + where + ": " + e.getMessage(), e);
        } finally {
            c.setAutoCommit(autoCommit);
        }
    }

    /** Splits a script on semicolons outside quotes and comments; comments are dropped. */
    static List<String> splitStatements(String script) {
        List<String> out = new ArrayList<>();
        StringBuilder cur = new StringBuilder();
        int n = script.length();
        for (int i = 0; i < n; i++) {
            char ch = script.charAt(i);
            if (ch == '-' && i + 1 < n && script.charAt(i + 1) == '-') {
                while (i < n && script.charAt(i) != '\n') i++;
                cur.append('\n');
            } else if (ch == '/' && i + 1 < n && script.charAt(i + 1) == '*') {
                int end = script.indexOf("*/", i + 2);
                i = end < 0 ? n : end + 1;
                cur.append(' ');
            } else if (ch == '\'' || ch == '"') {
                int j = i + 1;
                while (j < n) {
                    if (script.charAt(j) == ch) {
                        if (j + 1 < n && script.charAt(j + 1) == ch) j += 2;
                        else break;
                    } else {
                        j++;
                    }
                }
                cur.append(script, i, Math.min(j + 1, n));
                i = j;
            } else if (ch == ';') {
                addStatement(out, cur);
            } else {
                cur.append(ch);
            }
        }
        addStatement(out, cur);
        return out;
    }

    private static void addStatement(List<String> out, StringBuilder cur) {
        String s = cur.toString().strip();
        if (!s.isEmpty()) out.add(s);
        cur.setLength(0);
    }

    private static List<String> listFolder(URL root, String folder) throws IOException, URISyntaxException {
        List<String> names = new ArrayList<>();
        if ("file".equals(root.getProtocol())) {
            try (var files = Files.list(Paths.get(root.toURI()))) {
                files.forEach(f -> names.add(f.getFileName().toString()));
            }
        } else if ("jar".equals(root.getProtocol())) {
            URLConnection conn = root.openConnection();
            conn.setUseCaches(false);
            String prefix = folder + "/";
            try (JarFile jar = ((JarURLConnection) conn).getJarFile()) {
                Enumeration<JarEntry> entries = jar.entries();
                while (entries.hasMoreElements()) {
                    String name = entries.nextElement().getName();
                    if (name.startsWith(prefix) && name.indexOf('/', prefix.length()) < 0 && name.length() > prefix.length()) {
                        names.add(name.substring(prefix.length()));
                    }
                }
            }
        } else {
            throw new IOException("unsupported class-path location " + root);
        }
        return names;
    }

    static String sha256Hex(String text) {
        try {
            MessageDigest md = MessageDigest.getInstance("SHA-256");
            return HexFormat.of().formatHex(md.digest(text.getBytes(StandardCharsets.UTF_8)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is required of every Java platform", e);
        }
    }
}

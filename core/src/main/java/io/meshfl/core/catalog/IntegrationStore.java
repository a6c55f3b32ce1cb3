package io.meshfl.core.catalog;

import io.meshfl.core.ErrorCode;
import io.meshfl.core.MeshflException;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Versioned mesh integrations in the catalog. A new version of an integration is kept beside
 * the older ones, so a run can name the exact version it trained on; re-registering a version
 * with the same YAML is a no-op and with different YAML is refused. The YAML is stored as
 * given; validating it against contracts is the caller's job (see the integration loader).
 */
public final class IntegrationStore {

    private static final String COLS = "id, version, integration_yaml, yaml_sha256, registered_at";

    private final Catalog catalog;

    public IntegrationStore(Catalog catalog) {
        this.catalog = catalog;
    }

    /** Registers a version of an integration and returns the stored record. */
    public IntegrationRecord register(String id, String version, String yaml) {
        requireText(id, "integration id");
        requireText(version, "version of integration " + id);
        if (yaml == null || yaml.isBlank()) {
            throw new MeshflException(ErrorCode.CATALOG_FAILURE, "integration " + id + " version " + version + " is empty");
        }
        String sha = io.meshfl.core.trust.HashChain.sha256Hex(yaml);
        String action = "register integration " + id + " version " + version;
        // Two attempts: a concurrent writer may insert the same version between our read and our insert.
        for (int attempt = 1; ; attempt++) {
            try (Connection c = catalog.connection()) {
                Optional<IntegrationRecord> existing = byVersion(c, id, version);
                if (existing.isPresent()) return sameOrRefuse(existing.get(), sha);
                Instant now = Instant.now();
                try (PreparedStatement ps = c.prepareStatement("INSERT INTO integrations (id, version, integration_yaml, "
                        + "yaml_sha256, registered_at) VALUES (?, ?, ?, ?, ?)")) {
                    ps.setString(1, id);
                    ps.setString(2, version);
                    ps.setString(3, yaml);
                    ps.setString(4, sha);
                    ps.setObject(5, OffsetDateTime.ofInstant(now, ZoneOffset.UTC));
                    ps.executeUpdate();
                }
                return byVersion(c, id, version).orElseThrow();
            } catch (SQLException e) {
                if (attempt < 2 && "23505".equals(e.getSQLState())) continue;
                throw failure(action, e);
            }
        }
    }

    private static IntegrationRecord sameOrRefuse(IntegrationRecord existing, String sha) {
        if (existing.sha256().equals(sha)) return existing;
        throw new MeshflException(ErrorCode.CATALOG_FAILURE, "integration " + existing.id() + " version " + existing.version()
                + " is already registered with different YAML (sha256 " + existing.sha256() + ", new " + sha
                + "); bump the version to publish a changed integration");
    }

    /** The latest version: highest version number, ties broken by registration order. */
    public Optional<IntegrationRecord> latest(String id) {
        return latest(versionsInOrder(id));
    }

    /** The latest version, or {@link ErrorCode#CATALOG_NOT_FOUND} when the id is unknown. */
    public IntegrationRecord requireLatest(String id) {
        return latest(id).orElseThrow(() -> new MeshflException(ErrorCode.CATALOG_NOT_FOUND,
                "unknown integration '" + id + "' (" + knownIds() + ")"));
    }

    /** One exact version. */
    public Optional<IntegrationRecord> byVersion(String id, String version) {
        return read("find integration " + id + " version " + version, c -> byVersion(c, id, version));
    }

    /** Every version of an integration, oldest version first; empty when unknown. */
    public List<IntegrationRecord> versions(String id) {
        List<IntegrationRecord> all = new ArrayList<>(versionsInOrder(id));
        all.sort((a, b) -> Catalog.compareVersions(a.version(), b.version()));
        return all;
    }

    /** The latest version of every integration, by id. */
    public List<IntegrationRecord> list() {
        List<IntegrationRecord> rows = read("list integrations",
                c -> query(c, "SELECT " + COLS + " FROM integrations ORDER BY id, seq", null));
        Map<String, List<IntegrationRecord>> byId = new LinkedHashMap<>();
        for (IntegrationRecord r : rows) byId.computeIfAbsent(r.id(), k -> new ArrayList<>()).add(r);
        List<IntegrationRecord> out = new ArrayList<>();
        for (List<IntegrationRecord> versions : byId.values()) latest(versions).ifPresent(out::add);
        return out;
    }

    private List<IntegrationRecord> versionsInOrder(String id) {
        return read("find versions of integration " + id,
                c -> query(c, "SELECT " + COLS + " FROM integrations WHERE id = ? ORDER BY seq", id));
    }

    private String knownIds() {
        List<String> ids = list().stream().map(IntegrationRecord::id).toList();
        return ids.isEmpty() ? "no integrations are registered" : "known integrations: " + String.join(", ", ids);
    }

    /** Picks the highest version; the input is in registration order so a later tie wins. */
    private static Optional<IntegrationRecord> latest(List<IntegrationRecord> versions) {
        IntegrationRecord best = null;
        for (IntegrationRecord r : versions) {
            if (best == null || Catalog.compareVersions(r.version(), best.version()) >= 0) best = r;
        }
        return Optional.ofNullable(best);
    }

    private static Optional<IntegrationRecord> byVersion(Connection c, String id, String version) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("SELECT " + COLS + " FROM integrations WHERE id = ? AND version = ?")) {
            ps.setString(1, id);
            ps.setString(2, version);
            List<IntegrationRecord> rows = rows(ps);
            return rows.isEmpty() ? Optional.empty() : Optional.of(rows.get(0));
        }
    }

    private static List<IntegrationRecord> query(Connection c, String sql, String id) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(sql)) {
            if (id != null) ps.setString(1, id);
            return rows(ps);
        }
    }

    private static List<IntegrationRecord> rows(PreparedStatement ps) throws SQLException {
        List<IntegrationRecord> out = new ArrayList<>();
        try (ResultSet rs = ps.executeQuery()) {
            while (rs.next()) {
                out.add(new IntegrationRecord(rs.getString(1), rs.getString(2), rs.getString(3), rs.getString(4).trim(),
                        rs.getObject(5, OffsetDateTime.class).toInstant()));
            }
        }
        return out;
    }

    private interface Read<T> {
        T run(Connection c) throws SQLException;
    }

    private <T> T read(String action, Read<T> work) {
        try (Connection c = catalog.connection()) {
            return work.run(c);
        } catch (SQLException e) {
            throw failure(action, e);
        }
    }

    private MeshflException failure(String action, SQLException e) {
        return new MeshflException(ErrorCode.CATALOG_FAILURE, "catalog: " + action + " failed: " + e.getMessage(), e);
    }

    private static void requireText(String value, String what) {
        if (value == null || value.isBlank()) throw new MeshflException(ErrorCode.CATALOG_FAILURE, what + " must not be blank");
    }
}

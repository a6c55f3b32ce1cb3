package io.meshfl.core.catalog;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.meshfl.core.ErrorCode;
import io.meshfl.core.MeshflException;

import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * The catalog's model registry: every stored model is one version of a named model (its job's
 * name), owned by whoever submitted the job, at one stage. A model goes to production only with the
 * signed approval of the owner of every product it learned from (checked by the caller against the
 * mesh CA, see {@link io.meshfl.core.trust.ApprovalVerifier}); each approval covers the exact product
 * version and contract hash the model learned from. Every change of stage is kept in order.
 */
public final class ModelRegistry {

    /** Where a model version stands. */
    public enum Stage {
        /** Stored by its run; not yet approved by every owner of its inputs. */
        CANDIDATE,
        /** Every owner of its inputs approved it. */
        APPROVED,
        /** Promoted: the version of its name that serves; at most one per name. */
        PRODUCTION,
        /** Withdrawn, or replaced in production by a later version. */
        RETIRED;

        public String label() {
            return name().toLowerCase(Locale.ROOT);
        }
    }

    /** A registered model version. */
    public record Entry(String modelId, String name, int version, String owner, Stage stage, String outputContract, Instant updatedAt) {
    }

    /** A product a model learned from, as the run used it: the owner who must approve, the version and the contract's hash. */
    public record Input(String productId, String domain, String version, String contractSha256) {
    }

    /**
     * An owner's approval, as verified and stored. {@code carriedFrom} is the champion a retrained
     * challenger took it over from (its products and grants unchanged), whose statement the
     * signature is over; null for an approval of this very version.
     */
    public record Approval(String modelId, String productId, String productVersion, String contractSha256, String approver,
                           String certificateSha256, String signature, Instant at, String carriedFrom) {
    }

    /** One change of stage. */
    public record StageChange(int seq, Stage stage, String actor, String reason, Instant at) {
    }

    private static final ObjectMapper JSON = new ObjectMapper();
    private final Catalog catalog;

    public ModelRegistry(Catalog catalog) {
        this.catalog = catalog;
    }

    /** Registers stored model {@code modelId} as the next version of {@code name}, a candidate owned by {@code owner}. */
    public Entry register(String modelId, String name, String owner) {
        requireModel(modelId);
        return catalog.transaction("INSERT model registry entry " + modelId, c -> {
            int version = 1 + Catalog.query(c, "SELECT COALESCE(MAX(version), 0) FROM model_registry WHERE name = ?", ps -> ps.setString(1, name),
                    rs -> rs.getInt(1)).get(0);
            Instant now = Instant.now();
            try (PreparedStatement ps = c.prepareStatement("INSERT INTO model_registry (model_id, name, version, owner, stage, updated_at) "
                    + "VALUES (?, ?, ?, ?, ?, ?)")) {
                ps.setString(1, modelId);
                ps.setString(2, name);
                ps.setInt(3, version);
                ps.setString(4, owner);
                ps.setString(5, Stage.CANDIDATE.name());
                ps.setObject(6, Catalog.ts(now));
                ps.executeUpdate();
            }
            stageChange(c, modelId, Stage.CANDIDATE, owner, "stored by its run", now);
            return entry(c, modelId).orElseThrow();
        });
    }

    public Optional<Entry> entry(String modelId) {
        return catalog.transaction("SELECT model registry entry " + modelId, c -> entry(c, modelId));
    }

    /** The registered versions, newest first. */
    public List<Entry> list() {
        return catalog.transaction("SELECT model registry", c -> Catalog.query(c, "SELECT model_id, name, version, owner, stage, output_contract, "
                + "updated_at FROM model_registry ORDER BY name, version DESC", ps -> { }, ModelRegistry::entry));
    }

    /** The products model {@code modelId} learned from (its training products), each with the contract hash of the version used. */
    public List<Input> inputs(String modelId) {
        ModelRecord m = requireModel(modelId);
        List<Input> out = new ArrayList<>();
        try {
            JsonNode prov = JSON.readTree(m.provenanceJson() == null ? "{}" : m.provenanceJson());
            for (JsonNode p : prov.path("products")) {
                if (!"train".equals(p.path("role").asText("train"))) continue;
                String id = p.path("id").asText(), version = p.path("version").asText();
                ProductRecord r = catalog.product(id, version).orElseThrow(() -> new MeshflException(ErrorCode.CATALOG_NOT_FOUND,
                        "model " + modelId + " learned from " + id + "@" + version + ", which the catalog no longer holds"));
                out.add(new Input(id, r.domain(), version, r.contractSha256()));
            }
        } catch (java.io.IOException e) {
            throw new MeshflException(ErrorCode.CATALOG_FAILURE, "provenance of model " + modelId + " is unreadable", e);
        }
        return out;
    }

    /**
     * The exact bytes the owner of {@code input} signs to approve model {@code modelId}: the model,
     * its name and version, the product, the version the model learned from and its contract's hash,
     * so an approval cannot be carried to another model, version or contract.
     */
    public static byte[] statement(Entry e, Input input) {
        return ("meshfl model approval v1\nmodel=" + e.modelId() + "\nname=" + e.name() + "\nversion=" + e.version() + "\nproduct="
                + input.productId() + "\nproduct_version=" + input.version() + "\ncontract_sha256=" + input.contractSha256() + "\n")
                .getBytes(StandardCharsets.UTF_8);
    }

    public List<Approval> approvals(String modelId) {
        return catalog.transaction("SELECT model approvals " + modelId, c -> Catalog.query(c, "SELECT model_id, product_id, product_version, "
                + "contract_sha256, approver, certificate_sha256, signature, approved_at, carried_from FROM model_approvals WHERE model_id = ? ORDER BY "
                + "approved_at, product_id", ps -> ps.setString(1, modelId), rs -> new Approval(rs.getString(1), rs.getString(2), rs.getString(3),
                rs.getString(4), rs.getString(5), rs.getString(6), rs.getString(7), Catalog.instant(rs, 8), rs.getString(9))));
    }

    public List<StageChange> history(String modelId) {
        return catalog.transaction("SELECT model stages " + modelId, c -> Catalog.query(c, "SELECT seq, stage, actor, reason, at FROM model_stages "
                + "WHERE model_id = ? ORDER BY seq", ps -> ps.setString(1, modelId), rs -> new StageChange(rs.getInt(1),
                Stage.valueOf(rs.getString(2)), rs.getString(3), rs.getString(4), Catalog.instant(rs, 5))));
    }

    /**
     * Records a verified approval of {@code input} by {@code approver}; once every input is approved a
     * candidate becomes APPROVED. Refused for a retired or promoted version, and for a product the
     * model did not learn from.
     */
    public Entry approve(String modelId, Input input, String approver, String certificateSha256, String signature) {
        Entry e = require(modelId);
        if (e.stage() == Stage.RETIRED || e.stage() == Stage.PRODUCTION) {
            throw new MeshflException(ErrorCode.POLICY_VIOLATION, "model " + describe(e) + " is " + e.stage().label() + "; approvals are taken "
                    + "before promotion");
        }
        List<Input> inputs = inputs(modelId);
        if (!inputs.contains(input)) {
            throw new MeshflException(ErrorCode.POLICY_VIOLATION, "model " + describe(e) + " did not learn from " + input.productId() + "@"
                    + input.version() + " with that contract; it learned from " + names(inputs));
        }
        return catalog.transaction("INSERT model approval " + modelId + " " + input.productId(), c -> {
            Instant now = Instant.now();
            try (PreparedStatement del = c.prepareStatement("DELETE FROM model_approvals WHERE model_id = ? AND product_id = ?")) {
                del.setString(1, modelId);
                del.setString(2, input.productId());
                del.executeUpdate();
            }
            try (PreparedStatement ps = c.prepareStatement("INSERT INTO model_approvals (model_id, product_id, product_version, contract_sha256, "
                    + "approver, certificate_sha256, signature, approved_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)")) {
                ps.setString(1, modelId);
                ps.setString(2, input.productId());
                ps.setString(3, input.version());
                ps.setString(4, input.contractSha256());
                ps.setString(5, approver);
                ps.setString(6, certificateSha256);
                ps.setString(7, signature);
                ps.setObject(8, Catalog.ts(now));
                ps.executeUpdate();
            }
            Set<String> approved = Catalog.query(c, "SELECT product_id FROM model_approvals WHERE model_id = ?", ps -> ps.setString(1, modelId),
                    rs -> rs.getString(1)).stream().collect(Collectors.toSet());
            if (e.stage() == Stage.CANDIDATE && inputs.stream().allMatch(i -> approved.contains(i.productId()))) {
                setStage(c, modelId, Stage.APPROVED, approver, "every owner of its inputs approved it", now);
            }
            return entry(c, modelId).orElseThrow();
        });
    }

    /**
     * Takes over champion {@code fromId}'s approvals for candidate {@code toId}, each for the product
     * version and contract the challenger learned from and naming the champion it came from; the
     * caller has established that the products and their grants did not change. The challenger is
     * then approved as a champion's approvals make it.
     */
    public Entry carryApprovals(String fromId, String toId, String actor, String reason) {
        Entry e = require(toId);
        if (e.stage() != Stage.CANDIDATE) {
            throw new MeshflException(ErrorCode.POLICY_VIOLATION, "model " + describe(e) + " is " + e.stage().label() + "; approvals are carried "
                    + "over to a candidate only");
        }
        java.util.Map<String, Approval> given = new java.util.HashMap<>();
        for (Approval a : approvals(fromId)) given.put(a.productId(), a);
        List<Input> inputs = inputs(toId);
        for (Input i : inputs) {
            if (!given.containsKey(i.productId())) {
                throw new MeshflException(ErrorCode.POLICY_VIOLATION, "model " + fromId + " has no approval of " + i.productId() + " to carry over");
            }
        }
        return catalog.transaction("INSERT carried approvals " + toId, c -> {
            Instant now = Instant.now();
            for (Input i : inputs) {
                Approval a = given.get(i.productId());
                try (PreparedStatement ps = c.prepareStatement("INSERT INTO model_approvals (model_id, product_id, product_version, contract_sha256, "
                        + "approver, certificate_sha256, signature, approved_at, carried_from) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)")) {
                    ps.setString(1, toId);
                    ps.setString(2, i.productId());
                    ps.setString(3, i.version());
                    ps.setString(4, i.contractSha256());
                    ps.setString(5, a.approver());
                    ps.setString(6, a.certificateSha256());
                    ps.setString(7, a.signature());
                    ps.setObject(8, Catalog.ts(now));
                    ps.setString(9, a.carriedFrom() != null ? a.carriedFrom() : fromId);
                    ps.executeUpdate();
                }
            }
            setStage(c, toId, Stage.APPROVED, actor, reason, now);
            return entry(c, toId).orElseThrow();
        });
    }

    /** Adds a line to a version's history at the stage it is at, e.g. the decision of a retraining it took part in. */
    public void note(String modelId, String actor, String reason) {
        Entry e = require(modelId);
        catalog.transaction("INSERT model note " + modelId, c -> {
            stageChange(c, modelId, e.stage(), actor, reason, Instant.now());
            return null;
        });
    }

    /** The owners whose approval model {@code modelId} still lacks, as {@code domain (product@version)}; empty when none. */
    public List<String> missingApprovals(String modelId) {
        Set<String> approved = approvals(modelId).stream().map(Approval::productId).collect(Collectors.toSet());
        return inputs(modelId).stream().filter(i -> !approved.contains(i.productId()))
                .map(i -> i.domain() + " (" + i.productId() + "@" + i.version() + ")").toList();
    }

    /**
     * Promotes an approved version to production with the contract of its output port (made once the
     * approvals are known complete); the version of the same name in production before is retired.
     * Refused, naming the owners, while any approval is missing.
     */
    public Entry promote(String modelId, String actor, java.util.function.Supplier<String> outputContract) {
        Entry e = require(modelId);
        if (e.stage() == Stage.PRODUCTION) return e;
        if (e.stage() == Stage.RETIRED) {
            throw new MeshflException(ErrorCode.POLICY_VIOLATION, "model " + describe(e) + " is retired and cannot be promoted");
        }
        List<String> missing = missingApprovals(modelId);
        if (!missing.isEmpty()) {
            throw new MeshflException(ErrorCode.POLICY_VIOLATION, "model " + describe(e) + " cannot be promoted: it needs the approval of the "
                    + "owner of every product it learned from; missing: " + String.join(", ", missing));
        }
        String contract = outputContract.get();
        return catalog.transaction("UPDATE model stage " + modelId, c -> {
            Instant now = Instant.now();
            for (Entry other : Catalog.query(c, "SELECT model_id, name, version, owner, stage, output_contract, updated_at FROM model_registry "
                    + "WHERE name = ? AND stage = ?", ps -> {
                ps.setString(1, e.name());
                ps.setString(2, Stage.PRODUCTION.name());
            }, ModelRegistry::entry)) {
                setStage(c, other.modelId(), Stage.RETIRED, actor, "replaced in production by version " + e.version(), now);
            }
            try (PreparedStatement ps = c.prepareStatement("UPDATE model_registry SET output_contract = ? WHERE model_id = ?")) {
                ps.setString(1, contract);
                ps.setString(2, modelId);
                ps.executeUpdate();
            }
            setStage(c, modelId, Stage.PRODUCTION, actor, "promoted", now);
            return entry(c, modelId).orElseThrow();
        });
    }

    /** Retires a version at any stage but retired, saying why. */
    public Entry retire(String modelId, String actor, String reason) {
        Entry e = require(modelId);
        if (e.stage() == Stage.RETIRED) return e;
        return catalog.transaction("UPDATE model stage " + modelId, c -> {
            setStage(c, modelId, Stage.RETIRED, actor, reason == null || reason.isBlank() ? "retired" : reason, Instant.now());
            return entry(c, modelId).orElseThrow();
        });
    }

    public Entry require(String modelId) {
        return entry(modelId).orElseThrow(() -> new MeshflException(ErrorCode.CATALOG_NOT_FOUND, "model " + modelId + " is not in the registry; "
                + "see 'meshfl models list'"));
    }

    /** {@code name vN (id)}. */
    public static String describe(Entry e) {
        return e.name() + " v" + e.version() + " (" + e.modelId() + ")";
    }

    private static String names(List<Input> inputs) {
        return inputs.stream().map(i -> i.productId() + "@" + i.version()).toList().toString();
    }

    private ModelRecord requireModel(String modelId) {
        return catalog.model(modelId).orElseThrow(() -> new MeshflException(ErrorCode.CATALOG_NOT_FOUND, "no model " + modelId + " in the catalog"));
    }

    private static void setStage(Connection c, String modelId, Stage stage, String actor, String reason, Instant at) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("UPDATE model_registry SET stage = ?, updated_at = ? WHERE model_id = ?")) {
            ps.setString(1, stage.name());
            ps.setObject(2, Catalog.ts(at));
            ps.setString(3, modelId);
            ps.executeUpdate();
        }
        stageChange(c, modelId, stage, actor, reason, at);
    }

    private static void stageChange(Connection c, String modelId, Stage stage, String actor, String reason, Instant at) throws SQLException {
        int seq = 1 + Catalog.query(c, "SELECT COALESCE(MAX(seq), 0) FROM model_stages WHERE model_id = ?", ps -> ps.setString(1, modelId),
                rs -> rs.getInt(1)).get(0);
        try (PreparedStatement ps = c.prepareStatement("INSERT INTO model_stages (model_id, seq, stage, actor, reason, at) VALUES (?, ?, ?, ?, ?, ?)")) {
            ps.setString(1, modelId);
            ps.setInt(2, seq);
            ps.setString(3, stage.name());
            ps.setString(4, actor);
            ps.setString(5, reason);
            ps.setObject(6, Catalog.ts(at));
            ps.executeUpdate();
        }
    }

    private static Optional<Entry> entry(Connection c, String modelId) throws SQLException {
        return Catalog.query(c, "SELECT model_id, name, version, owner, stage, output_contract, updated_at FROM model_registry WHERE model_id = ?",
                ps -> ps.setString(1, modelId), ModelRegistry::entry).stream().findFirst();
    }

    private static Entry entry(java.sql.ResultSet rs) throws SQLException {
        return new Entry(rs.getString(1), rs.getString(2), rs.getInt(3), rs.getString(4), Stage.valueOf(rs.getString(5)), rs.getString(6),
                Catalog.instant(rs, 7));
    }
}

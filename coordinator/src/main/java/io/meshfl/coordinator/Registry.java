package io.meshfl.coordinator;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.meshfl.core.ErrorCode;
import io.meshfl.core.MeshflException;
import io.meshfl.core.catalog.Catalog;
import io.meshfl.core.catalog.ModelCards;
import io.meshfl.core.catalog.ModelRegistry;
import io.meshfl.core.report.RunReport;
import io.meshfl.core.trust.ApprovalVerifier;

import java.time.Instant;
import java.util.Base64;
import java.util.List;

/**
 * The coordinator's face of the model registry. Who may do what: the operator (or an unauthenticated
 * caller of a plaintext trial mesh) everything; a model's owner (who submitted its job) sees, promotes
 * and retires it; the owner of a product it learned from sees it and approves it, with a signature of
 * its domain's certificate over the card's statement, which must also be the identity it called with.
 */
final class Registry {

    static final String OPERATOR = "client:operator";

    private final Catalog catalog;
    private final ModelRegistry registry;
    private final java.util.function.Supplier<ApprovalVerifier> verifier;
    private final RunLineage lineage;

    Registry(Catalog catalog, java.util.function.Supplier<ApprovalVerifier> verifier, RunLineage lineage) {
        this.catalog = catalog;
        this.registry = new ModelRegistry(catalog);
        this.verifier = verifier;
        this.lineage = lineage;
    }

    /** Registers a model its run just stored as the next candidate version of its job's name; the line that says so. */
    String register(String modelId, String jobName, String submitter) {
        ModelRegistry.Entry e = registry.register(modelId, jobName, submitter == null ? OPERATOR : submitter);
        return "model " + ModelRegistry.describe(e) + " registered as a candidate; promotion needs the approval of "
                + String.join(", ", registry.missingApprovals(modelId));
    }

    /** Carries out {@code action} for {@code caller} (null: an unauthenticated caller of a trial mesh, taken as the operator). */
    ObjectNode handle(String action, String modelId, String product, byte[] signature, byte[] certificate, String reason, String caller) {
        String who = caller == null ? OPERATOR : caller;
        return switch (action) {
            case "list" -> {
                ObjectNode out = RunReport.JSON.createObjectNode();
                ArrayNode arr = out.putArray("models");
                for (ModelRegistry.Entry e : registry.list()) {
                    if (!maySee(e, who)) continue;
                    arr.addObject().put("model_id", e.modelId()).put("name", e.name()).put("version", e.version()).put("owner", e.owner())
                            .put("stage", e.stage().label()).put("updated_at", e.updatedAt().toString())
                            .put("missing_approvals", String.join(", ", registry.missingApprovals(e.modelId())));
                }
                yield out;
            }
            case "show" -> ModelCards.card(catalog, visible(modelId, who).modelId());
            case "approve" -> {
                ModelRegistry.Entry e = visible(modelId, who);
                ModelRegistry.Input input = registry.inputs(modelId).stream().filter(i -> i.productId().equals(product)).findFirst()
                        .orElseThrow(() -> new MeshflException(ErrorCode.POLICY_VIOLATION, "model " + ModelRegistry.describe(e)
                                + " did not learn from product '" + product + "'"));
                ApprovalVerifier.Approver a = verifier.get().verify(ModelRegistry.statement(e, input), signature, certificate, input.domain(),
                        Instant.now());
                if (caller != null && !caller.equals(a.label())) {
                    throw new MeshflException(ErrorCode.POLICY_VIOLATION, "approval refused: it is signed by " + a.label() + " but sent by "
                            + caller + "; an owner sends its own approval");
                }
                registry.approve(modelId, input, a.label(), a.certificateSha256(), Base64.getEncoder().encodeToString(signature));
                yield ModelCards.card(catalog, modelId);
            }
            case "promote" -> {
                ModelRegistry.Entry before = owned(modelId, who, "promote");
                registry.promote(modelId, who, () -> ModelCards.outputContract(catalog, modelId));
                ObjectNode card = ModelCards.card(catalog, modelId);
                // a version already in production was not promoted again: nothing new for lineage
                if (before.stage() != ModelRegistry.Stage.PRODUCTION && lineage.on()) {
                    card.set("lineage", io.meshfl.coordinator.lineage.Lineage.toJson(java.util.Collections.singletonList(
                            lineage.promoted(modelId, who, null))));
                }
                yield card;
            }
            case "retire" -> {
                owned(modelId, who, "retire");
                registry.retire(modelId, who, reason);
                yield ModelCards.card(catalog, modelId);
            }
            default -> throw new MeshflException(ErrorCode.JOB_INVALID, "unknown registry action '" + action + "'; choose list, show, approve, "
                    + "promote or retire");
        };
    }

    private boolean maySee(ModelRegistry.Entry e, String who) {
        if (who.equals(OPERATOR) || who.equals("coordinator") || who.equals(e.owner())) return true;
        List<ModelRegistry.Input> inputs = registry.inputs(e.modelId());
        return inputs.stream().anyMatch(i -> who.equals("domain:" + i.domain()));
    }

    /** The entry, if {@code who} may see it; otherwise the same answer as for a model that does not exist. */
    private ModelRegistry.Entry visible(String modelId, String who) {
        ModelRegistry.Entry e = registry.entry(modelId).orElse(null);
        if (e == null || !maySee(e, who)) {
            throw new MeshflException(ErrorCode.CATALOG_NOT_FOUND, "model " + modelId + " is not in the registry; see 'meshfl models list'");
        }
        return e;
    }

    private ModelRegistry.Entry owned(String modelId, String who, String what) {
        ModelRegistry.Entry e = visible(modelId, who);
        if (!who.equals(OPERATOR) && !who.equals(e.owner())) {
            throw new MeshflException(ErrorCode.POLICY_VIOLATION, who + " may not " + what + " model " + ModelRegistry.describe(e)
                    + "; its owner " + e.owner() + " or the operator may");
        }
        return e;
    }
}

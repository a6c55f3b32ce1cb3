package io.meshfl.core.catalog;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import io.meshfl.core.ErrorCode;
import io.meshfl.core.MeshflException;

import java.util.LinkedHashSet;
import java.util.Set;

/**
 * A promoted model's output port as a product others consume: its id ({@code model.NAME}) and the
 * identities its contract grants {@code predict}. Once a model version has a published output
 * contract, scoring with it (batch or online) is for those identities only, as a product's grants
 * decide who may read the product.
 */
public final class OutputPorts {

    /** The prefix of an output port's product id. */
    public static final String PREFIX = "model.";
    private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());

    private OutputPorts() {
    }

    /** The identities the output contract grants {@code predict} (a consumer without {@code may} is granted every use). */
    public static Set<String> consumers(String outputContract) {
        JsonNode c;
        try {
            c = YAML.readTree(outputContract);
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new MeshflException(ErrorCode.CATALOG_FAILURE, "an output contract in the model registry does not read: " + e.getOriginalMessage());
        }
        Set<String> out = new LinkedHashSet<>();
        for (JsonNode k : c.path("meshfl").path("consumers")) {
            JsonNode may = k.path("may");
            boolean predict = may.isMissingNode() || may.isNull();
            for (JsonNode m : may) predict |= m.asText().equals("predict");
            if (predict && k.hasNonNull("identity")) out.add(k.path("identity").asText());
        }
        return out;
    }

    /** Why {@code identity} may not score with the registry entry {@code e}, or null when it may (or the version has no output port yet). */
    public static String refusal(ModelRegistry.Entry e, String identity) {
        if (e.outputContract() == null) return null;
        Set<String> may = consumers(e.outputContract());
        if (may.contains(identity)) return null;
        return "the output port " + PREFIX + e.name() + " of model " + e.name() + " v" + e.version() + " grants predict to " + may + "; " + identity
                + " is not among them (its owner " + e.owner() + " publishes who consumes its predictions)";
    }

    /** Refuses {@code identity} scoring with {@code modelId} as {@link #refusal} says. */
    public static void check(Catalog catalog, String modelId, String identity) {
        new ModelRegistry(catalog).entry(modelId).map(e -> refusal(e, identity)).ifPresent(why -> {
            throw new MeshflException(ErrorCode.POLICY_VIOLATION, why);
        });
    }

    /** A published output port: its product id, owner, version (the model's, as a contract version) and contract hash. */
    public record Port(String id, String modelId, String owner, String version, String contractSha256, java.time.Instant publishedAt) {
    }

    /** The output ports of the model versions in production, as the catalog lists them beside its data products. */
    public static java.util.List<Port> inProduction(Catalog catalog) {
        java.util.List<Port> out = new java.util.ArrayList<>();
        for (ModelRegistry.Entry e : new ModelRegistry(catalog).list()) {
            if (e.stage() != ModelRegistry.Stage.PRODUCTION || e.outputContract() == null) continue;
            out.add(new Port(PREFIX + e.name(), e.modelId(), e.owner(), e.version() + ".0.0", io.meshfl.core.trust.HashChain.sha256Hex(
                    e.outputContract().getBytes(java.nio.charset.StandardCharsets.UTF_8)), e.updatedAt()));
        }
        return out;
    }

    /** The registered name an output port id names ({@code model.NAME} -> {@code NAME}), or {@code ref} itself. */
    public static String name(String ref) {
        return ref.startsWith(PREFIX) ? ref.substring(PREFIX.length()) : ref;
    }
}

package io.meshfl.cli;

import com.fasterxml.jackson.databind.JsonNode;
import io.meshfl.core.ErrorCode;
import io.meshfl.core.MeshflException;
import io.meshfl.core.catalog.OutputPorts;

/**
 * The model a {@code --model} option names: a model id as it is; a registered name, or its output
 * port ({@code model.NAME}), as its production version; {@code NAME@VERSION} as that version.
 */
final class ModelRefs {

    private ModelRefs() {
    }

    /** Whether {@code ref} is a model id and needs no registry to resolve. */
    static boolean isId(String ref) {
        return ref.startsWith("model-");
    }

    /** The model id {@code ref} names among the registry's {@code models} (each with model_id, name, version, stage) that {@code who} may see. */
    static String resolve(String ref, JsonNode models, String who) {
        if (isId(ref)) return ref;
        String name = OutputPorts.name(ref.contains("@") ? ref.substring(0, ref.indexOf('@')) : ref);
        String version = ref.contains("@") ? ref.substring(ref.indexOf('@') + 1) : null;
        for (JsonNode m : models) {
            if (!m.path("name").asText().equals(name)) continue;
            if (version == null ? m.path("stage").asText().equals("production") : m.path("version").asText().equals(version)) {
                return m.path("model_id").asText();
            }
        }
        throw new MeshflException(ErrorCode.CATALOG_NOT_FOUND, "--model: no " + (version == null ? "production version" : "version " + version)
                + " of a model named '" + name + "' that " + who + " may see; see 'meshfl models list'");
    }

    /** The registry of an embedded catalog as {@link #resolve} reads it. */
    static JsonNode of(io.meshfl.core.catalog.Catalog catalog) {
        var arr = io.meshfl.core.report.RunReport.JSON.createArrayNode();
        for (var e : new io.meshfl.core.catalog.ModelRegistry(catalog).list()) {
            arr.addObject().put("model_id", e.modelId()).put("name", e.name()).put("version", e.version()).put("stage", e.stage().label());
        }
        return arr;
    }
}

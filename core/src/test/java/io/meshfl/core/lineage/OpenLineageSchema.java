package io.meshfl.core.lineage;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.networknt.schema.JsonMetaSchema;
import com.networknt.schema.JsonSchema;
import com.networknt.schema.JsonSchemaFactory;
import com.networknt.schema.NonValidationKeyword;
import com.networknt.schema.SchemaLocation;
import com.networknt.schema.SchemaValidatorsConfig;
import com.networknt.schema.SpecVersion;
import com.networknt.schema.ValidationMessage;

import java.io.IOException;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Checks OpenLineage events against the published JSON schemas kept under
 * {@code src/test/resources/openlineage} (see its README): the event against the core spec, and
 * every facet against the schema its {@code _schemaURL} names, found by the URL's path under
 * {@code https://openlineage.io/spec/} in that folder, never on the network. Formats (date-time,
 * uuid, uri) are asserted. Shared with other modules' tests through the core test jar.
 */
public final class OpenLineageSchema {

    private static final String SPEC = "https://openlineage.io/spec/";
    private static final String LOCAL = "openlineage/";
    private static final String CORE = SPEC + "2-0-2/OpenLineage.json";
    private static final ObjectMapper JSON = new ObjectMapper();

    private final JsonSchemaFactory factory = JsonSchemaFactory.getInstance(SpecVersion.VersionFlag.V202012,
            // the spec's schemas document fields with "example", which asserts nothing
            b -> b.metaSchema(JsonMetaSchema.builder(JsonMetaSchema.getV202012()).keyword(new NonValidationKeyword("example")).build())
                    .schemaMappers(m -> m.mapPrefix(SPEC, "classpath:" + LOCAL)));
    private final SchemaValidatorsConfig config = SchemaValidatorsConfig.builder().formatAssertionsEnabled(true).build();

    /** What is wrong with {@code eventJson} as an OpenLineage run event; empty when it validates. */
    public List<String> problems(String eventJson) {
        JsonNode event;
        try {
            event = JSON.readTree(eventJson);
        } catch (IOException e) {
            return List.of("not JSON: " + e.getMessage());
        }
        List<String> out = new ArrayList<>();
        check(CORE + "#/$defs/RunEvent", event, "event", out);
        facets(event.path("run").path("facets"), "run.facets", out);
        facets(event.path("job").path("facets"), "job.facets", out);
        for (String side : new String[]{"inputs", "outputs"}) {
            JsonNode list = event.path(side);
            for (int i = 0; i < list.size(); i++) {
                facets(list.get(i).path("facets"), side + "[" + i + "].facets", out);
                facets(list.get(i).path(side.equals("inputs") ? "inputFacets" : "outputFacets"), side + "[" + i + "]", out);
            }
        }
        return out;
    }

    /** Each facet against the definition its {@code _schemaURL} points at, under the key its schema file gives it. */
    private void facets(JsonNode facets, String where, List<String> out) {
        for (Map.Entry<String, JsonNode> f : facets.properties()) {
            String at = where + "." + f.getKey();
            String url = f.getValue().path("_schemaURL").asText("");
            int hash = url.indexOf('#');
            String file = hash < 0 ? url : url.substring(0, hash);
            if (!file.startsWith(SPEC) || file.equals(CORE)) {
                out.add(at + ": _schemaURL '" + url + "' is not a facet schema of the OpenLineage spec");
                continue;
            }
            JsonNode schemaFile = resource(file.substring(SPEC.length()));
            if (schemaFile == null) {
                out.add(at + ": no local copy of " + file + "; add it under src/test/resources/" + LOCAL);
                continue;
            }
            if (!schemaFile.path("properties").has(f.getKey())) {
                out.add(at + ": " + file + " names its facet " + schemaFile.path("properties").fieldNames().next());
            }
            check(url, f.getValue(), at, out);
        }
    }

    private void check(String location, JsonNode node, String at, List<String> out) {
        JsonSchema schema = factory.getSchema(SchemaLocation.of(location), config);
        for (ValidationMessage m : schema.validate(node)) out.add(at + ": " + m.getMessage());
    }

    private static JsonNode resource(String path) {
        try (InputStream in = OpenLineageSchema.class.getClassLoader().getResourceAsStream(LOCAL + path)) {
            return in == null ? null : JSON.readTree(in);
        } catch (IOException e) {
            throw new IllegalStateException("cannot read " + LOCAL + path, e);
        }
    }
}

package io.meshfl.core.schema;

import com.fasterxml.jackson.databind.JsonNode;
import com.networknt.schema.JsonSchema;
import com.networknt.schema.JsonSchemaFactory;
import com.networknt.schema.SpecVersion;
import com.networknt.schema.ValidationMessage;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * A file's content (its YAML read as a tree) checked against the JSON Schema MeshFL ships for it,
 * by a JSON Schema validator (draft 2020-12): every violation, each naming the field's path.
 * The loaders then check what a schema cannot say (a column that exists, a product the job names).
 */
public final class SchemaCheck {

    private static final Map<String, JsonSchema> COMPILED = new ConcurrentHashMap<>();

    private SchemaCheck() {
    }

    /** Every way {@code doc} breaks {@code schema}, as "field 'a.b': what", in the document's order of paths. */
    public static List<String> problems(FileSchema schema, JsonNode doc) {
        JsonSchema s = COMPILED.computeIfAbsent(schema.id(), id ->
                JsonSchemaFactory.getInstance(SpecVersion.VersionFlag.V202012).getSchema(schema.json()));
        List<ValidationMessage> found = new ArrayList<>(s.validate(doc));
        found.sort(Comparator.comparing(m -> m.getInstanceLocation().toString()));
        List<String> out = new ArrayList<>();
        for (ValidationMessage m : found) {
            String at = m.getInstanceLocation().toString().replaceFirst("^\\$\\.?", "");
            String what = m.getMessage();
            // the validator prefixes its message with the location it already gave
            String prefix = m.getInstanceLocation().toString() + ": ";
            if (what.startsWith(prefix)) what = what.substring(prefix.length());
            if (m.getProperty() != null && "additionalProperties".equals(m.getType())) {
                at = at.isEmpty() ? m.getProperty() : at + "." + m.getProperty();
                what = "is not a field of this file (see its JSON Schema, " + schema.resource() + ")";
            }
            out.add(at.isEmpty() ? what : "field '" + at + "': " + what);
        }
        return out;
    }
}

package io.meshfl.core.schema;

import java.util.List;

/**
 * The schema of one kind of MeshFL file: where it ships ({@code resource}, in the jar and under
 * core/src/main/resources), its id and title, and its reference section's heading and intro.
 */
public record FileSchema(String resource, String id, String title, String heading, String intro, List<SchemaField> fields) {

    public FileSchema {
        fields = List.copyOf(fields);
    }

    public String json() {
        return Schemas.json(id, title, fields);
    }

    public String markdown() {
        return Schemas.markdown(heading, intro, fields);
    }
}

package io.meshfl.web;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

/** The API's one JSON mapper and how stored JSON text becomes a node. */
public final class Json {

    public static final ObjectMapper MAPPER = new ObjectMapper();

    private Json() {
    }

    /** Stored JSON text as a node; an empty object for none. */
    public static JsonNode parse(String text) {
        if (text == null || text.isBlank()) return MAPPER.createObjectNode();
        try {
            return MAPPER.readTree(text);
        } catch (java.io.IOException e) {
            return MAPPER.createObjectNode();
        }
    }
}

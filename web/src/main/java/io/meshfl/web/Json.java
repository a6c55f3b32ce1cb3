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

    /** Field {@code field} of {@code in}, base64 (whitespace ignored); a missing or bad one is a 400 naming it in {@code what}. */
    public static byte[] base64(JsonNode in, String field, String what) {
        String v = in.path(field).asText("");
        if (v.isEmpty()) throw new ApiException(Problem.badRequest(what + " has no '" + field + "'"));
        try {
            return java.util.Base64.getDecoder().decode(v.replaceAll("\\s", ""));
        } catch (IllegalArgumentException e) {
            throw new ApiException(Problem.badRequest(what + "'s '" + field + "' is not base64"));
        }
    }
}

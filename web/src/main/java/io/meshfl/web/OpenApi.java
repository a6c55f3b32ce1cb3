package io.meshfl.web;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.util.List;

/**
 * The OpenAPI 3.1 document of the API, made from its routes: every route the server dispatches is
 * a path of the document, with its parameters (and {@code offset}, {@code limit} on a list), its
 * answer and the problem details of its errors.
 */
final class OpenApi {

    private OpenApi() {
    }

    static ObjectNode document(List<Route> routes, String version) {
        ObjectNode doc = Json.MAPPER.createObjectNode().put("openapi", "3.1.0");
        doc.putObject("info").put("title", "MeshFL coordinator API").put("version", version)
                .put("description", "The mesh's catalog over HTTPS; callers authenticate with a client certificate of the mesh CA.");
        ObjectNode paths = doc.putObject("paths");
        for (Route r : routes) {
            ObjectNode op = (paths.has(r.path()) ? (ObjectNode) paths.get(r.path()) : paths.putObject(r.path())).putObject(r.method().toLowerCase());
            op.put("summary", r.summary());
            op.put("operationId", operationId(r));
            ArrayNode params = op.putArray("parameters");
            for (Route.Param p : r.params()) param(params, p.name(), p.in(), p.type(), p.description(), p.in().equals("path"));
            if (r.paged()) {
                param(params, "offset", "query", "integer", "index of the first item (default 0)", false);
                param(params, "limit", "query", "integer", "items per page (default " + Page.DEFAULT_LIMIT + ", at most " + Page.MAX_LIMIT + ")", false);
            }
            if (r.body() != null) {
                op.putObject("requestBody").put("required", true).putObject("content").putObject(r.body()).putObject("schema").put("type", "string");
            }
            ObjectNode responses = op.putObject("responses");
            ObjectNode ok = responses.putObject("200").put("description", r.summary());
            ObjectNode schema = ok.putObject("content").putObject(r.produces()).putObject("schema");
            if (r.paged()) {
                schema.put("type", "object");
                ObjectNode props = schema.putObject("properties");
                props.putObject("items").put("type", "array").putObject("items").put("$ref", "#/components/schemas/" + r.response());
                props.putObject("total").put("type", "integer");
                props.putObject("offset").put("type", "integer");
                props.putObject("limit").put("type", "integer");
                props.putObject("next").put("type", "integer");
            } else if (text(r)) {
                schema.put("type", "string");
            } else {
                schema.put("$ref", "#/components/schemas/" + r.response());
            }
            for (String status : List.of("400", "403", "404")) {
                responses.putObject(status).put("description", "problem detail (RFC 9457)").putObject("content").putObject(Problem.MEDIA_TYPE)
                        .putObject("schema").put("$ref", "#/components/schemas/Problem");
            }
        }
        ObjectNode components = doc.putObject("components");
        ObjectNode schemas = components.putObject("schemas");
        for (Route r : routes) if (!text(r)) schemas.putObject(r.response()).put("type", "object");
        ObjectNode problem = schemas.putObject("Problem").put("type", "object");
        ObjectNode props = problem.putObject("properties");
        for (String f : List.of("type", "title", "detail", "code")) props.putObject(f).put("type", "string");
        props.putObject("status").put("type", "integer");
        components.putObject("securitySchemes").putObject("meshCertificate").put("type", "mutualTLS")
                .put("description", "a client certificate signed by the mesh CA, not revoked");
        doc.putArray("security").addObject().putArray("meshCertificate");
        return doc;
    }

    /** A route answering a page of text (HTML), not a JSON object. */
    private static boolean text(Route r) {
        return r.produces().startsWith("text/html");
    }

    private static void param(ArrayNode params, String name, String in, String type, String description, boolean required) {
        ObjectNode p = params.addObject().put("name", name).put("in", in).put("description", description).put("required", required);
        p.putObject("schema").put("type", type);
    }

    private static String operationId(Route r) {
        StringBuilder b = new StringBuilder(r.method().toLowerCase());
        for (String part : r.path().split("/")) {
            if (part.isEmpty() || part.equals("api")) continue;
            String w = part.startsWith("{") ? "By" + Character.toUpperCase(part.charAt(1)) + part.substring(2, part.length() - 1) : part;
            b.append(Character.toUpperCase(w.charAt(0))).append(w.substring(1));
        }
        return b.toString().replace(".json", "Json").replace(".html", "Html");
    }
}

package io.meshfl.web;

import java.util.Map;

/** A request a route matched: who asks, its path and query parameters, and its body (empty for a GET). */
public record Request(Caller caller, Map<String, String> path, Map<String, String> query, String body) {

    public Request(Caller caller, Map<String, String> path, Map<String, String> query) {
        this(caller, path, query, "");
    }

    public String path(String name) {
        return path.get(name);
    }

    /** Query parameter {@code name} as an integer in [min, max], {@code def} when absent; a bad one is a 400 naming it. */
    public int intParam(String name, int def, int min, int max) {
        String v = query.get(name);
        if (v == null || v.isEmpty()) return def;
        try {
            int i = Integer.parseInt(v);
            if (i < min || i > max) throw new ApiException(Problem.badRequest("query parameter '" + name + "' must be between " + min + " and " + max));
            return i;
        } catch (NumberFormatException e) {
            throw new ApiException(Problem.badRequest("query parameter '" + name + "' is not an integer"));
        }
    }

    public String param(String name) {
        String v = query.get(name);
        return v == null || v.isEmpty() ? null : v;
    }
}

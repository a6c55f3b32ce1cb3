package io.meshfl.web;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * A request a route matched: who asks (null on the routes anyone may call), its path and query
 * parameters, its body (empty for a GET), and what the handler adds to the answer besides its body
 * ({@link Reply}: cookies, a status other than 200).
 */
public record Request(Caller caller, Map<String, String> path, Map<String, String> query, String body, Reply reply) {

    public Request(Caller caller, Map<String, String> path, Map<String, String> query) {
        this(caller, path, query, "");
    }

    public Request(Caller caller, Map<String, String> path, Map<String, String> query, String body) {
        this(caller, path, query, body, new Reply());
    }

    /** What a handler sets on its answer besides the body. */
    public static final class Reply {
        private int status = 200;
        private final List<String> cookies = new ArrayList<>();

        public void status(int s) {
            status = s;
        }

        public int status() {
            return status;
        }

        /** A Set-Cookie header's value. */
        public void cookie(String setCookie) {
            cookies.add(setCookie);
        }

        public List<String> cookies() {
            return List.copyOf(cookies);
        }
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

package io.meshfl.web;

import com.fasterxml.jackson.databind.JsonNode;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * One route of the API: its method and path template ({@code /api/runs/{id}}), what it answers,
 * its parameters and handler. The server dispatches by these and the OpenAPI document is made from
 * them, so no route can go undocumented.
 *
 * @param paged    a list route: takes {@code offset} and {@code limit}, answers a {@link Page}
 * @param response the name of the schema of its answer (of one item, for a paged route)
 * @param body     the media type of the request body it reads, or null for none
 * @param produces the media type of its answer: JSON, or text whose handler answers a text node
 */
public record Route(String method, String path, String summary, List<Param> params, boolean paged, String response, String body,
                    String produces, Handler handler, Streamer streamer) {

    public static final String JSON = "application/json";
    public static final String EVENTS = "text/event-stream";

    /** Writes server-sent events for a request until its stream ends; {@code emit} sends one event and says whether the client still listens. */
    @FunctionalInterface
    public interface Streamer {
        void stream(Request r, Emitter emit) throws InterruptedException;
    }

    /** Sends one server-sent event; false once the client has gone. */
    @FunctionalInterface
    public interface Emitter {
        boolean send(String event, com.fasterxml.jackson.databind.JsonNode data);
    }

    /** A route answering with {@code produces}. */
    public Route(String method, String path, String summary, List<Param> params, boolean paged, String response, String body, String produces,
                 Handler handler) {
        this(method, path, summary, params, paged, response, body, produces, handler, null);
    }

    /** A route of server-sent events. */
    public static Route events(String path, String summary, List<Param> params, String response, Streamer streamer) {
        return new Route("GET", path, summary, params, false, response, null, EVENTS, null, streamer);
    }

    /** A route answering JSON. */
    public Route(String method, String path, String summary, List<Param> params, boolean paged, String response, String body, Handler handler) {
        this(method, path, summary, params, paged, response, body, JSON, handler);
    }

    /** A route without a request body, answering JSON. */
    public Route(String method, String path, String summary, List<Param> params, boolean paged, String response, Handler handler) {
        this(method, path, summary, params, paged, response, null, JSON, handler);
    }

    /** A path or query parameter. */
    public record Param(String name, String in, String type, String description) {
        public static Param path(String name, String description) {
            return new Param(name, "path", "string", description);
        }

        public static Param query(String name, String type, String description) {
            return new Param(name, "query", type, description);
        }
    }

    /** Answers a request the route matched. */
    @FunctionalInterface
    public interface Handler {
        JsonNode handle(Request r);
    }

    public Route {
        params = List.copyOf(params);
    }

    /** The path parameters when {@code path} fits this route's template, else null. */
    Map<String, String> match(String method, String path) {
        if (!this.method.equals(method)) return null;
        String[] want = this.path.split("/"), got = path.split("/");
        if (want.length != got.length) return null;
        Map<String, String> out = new LinkedHashMap<>();
        for (int i = 0; i < want.length; i++) {
            if (want[i].startsWith("{") && want[i].endsWith("}")) {
                if (got[i].isEmpty()) return null;
                out.put(want[i].substring(1, want[i].length() - 1), java.net.URLDecoder.decode(got[i], java.nio.charset.StandardCharsets.UTF_8));
            } else if (!want[i].equals(got[i])) {
                return null;
            }
        }
        return out;
    }
}

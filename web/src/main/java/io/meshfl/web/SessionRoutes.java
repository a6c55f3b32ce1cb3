package io.meshfl.web;

import com.fasterxml.jackson.databind.JsonNode;
import io.meshfl.web.console.Html;

import java.util.List;

/**
 * Signing in and out of the console: the login page and its challenge (open to anyone: they hold
 * nothing), the login itself (a session for a signed challenge, see {@link Sessions}) and logging
 * out. The session's cookie is HttpOnly, Secure and SameSite=Strict; its CSRF twin is readable by
 * the console's scripts, which echo it in a header on every request that changes something.
 */
final class SessionRoutes {

    private final Sessions sessions;

    SessionRoutes(Sessions sessions) {
        this.sessions = sessions;
    }

    /** The routes anyone may call. */
    List<Route> open() {
        return List.of(
                new Route("GET", "/console/login", "The console's login page", List.of(), false, "html", null, Html.MEDIA_TYPE, this::page),
                new Route("GET", "/api/session/challenge", "A one-time challenge (valid two minutes) for a browser to sign with the user's mesh key",
                        List.of(), false, "Challenge", q -> Json.MAPPER.createObjectNode().put("challenge", sessions.challenge())
                        .put("statement", Sessions.statement("{origin}", "{challenge}"))),
                new Route("POST", "/api/session", "Opens a console session: the user's certificate (base64 DER), the origin and challenge it signed "
                        + "and the signature (base64; P1363 or DER for EC keys); sets the session and CSRF cookies", List.of(), false, "Caller",
                        Route.JSON, this::login));
    }

    /** The routes of a signed-in browser. */
    List<Route> pages() {
        return List.of(new Route("POST", "/console/logout", "Ends the console session", List.of(), false, "html", null, Html.MEDIA_TYPE, this::logout));
    }

    private JsonNode login(Request q) {
        JsonNode in;
        try {
            in = Json.MAPPER.readTree(q.body());
        } catch (java.io.IOException e) {
            throw new ApiException(Problem.badRequest("the login is not JSON"));
        }
        byte[] cert = Json.base64(in, "certificate", "the login");
        byte[] signature = Json.base64(in, "signature", "the login");
        Sessions.Session s = sessions.login(cert, in.path("origin").asText(null), in.path("challenge").asText(null), signature);
        q.reply().cookie(ApiServer.SESSION_COOKIE + "=" + s.id() + "; Path=/; Secure; HttpOnly; SameSite=Strict");
        q.reply().cookie(ApiServer.CSRF_COOKIE + "=" + s.csrf() + "; Path=/; Secure; SameSite=Strict");
        Caller c = new Caller(s.identity(), s.id());
        return Json.MAPPER.createObjectNode().put("identity", c.label()).put("operator", c.operator());
    }

    private JsonNode logout(Request q) {
        sessions.end(q.caller().session());
        q.reply().cookie(ApiServer.SESSION_COOKIE + "=; Path=/; Secure; HttpOnly; SameSite=Strict; Max-Age=0");
        q.reply().cookie(ApiServer.CSRF_COOKIE + "=; Path=/; Secure; SameSite=Strict; Max-Age=0");
        return Html.page("Signed out", null, "<p><a href=\"/console/login\">Sign in again</a></p>", List.of());
    }

    private JsonNode page(Request q) {
        String next = q.param("next");
        // only a path of this console: a login link cannot send the browser elsewhere
        if (next == null || !next.startsWith("/console") || next.startsWith("//")) next = "/console";
        String body = """
                <div class="card" id="login" data-next="%s">
                <p>Sign in with your mesh certificate and its key (the files <code>meshfl certs</code> issued you, e.g.
                <code>alice.pem</code> and <code>alice-key.pem</code>). The key stays in this browser: it signs a one-time
                challenge from this server and, later, the tickets of the jobs you submit; it is never sent.</p>
                <form id="login-form">
                <p><label>Certificate <input type="file" id="login-certificate" accept=".pem,.crt"></label></p>
                <p><label>Private key <input type="file" id="login-key" accept=".pem,.key"></label></p>
                <p><button class="primary" id="login-submit" type="submit">Sign in</button></p>
                </form>
                <div id="login-problem"></div>
                </div>""".formatted(Html.esc(next));
        return Html.page("Sign in", null, body, List.of("login.js"));
    }
}

package io.meshfl.web.console;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.TextNode;
import io.meshfl.web.Caller;

import java.util.List;

/**
 * The console's pages as HTML text: every value escaped on the way in, one layout with the
 * navigation a caller's role allows, scripts only from the server's own assets (the pages carry
 * no inline script: the Content-Security-Policy forbids it, and data reach scripts through
 * {@code data-} attributes).
 */
public final class Html {

    private Html() {
    }

    /** The media type every console page answers with. */
    public static final String MEDIA_TYPE = "text/html; charset=utf-8";

    /** {@code s} safe inside an element or a quoted attribute. */
    public static String esc(Object s) {
        if (s == null) return "";
        String t = s.toString();
        StringBuilder b = new StringBuilder(t.length() + 16);
        for (int i = 0; i < t.length(); i++) {
            char c = t.charAt(i);
            switch (c) {
                case '&' -> b.append("&amp;");
                case '<' -> b.append("&lt;");
                case '>' -> b.append("&gt;");
                case '"' -> b.append("&quot;");
                case '\'' -> b.append("&#39;");
                default -> b.append(c);
            }
        }
        return b.toString();
    }

    /** {@code s} as one path segment of a link. */
    public static String seg(String s) {
        return java.net.URLEncoder.encode(s == null ? "" : s, java.nio.charset.StandardCharsets.UTF_8).replace("+", "%20");
    }

    /**
     * A whole page: {@code title}, the navigation for {@code caller} (null on the login page),
     * {@code body} (already escaped HTML) and the console's own scripts named in {@code scripts}
     * (asset names, e.g. {@code "run.js"}).
     */
    public static JsonNode page(String title, Caller caller, String body, List<String> scripts) {
        StringBuilder b = new StringBuilder(4096 + body.length());
        b.append("<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\">")
                .append("<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">")
                .append("<title>").append(esc(title)).append(" · MeshFL</title>")
                .append("<link rel=\"stylesheet\" href=\"").append(Assets.URL).append("console.css\">");
        for (String s : scripts) {
            if (s.endsWith(".css")) b.append("<link rel=\"stylesheet\" href=\"").append(Assets.URL).append(esc(s)).append("\">");
        }
        b.append("</head><body>");
        b.append("<header><a class=\"brand\" href=\"/console\">MeshFL</a>");
        if (caller != null) {
            b.append("<nav>");
            link(b, "/console", "Mesh");
            link(b, "/console/products", "Products");
            link(b, "/console/jobs/new", "New job");
            link(b, "/console/runs", "Runs");
            link(b, "/console/models", "Models");
            link(b, "/console/audit", "Audit");
            link(b, "/console/budgets", "Budgets & violations");
            b.append("</nav><span class=\"who\" id=\"who\">").append(esc(caller.label())).append(caller.operator() ? " (operator)" : "")
                    .append("</span><form method=\"post\" action=\"/console/logout\" class=\"logout\"><button id=\"logout\">Log out</button></form>");
        }
        b.append("</header><main><h1>").append(esc(title)).append("</h1>").append(body).append("</main>");
        b.append("<script src=\"").append(Assets.URL).append("console.js\"></script>");
        for (String s : scripts) {
            if (s.endsWith(".js")) b.append("<script src=\"").append(Assets.URL).append(esc(s)).append("\"></script>");
        }
        b.append("</body></html>");
        return TextNode.valueOf(b.toString());
    }

    private static void link(StringBuilder b, String href, String text) {
        b.append("<a href=\"").append(href).append("\">").append(esc(text)).append("</a>");
    }

    /** A table: {@code head} cells and rows of already escaped cells. */
    public static String table(String id, List<String> head, List<List<String>> rows) {
        StringBuilder b = new StringBuilder("<table id=\"").append(esc(id)).append("\"><thead><tr>");
        for (String h : head) b.append("<th>").append(esc(h)).append("</th>");
        b.append("</tr></thead><tbody>");
        for (List<String> r : rows) {
            b.append("<tr>");
            for (String c : r) b.append("<td>").append(c).append("</td>");
            b.append("</tr>");
        }
        if (rows.isEmpty()) b.append("<tr><td colspan=\"").append(head.size()).append("\" class=\"empty\">none</td></tr>");
        return b.append("</tbody></table>").toString();
    }

    /** A link to {@code href} showing {@code text}, both escaped. */
    public static String a(String href, String text) {
        return "<a href=\"" + esc(href) + "\">" + esc(text) + "</a>";
    }
}

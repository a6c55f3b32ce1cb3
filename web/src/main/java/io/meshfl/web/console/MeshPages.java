package io.meshfl.web.console;

import io.meshfl.core.catalog.DomainRecord;
import io.meshfl.core.catalog.IntegrationRecord;
import io.meshfl.core.catalog.NodeRecord;
import io.meshfl.web.Backend;
import io.meshfl.web.Governance;
import io.meshfl.web.Request;
import io.meshfl.web.Route;

import com.fasterxml.jackson.databind.JsonNode;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The mesh's pages: the map of domains and nodes with the integrations that join their products (here), and, from the
 * classes beside it, products ({@link ProductPages}), budgets and violations ({@link BudgetPages}) and the audit
 * ({@link AuditPages}).
 */
final class MeshPages {

    private final Backend backend;

    MeshPages(Backend backend) {
        this.backend = backend;
    }

    List<Route> routes() {
        List<Route> r = new ArrayList<>();
        r.add(page("/console", "The mesh map: domains around the coordinator, their nodes and products", this::mesh));
        r.addAll(new ProductPages(backend).routes());
        r.addAll(new BudgetPages(backend).routes());
        r.addAll(new AuditPages(backend).routes());
        return r;
    }

    /** A console page at {@code path} with the path parameters its template names. */
    static Route page(String path, String summary, Route.Handler handler) {
        List<Route.Param> params = new ArrayList<>();
        for (String part : path.split("/")) {
            if (part.startsWith("{") && part.endsWith("}")) params.add(Route.Param.path(part.substring(1, part.length() - 1), "the record's id"));
        }
        return new Route("GET", path, summary, params, false, "html", null, Html.MEDIA_TYPE, handler);
    }

    private JsonNode mesh(Request q) {
        Visible v = new Visible(backend.catalog(), q.caller());
        List<DomainRecord> domains = backend.catalog().domains();
        Map<String, List<NodeRecord>> nodes = new LinkedHashMap<>();
        for (DomainRecord d : domains) nodes.put(d.name(), new ArrayList<>());
        // a node is shown only to the operator and its own domain: the API's rule for /api/nodes
        for (NodeRecord n : backend.catalog().nodes()) {
            if (q.caller().mayReadNode(n.domain())) nodes.computeIfAbsent(n.domain(), k -> new ArrayList<>()).add(n);
        }
        Map<String, Integer> products = new LinkedHashMap<>();
        for (Visible.Shown s : v.products()) products.merge(s.record().domain(), 1, Integer::sum);
        Map<String, String> owners = new LinkedHashMap<>();
        for (DomainRecord d : domains) owners.put(d.name(), d.owner());

        StringBuilder b = new StringBuilder();
        b.append("<div class=\"card map\">").append(map(new ArrayList<>(nodes.keySet()), nodes)).append("</div>");
        b.append("<p class=\"muted legend\"><span class=\"dot ACTIVE\"></span> active <span class=\"dot LOST\"></span> lost "
                + "<span class=\"dot STOPPED\"></span> stopped")
                .append(q.caller().operator() ? "" : " · nodes are shown to their own domain and the operator").append("</p>");
        b.append("<h2>Domains</h2>");
        List<List<String>> rows = new ArrayList<>();
        for (String d : nodes.keySet()) {
            List<String> cells = new ArrayList<>();
            for (NodeRecord n : nodes.get(d)) {
                cells.add("<span class=\"node-state\" data-node=\"" + Html.esc(n.nodeId()) + "\">" + Html.esc(n.nodeId()) + " "
                        + Cells.stateText(n.status()) + " <span class=\"muted\">" + Cells.time(n.lastHeartbeat())
                        + (n.version() == null ? "" : " · MeshFL " + Html.esc(n.version())) + "</span></span>");
            }
            String nodeCell = q.caller().mayReadNode(d) ? (cells.isEmpty() ? "<span class=\"muted\">no nodes</span>" : String.join("<br>", cells))
                    : "<span class=\"muted\">not shown</span>";
            rows.add(List.of(Html.esc(d), Html.esc(owners.getOrDefault(d, "")), Html.esc(products.getOrDefault(d, 0)), nodeCell));
        }
        b.append(Html.table("domains-table", List.of("Domain", "Owner", "Products you may read", "Nodes (state, last heartbeat)"), rows));
        b.append(integrations(v));
        return Html.page("Mesh", q.caller(), b.toString(), List.of());
    }

    /** The drawing: the coordinator in the middle, each domain on a ring around it, its nodes as dots around the domain. */
    static String map(List<String> domains, Map<String, List<NodeRecord>> nodes) {
        int n = domains.size();
        // the ring grows with the domains so that their circles do not overlap
        double ring = Math.max(160, n * 60 / (2 * Math.PI) * 1.6);
        double half = ring + 110;
        double size = 2 * half;
        StringBuilder s = new StringBuilder();
        s.append("<svg id=\"mesh-map\" role=\"img\" aria-label=\"The mesh: the coordinator and its domains\" xmlns=\"http://www.w3.org/2000/svg\" ")
                .append("viewBox=\"0 0 ").append(num(size)).append(' ').append(num(size)).append("\">");
        List<String> placed = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            double a = 2 * Math.PI * i / n - Math.PI / 2;
            double x = half + ring * Math.cos(a), y = half + ring * Math.sin(a);
            s.append("<line class=\"link\" x1=\"").append(num(half)).append("\" y1=\"").append(num(half)).append("\" x2=\"").append(num(x))
                    .append("\" y2=\"").append(num(y)).append("\"/>");
            StringBuilder g = new StringBuilder();
            String d = domains.get(i);
            g.append("<g class=\"domain\" data-domain=\"").append(Html.esc(d)).append("\">")
                    .append("<circle class=\"domain\" cx=\"").append(num(x)).append("\" cy=\"").append(num(y)).append("\" r=\"26\"><title>domain ")
                    .append(Html.esc(d)).append("</title></circle>")
                    .append("<text text-anchor=\"middle\" x=\"").append(num(x)).append("\" y=\"").append(num(y + 64)).append("\">")
                    .append(Html.esc(d)).append("</text>");
            List<NodeRecord> mine = nodes.getOrDefault(d, List.of());
            for (int k = 0; k < mine.size(); k++) {
                NodeRecord node = mine.get(k);
                // twelve dots to a ring around the domain, further rings outside it
                int perRing = 12;
                double r = 36 + 12 * (k / perRing);
                double b = 2 * Math.PI * (k % perRing) / Math.min(perRing, Math.max(1, mine.size() - (k / perRing) * perRing)) + a;
                g.append("<circle class=\"node ").append(Cells.state(node.status())).append("\" data-node=\"").append(Html.esc(node.nodeId()))
                        .append("\" cx=\"").append(num(x + r * Math.cos(b))).append("\" cy=\"").append(num(y + r * Math.sin(b)))
                        .append("\" r=\"6\"><title>").append(Html.esc(node.nodeId())).append(" · ").append(Html.esc(node.status()))
                        .append(" · last heartbeat ").append(Cells.time(node.lastHeartbeat()))
                        .append(node.version() == null ? "" : " · MeshFL " + Html.esc(node.version())).append("</title></circle>");
            }
            placed.add(g.append("</g>").toString());
        }
        // the domains are drawn after every line so that no line crosses a domain's circle
        placed.forEach(s::append);
        s.append("<circle class=\"coordinator\" cx=\"").append(num(half)).append("\" cy=\"").append(num(half)).append("\" r=\"46\"><title>")
                .append("the coordinator</title></circle><text class=\"coordinator\" text-anchor=\"middle\" x=\"").append(num(half))
                .append("\" y=\"").append(num(half + 4)).append("\">coordinator</text>");
        if (n == 0) {
            s.append("<text text-anchor=\"middle\" x=\"").append(num(half)).append("\" y=\"").append(num(half + 70))
                    .append("\">no domains have registered</text>");
        }
        return s.append("</svg>").toString();
    }

    private static String num(double d) {
        return String.format(Locale.ROOT, "%.1f", d);
    }

    /** The registered integrations (how products join), as {@link Governance#integrations()} lets the caller see them. */
    private String integrations(Visible v) {
        if (!v.caller.operator() && v.caller.domain() == null) return "";
        List<List<String>> rows = new ArrayList<>();
        for (Governance.IntegrationView i : new Governance(backend.catalog(), v.caller).integrations()) {
            IntegrationRecord r = i.record();
            if (!i.loads()) {
                rows.add(List.of(Html.esc(r.id()), Html.esc(r.version()), "—", "<span class=\"bad\">does not load against the catalog's "
                        + "contracts</span>", "—", Cells.time(r.registeredAt())));
                continue;
            }
            List<String> joins = i.joins().stream().map(Html::esc).toList();
            rows.add(List.of(Html.esc(r.id()), Html.esc(r.version()), Html.esc(i.base()), joins.isEmpty() ? "—" : String.join("<br>", joins),
                    Cells.join(i.products(), ", "), Cells.time(r.registeredAt())));
        }
        return "<h2>Integrations</h2><p class=\"muted\">How products join into one training table, by key.</p>"
                + Html.table("integrations-table", List.of("Integration", "Version", "Base", "Joins", "Products", "Registered"), rows);
    }
}

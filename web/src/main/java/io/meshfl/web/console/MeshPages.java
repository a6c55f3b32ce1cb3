package io.meshfl.web.console;

import io.meshfl.web.Backend;
import io.meshfl.web.Route;

import java.util.List;

/** The mesh's pages: the map of domains and nodes, products, budgets and violations, the audit. */
final class MeshPages {

    private final Backend backend;

    MeshPages(Backend backend) {
        this.backend = backend;
    }

    List<Route> routes() {
        return List.of(new Route("GET", "/console", "The mesh map", List.of(), false, "html", null, Html.MEDIA_TYPE,
                q -> Html.page("Mesh", q.caller(), "<p>" + Html.esc(backend.catalog().domains().size()) + " domains</p>", List.of())));
    }
}

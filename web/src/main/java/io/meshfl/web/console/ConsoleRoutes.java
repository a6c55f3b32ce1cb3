package io.meshfl.web.console;

import io.meshfl.web.Backend;
import io.meshfl.web.Route;

import java.util.ArrayList;
import java.util.List;

/**
 * The console's pages, served by the API's server under {@code /console}: each a route answering
 * HTML for the signed-in caller and showing only what the API would answer that caller.
 */
public final class ConsoleRoutes {

    private ConsoleRoutes() {
    }

    public static List<Route> routes(Backend backend) {
        List<Route> r = new ArrayList<>();
        r.addAll(new MeshPages(backend).routes());
        r.addAll(new RunPages(backend).routes());
        return r;
    }
}

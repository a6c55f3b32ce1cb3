package io.meshfl.web.console;

import io.meshfl.web.Backend;
import io.meshfl.web.Route;

import java.util.List;

/** The pages of work: the job editor, runs (live), models with their lineage. */
final class RunPages {

    private final Backend backend;

    RunPages(Backend backend) {
        this.backend = backend;
    }

    List<Route> routes() {
        return List.of();
    }
}

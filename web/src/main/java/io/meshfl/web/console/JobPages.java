package io.meshfl.web.console;

import com.fasterxml.jackson.databind.JsonNode;
import io.meshfl.web.Request;
import io.meshfl.web.Route;

import java.util.List;

/**
 * The job editor: a job's YAML beside the plan the coordinator would make of it, planned again as
 * the user types, and a button that has the user's key sign the job and submits it. The page holds
 * no data; editor.js asks the API for the plan and submits through console.js.
 */
final class JobPages {

    /** A job to start from: the fields every job names, with what they mean. */
    static final String TEMPLATE = """
            # A federated job: which products to learn from, what to predict, and how.
            name: my-job
            # the data products, by id (your domain's, or granted to you for training)
            products: [domain-a.product, domain-b.product]
            label: y
            # "*" takes every feature column the contracts name
            features: "*"
            model: {type: logistic}
            # auto lets the planner choose horizontal, vertical, split, ... from the products' shapes
            strategy: auto
            aggregator: {name: fedavg, fraction: 1.0, minNodes: 2}
            local: {epochs: 1, batchSize: 64, optimizer: sgd, lr: 0.05}
            rounds: 10
            seed: 42
            """;

    List<Route> routes() {
        return List.of(new Route("GET", "/console/jobs/new", "The job editor: a job's YAML, its plan as it is typed, and submitting it", List.of(), false,
                "html", null, Html.MEDIA_TYPE, this::editor));
    }

    JsonNode editor(Request q) {
        String body = "<div class=\"split job-editor\"><section><h2>Job</h2>"
                + "<textarea id=\"job-yaml\" name=\"yaml\" spellcheck=\"false\" autocomplete=\"off\" aria-label=\"Job YAML\">" + Html.esc(TEMPLATE)
                + "</textarea><div class=\"job-actions\"><label><input type=\"checkbox\" id=\"job-accept-warnings\"> Accept the plan's warnings</label>"
                + "<button id=\"job-submit\" class=\"primary\" type=\"button\">Submit</button></div>"
                + "<div id=\"job-problem\" aria-live=\"polite\" hidden></div></section>"
                + "<section><h2>Plan <span id=\"job-strategy\" class=\"muted\"></span></h2>"
                + "<pre id=\"job-plan\" class=\"job-plan\">The plan appears here as you type.</pre></section></div>";
        return Html.page("New job", q.caller(), body, List.of("editor.js"));
    }
}

package io.meshfl.web.console;

import com.fasterxml.jackson.databind.JsonNode;
import io.meshfl.core.catalog.PrivacyLedger;
import io.meshfl.core.catalog.ProductRecord;
import io.meshfl.core.catalog.RunRecord;
import io.meshfl.core.contract.DataContract;
import io.meshfl.core.contract.Grant;
import io.meshfl.core.contract.Property;
import io.meshfl.web.ApiException;
import io.meshfl.web.Backend;
import io.meshfl.web.Problem;
import io.meshfl.web.Request;
import io.meshfl.web.Route;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.function.Function;

/**
 * The products a caller may read, and one product's contract as a page: schema, who may use it, its privacy budget, its
 * versions side by side and the runs over it. Like the API's {@code Views.product}, no page names the contract's servers
 * (where the data lives: a file path or a database address).
 */
final class ProductPages {

    /** How many of the newest runs over a product its page lists. */
    static final int RUNS_SHOWN = 100;

    private final Backend backend;

    ProductPages(Backend backend) {
        this.backend = backend;
    }

    List<Route> routes() {
        return List.of(
                MeshPages.page("/console/products", "The data products the caller may read", this::list),
                MeshPages.page("/console/products/{id}", "One data product's contract, budget, versions and runs", this::product));
    }

    private JsonNode list(Request q) {
        List<List<String>> rows = new ArrayList<>();
        for (Visible.Shown s : new Visible(backend.catalog(), q.caller()).products()) {
            ProductRecord p = s.record();
            DataContract c = s.contract();
            rows.add(List.of(Cells.product(p.id()), Html.esc(p.domain()), Html.esc(p.version()), rows(p.rows()),
                    c == null ? "<span class=\"bad\">contract does not load</span>" : Html.esc(c.policy().label() == null ? "—" : c.policy().label()),
                    c == null ? "—" : Html.esc(grants(c).size())));
        }
        String body = Html.table("products-table", List.of("Product", "Domain", "Version", "Rows", "Label", "Grants"), rows) + ports(q.caller());
        return Html.page("Products", q.caller(), body, List.of());
    }

    /**
     * The output ports of the models in production that the caller may consume (its identity among
     * the port's consumers, the model's owner, or the operator): products requested with
     * {@code --model model.NAME}; empty when there is none.
     */
    private String ports(io.meshfl.web.Caller caller) {
        List<List<String>> rows = new ArrayList<>();
        var registry = new io.meshfl.core.catalog.ModelRegistry(backend.catalog());
        for (var p : io.meshfl.core.catalog.OutputPorts.inProduction(backend.catalog())) {
            var e = registry.require(p.modelId());
            java.util.Set<String> consumers = io.meshfl.core.catalog.OutputPorts.consumers(e.outputContract());
            if (!caller.operator() && !consumers.contains(caller.label()) && !caller.label().equals(p.owner())) continue;
            rows.add(List.of(Html.esc(p.id()), Html.a("/console/models/" + Html.seg(p.modelId()), p.modelId()), Html.esc(p.owner()),
                    Html.esc(p.version()), Html.esc(String.join(", ", consumers))));
        }
        if (rows.isEmpty()) return "";
        return "<h2>Model output ports</h2>" + Html.table("ports-table", List.of("Port", "Model", "Owner", "Version", "Consumers"), rows);
    }

    private static String rows(int rows) {
        return rows < 0 ? "unknown" : Html.esc(rows);
    }

    private static List<Grant> grants(DataContract c) {
        return c.policy().consumers() == null ? List.of() : c.policy().consumers();
    }

    private JsonNode product(Request q) {
        String id = q.path("id");
        Visible v = new Visible(backend.catalog(), q.caller());
        List<Visible.Shown> versions = v.versions(id);
        // one that exists but may not be read answers as one that does not, as the API's product route does
        if (versions.isEmpty()) throw new ApiException(Problem.notFound("no data product '" + id + "' the caller may read"));
        Visible.Shown latest = versions.get(versions.size() - 1);
        ProductRecord p = latest.record();
        DataContract c = latest.contract();
        StringBuilder b = new StringBuilder();
        b.append("<div class=\"card\" id=\"product-summary\"><dl class=\"facts\">")
                .append(fact("Domain", Html.esc(p.domain()))).append(fact("Version", Html.esc(p.version())))
                .append(fact("Status", c == null ? "—" : Html.esc(c.status()))).append(fact("Rows", rows(p.rows())))
                .append(fact("Registered", Cells.time(p.registeredAt()))).append("</dl>");
        if (c != null && c.description() != null && !c.description().isBlank()) {
            b.append("<p id=\"product-description\">").append(Html.esc(c.description())).append("</p>");
        }
        b.append("</div>");
        if (c == null) {
            b.append("<div class=\"problem\" id=\"product-error\">The stored contract of version ").append(Html.esc(p.version()))
                    .append(" does not load with this coordinator's loader.</div>");
        } else {
            b.append(schema(c)).append(policy(p, c)).append(budget(p, c));
        }
        b.append(versions(versions)).append(runs(v, id));
        return Html.page("Product " + id, q.caller(), b.toString(), List.of());
    }

    private static String fact(String name, String escapedValue) {
        return "<div><dt>" + Html.esc(name) + "</dt><dd>" + escapedValue + "</dd></div>";
    }

    private static String schema(DataContract c) {
        List<List<String>> rows = new ArrayList<>();
        for (Property prop : c.properties()) {
            List<String> role = new ArrayList<>();
            if (prop.primaryKey() || prop.name().equals(c.policy().entityKey())) role.add("key");
            if (prop.name().equals(c.policy().label())) role.add("label");
            if (c.featureColumns().contains(prop.name())) role.add("feature");
            rows.add(List.of(Html.esc(prop.name()), Html.esc(String.valueOf(prop.logicalType()).toLowerCase(Locale.ROOT)),
                    prop.isPii() ? "<span class=\"bad\">pii</span>" : "", role.isEmpty() ? "" : "<span class=\"marker\">" + Cells.join(role, " ") + "</span>"));
        }
        return "<h2>Schema</h2>" + Html.table("product-schema", List.of("Column", "Type", "PII", "Use"), rows);
    }

    private static String policy(ProductRecord p, DataContract c) {
        var pol = c.policy();
        StringBuilder b = new StringBuilder("<h2>Policy</h2><div class=\"card\" id=\"product-policy\"><dl class=\"facts\">");
        b.append(fact("Protocols", pol.protocols().isEmpty() ? "any" : Cells.join(pol.protocols(), ", ")))
                .append(fact("Requires", pol.requires().isEmpty() ? "nothing more" : Cells.join(pol.requires(), ", ")))
                .append(fact("Rows may leave the domain", pol.rawRowsMayLeave() ? "yes" : "no"))
                .append(fact("PII as features", pol.allowPiiFeatures() ? "allowed" : "no"))
                .append("</dl></div>");
        List<List<String>> rows = new ArrayList<>();
        for (Grant g : grants(c)) {
            rows.add(List.of(Html.esc(g.identity()), Cells.join(g.may(), ", "), g.protocols().isEmpty() ? "any the product allows" : Cells.join(g.protocols(), ", ")));
        }
        if (pol.consumers() == null) {
            b.append("<p class=\"muted\">The contract names no consumers: only domain:").append(Html.esc(p.domain())).append(" uses it.</p>");
        }
        return b.append(Html.table("product-grants", List.of("Who may use it", "May", "Through protocols"), rows)).toString();
    }

    private String budget(ProductRecord p, DataContract c) {
        double spent = new PrivacyLedger(backend.catalog()).spent(p.id());
        Double total = c.policy().epsilonBudget();
        StringBuilder b = new StringBuilder("<h2>Privacy budget</h2><div class=\"card\" id=\"product-budget\">");
        if (total == null) {
            b.append("<p>No privacy budget is set (the contract names no epsilonBudget); runs have charged ε ").append(Cells.eps(spent))
                    .append(".</p>");
        } else {
            b.append("<p>ε total <b>").append(Cells.eps(total)).append("</b>, spent <b>").append(Cells.eps(spent)).append("</b>, left <b>")
                    .append(Cells.eps(Math.max(0, total - spent))).append("</b></p>").append(Cells.gauge("budget-gauge", spent, total));
        }
        return b.append("</div>").toString();
    }

    /** One column per version, oldest left; a cell that differs from the version before it is marked {@code changed}. */
    static String versions(List<Visible.Shown> versions) {
        List<String> head = new ArrayList<>();
        List<String[]> rows = new ArrayList<>();
        record Line(String name, Function<Visible.Shown, String> value) {
        }
        List<Line> lines = List.of(
                new Line("Contract (sha256)", s -> Html.esc(s.record().contractSha256().substring(0, Math.min(12, s.record().contractSha256().length())))),
                new Line("Rows", s -> rows(s.record().rows())),
                new Line("Columns", s -> s.contract() == null ? "—" : Cells.join(s.contract().columns(), ", ")),
                new Line("Grants", s -> s.contract() == null ? "—" : Cells.join(grants(s.contract()).stream()
                        .map(g -> g.identity() + " (" + String.join(", ", g.may()) + ")").toList(), ", ")),
                new Line("Label", s -> s.contract() == null || s.contract().policy().label() == null ? "—" : Html.esc(s.contract().policy().label())),
                new Line("ε budget", s -> s.contract() == null || s.contract().policy().epsilonBudget() == null ? "—"
                        : Cells.eps(s.contract().policy().epsilonBudget())),
                new Line("Registered", s -> Cells.time(s.record().registeredAt())));
        for (Visible.Shown s : versions) head.add(s.record().version());
        StringBuilder b = new StringBuilder("<h2>Versions</h2><table id=\"product-versions\"><thead><tr><th></th>");
        for (String h : head) b.append("<th>").append(Html.esc(h)).append("</th>");
        b.append("</tr></thead><tbody>");
        for (Line line : lines) {
            b.append("<tr><th>").append(Html.esc(line.name())).append("</th>");
            String before = null;
            for (int i = 0; i < versions.size(); i++) {
                String cell = line.value().apply(versions.get(i));
                // registration times always differ: only what the contract says is compared
                boolean changed = i > 0 && !line.name().equals("Registered") && !cell.equals(before);
                b.append(changed ? "<td class=\"changed\">" : "<td>").append(cell).append("</td>");
                before = cell;
            }
            b.append("</tr>");
        }
        return b.append("</tbody></table>").toString();
    }

    private static String runs(Visible v, String id) {
        List<List<String>> rows = new ArrayList<>();
        int more = 0;
        for (RunRecord r : v.catalog.runsForProduct(id)) {
            if (!v.mayRead(r)) continue;
            // a product trained on for years has thousands of runs: the newest are shown here, all of them on the runs page
            if (rows.size() == RUNS_SHOWN) {
                more++;
                continue;
            }
            rows.add(List.of(Cells.run(r.id()), Cells.stateText(r.status()), Html.esc(r.strategy()), Cells.time(r.startedAt()),
                    Html.esc(r.submitter() == null ? "—" : r.submitter())));
        }
        return "<h2>Runs over it</h2>" + Html.table("product-runs", List.of("Run", "Status", "Strategy", "Started", "Submitted by"), rows)
                + (more == 0 ? "" : "<p class=\"muted\" id=\"product-runs-more\">and " + more + " older runs</p>");
    }
}

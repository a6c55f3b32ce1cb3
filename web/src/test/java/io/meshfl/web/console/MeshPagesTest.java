package io.meshfl.web.console;

import io.meshfl.core.catalog.AuditRecord;
import io.meshfl.core.catalog.Catalog;
import io.meshfl.core.catalog.IntegrationStore;
import io.meshfl.core.catalog.PrivacyLedger;
import io.meshfl.core.catalog.RoundRecord;
import io.meshfl.core.trust.MeshIdentity;
import io.meshfl.web.ApiException;
import io.meshfl.web.Backend;
import io.meshfl.web.Caller;
import io.meshfl.web.Request;
import io.meshfl.web.Route;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.math.BigInteger;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The mesh's console pages, their handlers called directly over an in-memory catalog of two domains: what each identity
 * sees, that no page names where a domain's data lives, that catalog values come out escaped, the audit's filters and
 * pages, and a contract's versions side by side.
 */
class MeshPagesTest {

    private static final String LENDING_PATH = "/srv/lending/secret-accounts.csv";
    private static final String SHOP_PATH = "/srv/shop/orders.csv";
    private static final String SCRIPT = "<script>alert('x')</script>";

    private Catalog catalog;
    private List<Route> routes;
    private final List<String> runs = new ArrayList<>();
    private String violated;
    private String timedOut;

    private static Caller caller(MeshIdentity.Role role, String name) {
        return new Caller(new MeshIdentity(role, name, BigInteger.ONE, Instant.now().plusSeconds(3600)));
    }

    private static final Caller OPERATOR = caller(MeshIdentity.Role.CLIENT, "operator");
    private static final Caller LENDING = caller(MeshIdentity.Role.DOMAIN, "lending");
    private static final Caller SHOP = caller(MeshIdentity.Role.DOMAIN, "shop");
    private static final Caller ALICE = caller(MeshIdentity.Role.CLIENT, "alice");
    private static final Caller BOB = caller(MeshIdentity.Role.CLIENT, "bob");

    static String lending(String consumers, double budget) {
        return """
                apiVersion: v3.0.2
                kind: DataContract
                id: lending.accounts
                version: %1$s
                domain: lending
                dataProduct: accounts
                status: active
                description: "Accounts %2$s"
                servers:
                  - {server: local, type: csv, path: %3$s}
                schema:
                  - name: accounts
                    properties:
                      - {name: id, logicalType: string, primaryKey: true}
                      - {name: income, logicalType: number}
                      - {name: ssn_hash, logicalType: string, classification: pii}
                      - {name: y, logicalType: integer}
                meshfl:
                  entityKey: id
                  label: y
                  epsilonBudget: %4$s
                  consumers: %5$s
                """.formatted(consumers.contains("bob") ? "1.1.0" : "1.0.0", SCRIPT, LENDING_PATH, budget, consumers);
    }

    static final String SHOP_CONTRACT = """
            apiVersion: v3.0.2
            kind: DataContract
            id: shop.orders
            version: 1.0.0
            domain: shop
            dataProduct: orders
            servers:
              - {server: local, type: csv, path: %s}
            schema:
              - name: orders
                properties:
                  - {name: id, logicalType: string, primaryKey: true}
                  - {name: basket_value, logicalType: number}
                  - {name: n_orders, logicalType: integer}
            meshfl:
              entityKey: id
            """.formatted(SHOP_PATH);

    static final String INTEGRATION = """
            apiVersion: v1.0.0
            kind: MeshIntegration
            id: credit.joined
            version: 1.0.0
            base: lending.accounts
            relationships:
              - name: customer
                from: {product: lending.accounts, column: id}
                to: {product: shop.orders, column: id}
                cardinality: one-to-one
            columns:
              - {target: y, product: lending.accounts, column: y}
              - {target: income, product: lending.accounts, column: income}
              - {target: basket_value, product: shop.orders, column: basket_value}
            """;

    @BeforeEach
    void mesh() {
        catalog = Catalog.inMemory("x" + System.nanoTime());
        catalog.upsertDomain("lending", SCRIPT);
        catalog.upsertDomain("shop", "shop-owner");
        catalog.registerProduct("lending.accounts", "lending", "1.0.0", lending("[{identity: 'client:alice', may: [train]}]", 3.0), 1000);
        catalog.registerProduct("lending.accounts", "lending", "1.1.0",
                lending("[{identity: 'client:alice', may: [train]}, {identity: 'client:bob', may: [train, predict]}]", 3.0), 1000);
        catalog.registerProduct("shop.orders", "shop", "1.0.0", SHOP_CONTRACT, 500);
        catalog.upsertNode("lending-node-1", "lending", "10.0.0.7:7001");
        catalog.heartbeat("lending-node-1", Instant.parse("2030-01-02T03:04:05Z"));
        catalog.upsertNode("shop-node-1", "shop", "10.0.0.8:7001");
        catalog.markLost("shop-node-1", "no heartbeat");
        new IntegrationStore(catalog).register("credit.joined", "1.0.0", INTEGRATION);

        String job = catalog.createJob("credit", "name: credit\nproducts: [lending.accounts]\n").id();
        for (int i = 0; i < 60; i++) {
            boolean alice = i % 2 == 0;
            var run = catalog.startRun(job, "horizontal", "{}", "{}", i, alice ? List.of("lending.accounts") : List.of("lending.accounts", "shop.orders"),
                    new Catalog.Ticket(alice ? "client:alice" : "client:operator", "n" + i, "sha"));
            catalog.recordRound(run.id(), new RoundRecord(1, 0.5, 100, 100, 2, 0, "{}"), List.of(
                    AuditRecord.of(Instant.now(), job, run.id(), "horizontal/train", "coordinator", "lending", 10, "secure-aggregation | mutual TLS"),
                    AuditRecord.of(Instant.now(), job, run.id(), i % 3 == 0 ? "horizontal/evaluate" : "horizontal/train", "coordinator",
                            alice ? "lending" : "shop", 10, "plain | mutual TLS")));
            catalog.finishRun(run.id(), "{}", 100, 100);
            runs.add(run.id());
        }
        new PrivacyLedger(catalog).charge(runs.get(0), Map.of("lending.accounts", 3.0), List.of("lending.accounts"), 1.0, 1e-5);
        violated = catalog.startRun(job, "horizontal", "{}", "{}", 99, List.of("lending.accounts", "shop.orders"),
                new Catalog.Ticket("client:operator", "nv", "sha")).id();
        catalog.failRun(violated, "MeshFL-601 POLICY_VIOLATION: node shop refused column basket_value as a feature", 0, 0);
        timedOut = catalog.startRun(job, "horizontal", "{}", "{}", 98, List.of("shop.orders"), new Catalog.Ticket("client:operator", "nt", "sha")).id();
        catalog.failRun(timedOut, "MeshFL-503 ROUND_TIMEOUT: round 2 took too long", 0, 0);
        String refused = catalog.createJob("refused-" + SCRIPT, "name: x\nproducts: [shop.orders]\n").id();
        catalog.updateJobStatus(refused, "REFUSED");
        routes = ConsoleRoutes.routes(new Backend(catalog, spec -> null, null));
    }

    @AfterEach
    void close() {
        catalog.close();
    }

    /** The page {@code path} answers {@code caller}: the route whose template it fits, its handler called directly. */
    private String page(Caller caller, String path, Map<String, String> query) {
        for (Route r : routes) {
            String[] want = r.path().split("/"), got = path.split("/");
            if (want.length != got.length) continue;
            Map<String, String> params = new java.util.HashMap<>();
            boolean fits = true;
            for (int i = 0; i < want.length && fits; i++) {
                if (want[i].startsWith("{")) params.put(want[i].substring(1, want[i].length() - 1), got[i]);
                else fits = want[i].equals(got[i]);
            }
            if (!fits) continue;
            assertEquals(Html.MEDIA_TYPE, r.produces());
            return r.handler().handle(new Request(caller, params, query)).asText();
        }
        throw new AssertionError("no console route for " + path);
    }

    private String page(Caller caller, String path) {
        return page(caller, path, Map.of());
    }

    /** The body rows of the table with {@code id}. */
    private static List<String> rows(String html, String id) {
        int at = html.indexOf("id=\"" + id + "\"");
        assertTrue(at >= 0, "the page has #" + id);
        String table = html.substring(at, html.indexOf("</table>", at));
        String body = table.substring(table.indexOf("<tbody>"));
        List<String> out = new ArrayList<>();
        Matcher m = Pattern.compile("<tr>(.*?)</tr>").matcher(body);
        while (m.find()) if (!m.group(1).contains("class=\"empty\"")) out.add(m.group(1));
        return out;
    }

    private static String section(String html, String id) {
        int at = html.indexOf("id=\"" + id + "\"");
        assertTrue(at >= 0, "the page has #" + id);
        return html.substring(at, html.indexOf("</table>", at));
    }

    @Test
    void theOperatorSeesBothDomainsNodesOnTheMapWithStateAndHeartbeat() {
        String html = page(OPERATOR, "/console");
        String map = html.substring(html.indexOf("<svg id=\"mesh-map\""), html.indexOf("</svg>"));
        assertTrue(map.contains("class=\"node ACTIVE\" data-node=\"lending-node-1\""), map);
        assertTrue(map.contains("class=\"node LOST\" data-node=\"shop-node-1\""), map);
        assertTrue(map.contains("<title>lending-node-1 · ACTIVE · last heartbeat 2030-01-02T03:04:05Z</title>"), map);
        assertEquals(2, rows(html, "domains-table").size());
        assertEquals(1, rows(html, "integrations-table").size());
        assertFalse(html.contains("10.0.0.7"), "a node's address is not shown");
    }

    @Test
    void aDomainSeesItsOwnNodesOnlyAndTheIntegrationsJoiningItsProducts() {
        String html = page(LENDING, "/console");
        assertTrue(html.contains("data-node=\"lending-node-1\""));
        assertFalse(html.contains("shop-node-1"), "shop's nodes stay shop's");
        List<String> domains = rows(html, "domains-table");
        assertEquals(2, domains.size(), "every domain is on the map, as /api/domains lists them");
        assertTrue(domains.get(1).contains("not shown"), domains.get(1));
        assertTrue(rows(html, "integrations-table").get(0).contains("credit.joined"));

        String alice = page(ALICE, "/console");
        assertFalse(alice.contains("data-node="), "a client sees no nodes");
        assertFalse(alice.contains("integrations-table"), "nor how the domains' products join");
    }

    @Test
    void aClientSeesOnlyTheProductsItsGrantsNameAndNeverWhereTheDataLives() {
        List<String> mine = rows(page(ALICE, "/console/products"), "products-table");
        assertEquals(1, mine.size(), mine.toString());
        assertTrue(mine.get(0).contains("lending.accounts") && mine.get(0).contains("<td>y</td>") && mine.get(0).contains("<td>2</td>"), mine.get(0));
        assertEquals(2, rows(page(OPERATOR, "/console/products"), "products-table").size());
        assertEquals(List.of(), rows(page(caller(MeshIdentity.Role.CLIENT, "carol"), "/console/products"), "products-table"));

        String product = page(ALICE, "/console/products/lending.accounts");
        assertEquals(4, rows(product, "product-schema").size());
        assertTrue(section(product, "product-schema").contains("pii"));
        List<String> grants = rows(product, "product-grants");
        assertEquals(2, grants.size());
        assertTrue(grants.get(1).contains("client:bob") && grants.get(1).contains("train, predict"), grants.get(1));
        assertFalse(product.contains("/srv/") || product.contains("secret-accounts"), "where lending's data lives stays with lending");
        List<String> used = rows(product, "product-runs");
        assertEquals(30, used.size(), "the runs alice submitted over it, not the operator's");
        assertTrue(used.get(0).contains("href=\"/console/runs/"), used.get(0));
    }

    @Test
    void aProductTheCallerMayNotReadIsA404NamingNoneOfItsColumns() {
        for (Caller c : List.of(ALICE, LENDING, BOB)) {
            ApiException e = assertThrows(ApiException.class, () -> page(c, "/console/products/shop.orders"));
            assertEquals(404, e.problem.status());
            assertFalse(e.problem.detail().contains("basket_value") || e.problem.detail().contains("shop-owner"), e.problem.detail());
        }
        ApiException none = assertThrows(ApiException.class, () -> page(OPERATOR, "/console/products/no.such"));
        assertEquals(404, none.problem.status());
        // bob is granted only from version 1.1.0 on: he sees that version, not the one before it
        String bob = page(BOB, "/console/products/lending.accounts");
        assertTrue(bob.contains("<th>1.1.0</th>") && !bob.contains("<th>1.0.0</th>"), section(bob, "product-versions"));
    }

    @Test
    void noPageNamesWhereADomainsDataLivesWhoeverAsks() {
        for (Caller c : List.of(OPERATOR, LENDING, SHOP, ALICE, BOB)) {
            List<String> pages = new ArrayList<>(List.of("/console", "/console/products", "/console/budgets", "/console/audit"));
            for (String p : List.of("lending.accounts", "shop.orders")) {
                try {
                    page(c, "/console/products/" + p);
                    pages.add("/console/products/" + p);
                } catch (ApiException notReadable) {
                    // a product the caller may not read is a 404, checked on its own
                }
            }
            for (String p : pages) {
                String html = page(c, p);
                assertFalse(html.contains("/srv/") || html.contains("orders.csv") || html.contains("secret-accounts"), c.label() + " " + p);
            }
        }
    }

    @Test
    void catalogValuesComeOutEscaped() {
        String mesh = page(OPERATOR, "/console");
        assertFalse(mesh.contains(SCRIPT), "the owner's name is text");
        assertTrue(mesh.contains("&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;"), "the owner's name is shown, escaped");
        String product = page(ALICE, "/console/products/lending.accounts");
        assertFalse(product.contains(SCRIPT));
        assertTrue(section(product, "product-description").contains("Accounts &lt;script&gt;"));
        String budgets = page(OPERATOR, "/console/budgets");
        assertFalse(budgets.contains(SCRIPT));
        assertTrue(rows(budgets, "refused-jobs-table").get(0).contains("refused-&lt;script&gt;"));
        for (String html : List.of(mesh, product, budgets, page(OPERATOR, "/console/audit"))) {
            assertFalse(Pattern.compile("<script>|\\son[a-z]+=").matcher(html).find(), "no inline script or handler");
        }
    }

    @Test
    void theAuditFilterNarrowsTheRowsAndThePagesKeepIt() {
        String all = page(OPERATOR, "/console/audit");
        assertEquals(50, rows(all, "audit-table").size(), "fifty to a page");
        assertTrue(all.contains("records 1–50 of 120"), all);
        assertTrue(all.contains("id=\"audit-next\" href=\"/console/audit?offset=50\""));
        assertFalse(all.contains("id=\"audit-prev\""));
        assertTrue(all.contains("id=\"audit-verify\"") && all.contains("id=\"verify-result\"") && all.contains("/console/static/audit.js"));

        String evaluate = page(OPERATOR, "/console/audit", Map.of("step", "horizontal/evaluate"));
        List<String> rows = rows(evaluate, "audit-table");
        assertEquals(20, rows.size());
        assertTrue(rows.stream().allMatch(r -> r.contains("horizontal/evaluate")));
        assertTrue(evaluate.contains("id=\"audit-step\" name=\"step\" value=\"horizontal/evaluate\""), "the form keeps the filter");

        String train = page(OPERATOR, "/console/audit", Map.of("step", "horizontal/train"));
        assertTrue(train.contains("id=\"audit-next\" href=\"/console/audit?step=horizontal%2Ftrain&amp;offset=50\""), train);
        String older = page(OPERATOR, "/console/audit", Map.of("step", "horizontal/train", "offset", "50"));
        assertEquals(50, rows(older, "audit-table").size());
        assertTrue(older.contains("id=\"audit-prev\" href=\"/console/audit?step=horizontal%2Ftrain&amp;offset=0\""), older);
        assertFalse(older.contains("audit-next"), "the last page of the hundred train records");

        // the API's own rule for each caller: shop sees what it sent or received, alice the runs she submitted
        assertEquals(30, rows(page(ALICE, "/console/audit", Map.of("protection", "secure")), "audit-table").size());
        String shop = page(SHOP, "/console/audit");
        assertTrue(shop.contains("of 30,") && rows(shop, "audit-table").stream().allMatch(r -> r.contains("<td>shop</td>")), shop);
        assertFalse(shop.contains("audit-verify"), "verifying the chains is the operator's");
        assertEquals(0, rows(page(ALICE, "/console/audit", Map.of("run", runs.get(1))), "audit-table").size(), "the operator's run");
    }

    @Test
    void versionsSideBySideMarkWhatChanged() {
        String html = page(OPERATOR, "/console/products/lending.accounts");
        String versions = section(html, "product-versions");
        assertTrue(versions.contains("<th>1.0.0</th><th>1.1.0</th>"), versions);
        List<String> lines = rows(html, "product-versions");
        String grants = lines.stream().filter(l -> l.startsWith("<th>Grants</th>")).findFirst().orElseThrow();
        assertTrue(grants.matches(".*<td>client:alice \\(train\\)</td><td class=\"changed\">client:alice \\(train\\), client:bob.*"), grants);
        String label = lines.stream().filter(l -> l.startsWith("<th>Label</th>")).findFirst().orElseThrow();
        assertFalse(label.contains("changed"), label);
        String sha = lines.stream().filter(l -> l.startsWith("<th>Contract (sha256)</th>")).findFirst().orElseThrow();
        assertTrue(sha.contains("class=\"changed\""), sha);
    }

    @Test
    void budgetsShowWhatIsSpentAndViolationsOnlyToThoseWhoMayReadTheRun() {
        String op = page(OPERATOR, "/console/budgets");
        String budget = rows(op, "budgets-table").stream().filter(r -> r.contains("lending.accounts")).findFirst().orElseThrow();
        assertTrue(budget.contains("<td>3.000</td><td>1.000</td><td>2.000</td>") && budget.contains("style=\"width:33.3%\""), budget);
        List<String> violations = rows(op, "violations-table");
        assertEquals(1, violations.size(), "a timeout is a fault, not a violation");
        assertTrue(violations.get(0).contains(violated) && violations.get(0).contains("MeshFL-601 POLICY_VIOLATION"));
        assertEquals(1, rows(op, "refused-jobs-table").size());

        assertEquals(1, rows(page(SHOP, "/console/budgets"), "violations-table").size(), "the run used shop's product");
        String alice = page(ALICE, "/console/budgets");
        assertEquals(0, rows(alice, "violations-table").size(), "the operator's run is not alice's to see");
        assertFalse(alice.contains("refused-jobs-table"), "refused jobs are the operator's");
        assertTrue(rows(alice, "charges-table").get(0).contains(runs.get(0)), "alice's own run's charge");

        String product = page(ALICE, "/console/products/lending.accounts");
        assertTrue(product.contains("id=\"budget-gauge\"") && product.contains("style=\"width:33.3%\""), section(product, "product-budget"));
    }

    @Test
    void budgetsViolationsRefusedJobsAndIntegrationsAnswerEachCallerWhatTheApiAndConsoleShowIt() {
        var op = new io.meshfl.web.Governance(catalog, OPERATOR);
        var lendingBudget = op.budgets().stream().filter(b -> b.productId().equals("lending.accounts")).findFirst().orElseThrow();
        assertEquals(3.0, lendingBudget.total());
        assertEquals(1.0, lendingBudget.spent(), 1e-12);
        assertEquals(2.0, lendingBudget.left(), 1e-12);
        assertEquals(runs.get(0), lendingBudget.charges().get(0).runId());
        assertEquals(List.of(violated), op.violations().stream().map(v -> v.run().id()).toList(), "a timeout is a fault, not a violation");
        assertEquals(1, op.refusedJobs().size());
        assertEquals(1, op.integrations().size());
        assertEquals(List.of("lending.accounts", "shop.orders"), op.integrations().get(0).products().stream().sorted().toList());

        // bob reads lending.accounts (granted) but not the run alice's charge came from: it counts, unnamed
        var bob = new io.meshfl.web.Governance(catalog, BOB);
        var bobs = bob.budgets();
        assertEquals(List.of("lending.accounts"), bobs.stream().map(io.meshfl.web.Governance.Budget::productId).toList());
        assertEquals(1.0, bobs.get(0).spent(), 1e-12);
        assertEquals(null, bobs.get(0).charges().get(0).runId());
        assertTrue(bob.violations().isEmpty(), "bob submitted none of the runs");
        assertTrue(bob.refusedJobs().isEmpty());
        assertTrue(bob.integrations().isEmpty(), "a client sees no domain's joins");

        // the shop sees the violation over its product and the integration joining it; no refused jobs
        var shop = new io.meshfl.web.Governance(catalog, SHOP);
        assertEquals(List.of(violated), shop.violations().stream().map(v -> v.run().id()).toList());
        assertEquals(1, shop.integrations().size());
        assertTrue(shop.refusedJobs().isEmpty());
    }
}

package io.meshfl.core.plan;

import io.meshfl.core.ErrorCode;
import io.meshfl.core.MeshflException;
import io.meshfl.core.contract.DataContract;
import io.meshfl.core.integration.Integration;
import io.meshfl.core.integration.IntegrationLoader;
import io.meshfl.core.plan.cost.CostModel;
import org.junit.jupiter.api.Test;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** How jobs over a mesh integration's join are planned: by cost when rows may pool, vertically or not at all when they may not. */
class JoinedPlannerTest {

    private static DataContract contract(String id, String domain, String label, boolean mayLeave, String... columns) {
        return Contracts.of(id, domain, label, mayLeave, columns);
    }

    private static final String STAR = """
            apiVersion: v1.0.0
            kind: MeshIntegration
            id: star
            version: 1.0.0
            base: sales.orders
            relationships:
              - {name: order-customer, from: {product: sales.orders, column: customer_id}, to: {product: crm.customers, column: id}, cardinality: many-to-one}
            columns:
              - {target: y, product: sales.orders, column: y}
              - {target: amount, product: sales.orders, column: amount}
              - {target: age, product: crm.customers, column: age}
              - {target: income, product: crm.customers, column: income}
            """;

    private static final String PAIR = """
            apiVersion: v1.0.0
            kind: MeshIntegration
            id: pair
            version: 1.0.0
            base: sales.orders
            relationships:
              - {name: same-order, from: {product: sales.orders, column: id}, to: {product: ops.shipping, column: id}, cardinality: one-to-one}
            columns:
              - {target: y, product: sales.orders, column: y}
              - {target: amount, product: sales.orders, column: amount}
              - {target: days, product: ops.shipping, column: days}
            """;

    private static final String SNOWFLAKE = """
            apiVersion: v1.0.0
            kind: MeshIntegration
            id: snowflake
            version: 1.0.0
            base: sales.orders
            relationships:
              - {name: order-customer, from: {product: sales.orders, column: customer_id}, to: {product: crm.customers, column: id}, cardinality: many-to-one}
              - {name: customer-region, from: {product: crm.customers, column: region_id}, to: {product: geo.regions, column: id}, cardinality: many-to-one}
            columns:
              - {target: y, product: sales.orders, column: y}
              - {target: amount, product: sales.orders, column: amount}
              - {target: age, product: crm.customers, column: age}
              - {target: score, product: geo.regions, column: score}
            """;

    private static Plan plan(String integration, String strategy, boolean mayLeave, long orders, long customers) {
        List<DataContract> cs = List.of(contract("sales.orders", "sales", "y", mayLeave, "customer_id", "amount"),
                contract("crm.customers", "crm", null, mayLeave, "age", "income", "region_id"),
                contract("geo.regions", "geo", null, mayLeave, "score"),
                contract("ops.shipping", "ops", null, mayLeave, "days", "weight"));
        Map<String, Planner.ProductView> views = new LinkedHashMap<>();
        views.put("sales.orders", new Planner.ProductView(cs.get(0), orders));
        views.put("crm.customers", new Planner.ProductView(cs.get(1), customers));
        views.put("geo.regions", new Planner.ProductView(cs.get(2), 10));
        views.put("ops.shipping", new Planner.ProductView(cs.get(3), orders));
        Integration in = IntegrationLoader.parse(integration, null, cs);
        String products = switch (in.id()) {
            case "star" -> "[sales.orders, crm.customers]";
            case "snowflake" -> "[sales.orders, crm.customers, geo.regions]";
            default -> "[sales.orders, ops.shipping]";
        };
        JobSpec job = JobLoader.parse("name: j\nproducts: " + products + "\nlabel: y\nmodel: {type: logistic}\nintegration: " + in.id()
                + "\nstrategy: " + strategy + "\njoined: {iterations: 20}\nvertical: {keyBits: 1024}\n", "j.yaml");
        return Planner.plan(job, views, id -> in, CostModel.REFERENCE, "the reference machine");
    }

    @Test
    void poolableStarSchemaIsPricedAndTheCheaperPlanChosen() {
        Plan p = plan(STAR, "auto", true, 1_000_000, 10_000);
        Plan.Candidate mat = p.candidates().stream().filter(c -> c.strategy().equals("materialized")).findFirst().orElseThrow();
        Plan.Candidate fac = p.candidates().stream().filter(c -> c.strategy().equals("factorized")).findFirst().orElseThrow();
        assertTrue(mat.feasible() && fac.feasible());
        assertEquals(fac.estSeconds() < mat.estSeconds() ? "factorized" : "materialized", p.strategy());
        assertEquals(List.of("amount", "age", "income"), p.features());
        assertTrue(p.explain().contains("tuple ratio 100.0"), p.explain());
        assertTrue(p.explain().contains("settings not used by the chosen " + p.strategy() + " plan, written for other candidates of "
                + "strategy auto: vertical.keyBits (applies to federated-factorized)"), p.explain());
    }

    @Test
    void oneToOneProductsThatKeepTheirRowsTrainVertically() {
        Plan p = plan(PAIR, "auto", false, 5_000, 5_000);
        assertEquals("vertical", p.strategy());
        assertEquals(List.of("amount"), p.participants().get(0).features());
        assertEquals(List.of("days"), p.participants().get(1).features(), "only the mapped columns, not every allowed one");
        assertTrue(p.candidates().stream().filter(c -> c.strategy().equals("vertical")).findFirst().orElseThrow().estSeconds() > 0);
        assertFalse(p.candidates().stream().filter(c -> c.strategy().equals("factorized")).findFirst().orElseThrow().feasible());
    }

    @Test
    void manyToOneProductsThatKeepTheirRowsTrainFactorizedInTheirDomains() {
        Plan p = plan(STAR, "auto", false, 10_000, 100);
        assertEquals("federated-factorized", p.strategy());
        assertEquals("y", p.label());
        assertEquals(List.of("guest", "host"), p.participants().stream().map(Plan.Participant::role).toList());
        assertEquals(List.of("amount"), p.participants().get(0).features());
        assertEquals(List.of("age", "income"), p.participants().get(1).features());
        Plan.Candidate mat = p.candidates().stream().filter(c -> c.strategy().equals("materialized")).findFirst().orElseThrow();
        assertFalse(mat.feasible());
        assertTrue(mat.ruledOutBy().contains("rawRowsMayLeave=false of crm.customers"), mat.ruledOutBy());
        Plan.Candidate fed = p.candidates().stream().filter(c -> c.strategy().equals("federated-factorized")).findFirst().orElseThrow();
        assertTrue(fed.feasible() && fed.estSeconds() > 0, fed.toString());
        assertTrue(p.explain().contains("never built") && p.explain().contains("tuple ratio 100.0"), p.explain());
        var forced = assertThrows(MeshflException.class, () -> plan(STAR, "vertical", true, 1000, 100));
        assertTrue(forced.getMessage().contains("many-to-one"), forced.getMessage());
    }

    @Test
    void productsWhosePoliciesLeaveNoStrategyAreRefusedNamingEachPolicy() {
        // A snowflake whose products keep their rows: no join in one place, and regions join through customers, not the base.
        var e = assertThrows(MeshflException.class, () -> plan(SNOWFLAKE, "auto", false, 1000, 100));
        assertEquals(ErrorCode.PLAN_REFUSED, e.code());
        assertTrue(e.getMessage().contains("rawRowsMayLeave=false of sales.orders") && e.getMessage().contains("rawRowsMayLeave=false of geo.regions")
                && e.getMessage().contains("many-to-one") && e.getMessage().contains("'customer-region'"), e.getMessage());
        var forced = assertThrows(MeshflException.class, () -> plan(SNOWFLAKE, "federated-factorized", true, 1000, 100));
        assertTrue(forced.getMessage().contains("only star joins"), forced.getMessage());
    }
}

package io.meshfl.core.integration;

import io.meshfl.core.ErrorCode;
import io.meshfl.core.MeshflException;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class KeyChecksTest {

    private static final Relationship ORDER_CUSTOMER = new Relationship("order-customer",
            new ColumnRef("sales.orders", "customer_id"), new ColumnRef("crm.customers", "id"), Cardinality.MANY_TO_ONE);
    private static final Relationship CUSTOMER_PROFILE = new Relationship("customer-profile",
            new ColumnRef("crm.customers", "id"), new ColumnRef("crm.profiles", "customer_ref"), Cardinality.ONE_TO_ONE);

    private static void assertMentions(String message, String... parts) {
        for (String p : parts) assertTrue(message.contains(p), "expected '" + p + "' in:\n" + message);
    }

    @Test
    void fkIndexPointsEachFactRowAtItsDimensionRowAndCountsUnmatchedRows() {
        String[] orders = {"c2", "c1", "c2", "c9", null};
        String[] customers = {"c1", "c2", "c3"};
        KeyMatch m = KeyChecks.match(ORDER_CUSTOMER, orders, customers);
        assertArrayEquals(new int[]{1, 0, 1, -1, -1}, m.fkIndex());
        assertEquals(2, m.unmatched());
        assertEquals(3, m.matched());
        assertEquals("sales.orders.customer_id -> crm.customers.id: 3 of 5 rows matched, 2 unmatched", m.summary());
    }

    @Test
    void keysWithNoMatchAtAllAreAnErrorNamingTheRelationshipAndBothProducts() {
        MeshflException e = assertThrows(MeshflException.class,
                () -> KeyChecks.match(ORDER_CUSTOMER, new String[]{"7", "8"}, new String[]{"c1", "c2"}));
        assertEquals(ErrorCode.DATA_BAD_VALUE, e.code());
        assertMentions(e.getMessage(), "relationship 'order-customer'", "none of the 2 keys of sales.orders.customer_id",
                "in product sales.orders", "crm.customers.id in product crm.customers", "the key of data row 1 is not found");
        assertFalse(e.getMessage().contains("'7'"), "a key may be personal data: " + e.getMessage());
    }

    @Test
    void duplicateKeysOnTheOneSideSayTheRelationshipIsProbablyReversed() {
        // Declared orders -> customers, but the data are the other way round: customer ids repeat.
        String[] orders = {"c1", "c2", "c3"};
        String[] customers = {"c1", "c1", "c2", "c2", "c2"};
        MeshflException e = assertThrows(MeshflException.class, () -> KeyChecks.match(ORDER_CUSTOMER, orders, customers));
        assertEquals(ErrorCode.DATA_BAD_VALUE, e.code());
        assertMentions(e.getMessage(), "crm.customers.id should be unique but has 3 duplicate keys (2 values occur more than once",
                "data row 2 repeats the key of data row 1",
                "probably reversed", "declare it from crm.customers.id to sales.orders.customer_id");
    }

    @Test
    void oneToOneWithRepeatedKeysOnEitherSideIsRefused() {
        MeshflException from = assertThrows(MeshflException.class,
                () -> KeyChecks.match(CUSTOMER_PROFILE, new String[]{"c1", "c1"}, new String[]{"c1", "c2"}));
        assertMentions(from.getMessage(), "declared one-to-one but crm.customers.id has 1 duplicate key",
                "declare the relationship many-to-one from crm.customers.id");
        MeshflException to = assertThrows(MeshflException.class,
                () -> KeyChecks.match(CUSTOMER_PROFILE, new String[]{"c1", "c2"}, new String[]{"c2", "c2"}));
        assertMentions(to.getMessage(), "crm.profiles.customer_ref should be unique", "one-to-one relationship needs unique keys");
    }

    @Test
    void anEmptySideIsReportedAsEmpty() {
        MeshflException e = assertThrows(MeshflException.class,
                () -> KeyChecks.match(ORDER_CUSTOMER, new String[]{"c1"}, new String[0]));
        assertEquals(ErrorCode.DATA_EMPTY, e.code());
        assertMentions(e.getMessage(), "product crm.customers has no rows");
    }

    @Test
    void rowIndexComposesAChainOfJoinsFromTheBase() {
        Relationship customerRegion = new Relationship("customer-region", new ColumnRef("crm.customers", "region_code"),
                new ColumnRef("geo.regions", "code"), Cardinality.MANY_TO_ONE);
        Integration chain = new Integration("sales.chain", "1.0.0", null, "sales.orders",
                List.of(ORDER_CUSTOMER, customerRegion),
                List.of(new ColumnMapping("gdp", new ColumnRef("geo.regions", "gdp"))), List.of(), null, "");
        Map<ColumnRef, String[]> keys = Map.of(
                ORDER_CUSTOMER.from(), new String[]{"c2", "c1", "c3", "c2"},
                ORDER_CUSTOMER.to(), new String[]{"c1", "c2", "c3"},
                customerRegion.from(), new String[]{"NL", "DE", "XX"},
                customerRegion.to(), new String[]{"DE", "NL"});
        RowIndex index = KeyChecks.index(chain.plan(), keys::get);
        assertEquals(4, index.rows());
        assertArrayEquals(new int[]{0, 1, 2, 3}, index.of("sales.orders"));
        assertArrayEquals(new int[]{1, 0, 2, 1}, index.of("crm.customers"));
        // Customer c3 lives in region XX, which geo.regions does not hold: order 2 has no region.
        assertArrayEquals(new int[]{0, 1, -1, 0}, index.of("geo.regions"));
        assertEquals(1, index.unmatched("geo.regions"));
        assertEquals(2, index.matches().size());
    }

    @Test
    void rowIndexOfTheStarSchemaReachesBothDimensions() {
        Integration star = IntegrationLoader.parse(IntegrationFixtures.STAR, null, IntegrationFixtures.CONTRACTS);
        Map<String, String[]> keys = Map.of(
                "sales.orders.customer_id", new String[]{"c1", "c2"},
                "sales.orders.sku", new String[]{"p2", "p9"},
                "crm.customers.id", new String[]{"c2", "c1"},
                "catalog.products.product_sku", new String[]{"p1", "p2"});
        RowIndex index = KeyChecks.index(star.plan(), ref -> keys.get(ref.toString()));
        assertArrayEquals(new int[]{1, 0}, index.of("crm.customers"));
        assertArrayEquals(new int[]{1, -1}, index.of("catalog.products"));
    }
}

package io.meshfl.core.integration;

import io.meshfl.core.ErrorCode;
import io.meshfl.core.MeshflException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static io.meshfl.core.integration.IntegrationFixtures.CONTRACTS;
import static io.meshfl.core.integration.IntegrationFixtures.STAR;
import static io.meshfl.core.integration.IntegrationFixtures.lineOf;
import static io.meshfl.core.integration.IntegrationFixtures.with;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class IntegrationLoaderTest {

    private static MeshflException refused(String yaml) {
        MeshflException e = assertThrows(MeshflException.class, () -> IntegrationLoader.parse(yaml, Path.of("star.yaml"), CONTRACTS));
        assertEquals(ErrorCode.CONTRACT_INVALID, e.code(), e.getMessage());
        return e;
    }

    private static void assertMentions(String message, String... parts) {
        for (String p : parts) assertTrue(message.contains(p), "expected '" + p + "' in:\n" + message);
    }

    @Test
    void starSchemaGivesJoinOrderFromTheFactProductAndTheColumnsEachSourceFeeds() {
        Integration i = IntegrationLoader.parse(STAR, null, CONTRACTS);
        assertEquals("sales.order-training", i.id());
        assertEquals("sales.orders", i.base());
        JoinPlan plan = i.plan();
        assertEquals(List.of("sales.orders", "crm.customers", "catalog.products"), plan.products());
        JoinStep customers = plan.steps().get(0);
        assertEquals(new ColumnRef("sales.orders", "customer_id"), customers.parentKey());
        assertEquals(new ColumnRef("crm.customers", "id"), customers.childKey());
        assertEquals(List.of("amount", "returned"), plan.feed("sales.orders").orElseThrow().targetColumns());
        assertEquals(List.of("segment", "age"), plan.feed("crm.customers").orElseThrow().targetColumns());
        assertEquals(List.of("list_price"), plan.feed("catalog.products").orElseThrow().sourceColumns());
        assertEquals(List.of("price"), plan.feed("catalog.products").orElseThrow().targetColumns());
        assertEquals(List.of("amount", "returned", "segment", "age", "price"), plan.targetColumns());
    }

    @Test
    void overlapKeepsTheNamedSourceAndDropsTheOtherCopy() {
        Integration i = IntegrationLoader.parse(STAR, null, CONTRACTS);
        assertEquals(1, i.overlaps().size());
        Overlap o = i.overlaps().get(0);
        assertEquals(new ColumnRef("crm.customers", "segment"), o.kept());
        assertEquals(List.of(new ColumnRef("sales.orders", "segment")), o.dropped());
        long segmentFeeds = i.columns().stream().filter(m -> m.target().equals("segment")).count();
        assertEquals(1, segmentFeeds, "the overlapping attribute must be fed once");
        assertEquals(5, i.columns().size());
    }

    @Test
    void oneToOneRelationshipCanBeFollowedFromEitherSide() {
        String yaml = """
                apiVersion: v1.0.0
                kind: MeshIntegration
                id: crm.profile-training
                version: 1.0.0
                base: crm.customers
                relationships:
                  - name: customer-profile
                    from: {product: crm.customers, column: id}
                    to: {product: crm.profiles, column: customer_ref}
                    cardinality: one-to-one
                columns:
                  - {target: age, product: crm.customers, column: age}
                  - {target: score, product: crm.profiles, column: score}
                """;
        Integration i = IntegrationLoader.parse(yaml, null, CONTRACTS);
        assertEquals(Cardinality.ONE_TO_ONE, i.relationships().get(0).cardinality());
        assertEquals(List.of("crm.customers", "crm.profiles"), i.plan().products());
        JoinPlan reversed = i.plan("crm.profiles");
        assertEquals(List.of("crm.profiles", "crm.customers"), reversed.products());
        assertEquals(new ColumnRef("crm.profiles", "customer_ref"), reversed.steps().get(0).parentKey());
        assertEquals(new ColumnRef("crm.customers", "id"), reversed.steps().get(0).childKey());
    }

    @Test
    void planFromADimensionProductIsRefusedBecauseItWouldRepeatRows() {
        Integration i = IntegrationLoader.parse(STAR, null, CONTRACTS);
        MeshflException e = assertThrows(MeshflException.class, () -> i.plan("crm.customers"));
        assertEquals(ErrorCode.PLAN_REFUSED, e.code());
        assertMentions(e.getMessage(), "sales.orders", "catalog.products", "cannot be joined onto base product crm.customers");
    }

    @Test
    void unknownProductIsNamedWithFieldPathAndPosition() {
        String yaml = with(STAR, "to: {product: crm.customers, column: id}", "to: {product: crm.customomers, column: id}");
        MeshflException e = refused(yaml);
        int line = lineOf(yaml, "crm.customomers");
        assertMentions(e.getMessage(), "star.yaml:" + line + ":", "relationships[0].to.product",
                "relationship 'order-customer': unknown product 'crm.customomers'", "did you mean 'crm.customers'?");
    }

    @Test
    void columnMissingFromTheContractNamesTheMappingAndFileLineColumn() {
        String yaml = with(STAR, "column: age}", "column: agee}");
        MeshflException e = refused(yaml);
        int line = lineOf(yaml, "agee");
        int column = yaml.split("\n")[line - 1].indexOf("agee") + 1;
        assertMentions(e.getMessage(), "star.yaml:" + line + ":" + column + ": columns[3].column: mapping 'age': column 'agee'"
                + " is not declared in the contract of crm.customers", "did you mean 'age'?");
    }

    @Test
    void relationshipKeyColumnMissingFromTheContractIsRefused() {
        String yaml = with(STAR, "column: customer_id}", "column: cust_id}");
        MeshflException e = refused(yaml);
        assertMentions(e.getMessage(), "relationships[0].from.column", "relationship 'order-customer': column 'cust_id'");
    }

    @Test
    void keyColumnsOfDifferentLogicalTypesAreRefused() {
        String yaml = with(STAR, "to: {product: crm.customers, column: id}", "to: {product: crm.customers, column: legacy_id}");
        MeshflException e = refused(yaml);
        assertMentions(e.getMessage(), "relationships[0].to", "key columns have different logical types",
                "sales.orders.customer_id is string", "crm.customers.legacy_id is integer");
    }

    @Test
    void relationshipsThatFormACycleAreRefused() {
        String yaml = with(STAR, "columns:\n", """
                  - name: customer-product
                    from: {product: crm.customers, column: region_code}
                    to: {product: catalog.products, column: product_sku}
                    cardinality: many-to-one
                columns:
                """);
        MeshflException e = refused(yaml);
        assertMentions(e.getMessage(), "relationships[2]", "relationship 'customer-product'", "closes a cycle",
                "'order-customer'", "'order-product'", "star.yaml:" + lineOf(yaml, "name: customer-product") + ":");
    }

    @Test
    void productWithoutRelationshipIsUnreachableFromTheBase() {
        String yaml = with(STAR, "  - {target: price, product: catalog.products, column: list_price}\n",
                "  - {target: price, product: catalog.products, column: list_price}\n"
                        + "  - {target: gdp, product: geo.regions, column: gdp}\n");
        MeshflException e = refused(yaml);
        assertMentions(e.getMessage(), "star.yaml:" + lineOf(yaml, "geo.regions") + ":", "columns[6].product",
                "product geo.regions is unreachable from the base product sales.orders: no relationship connects it");
    }

    @Test
    void manyToOneDeclaredTowardsTheBaseLeavesTheManySideUnreachable() {
        String yaml = with(STAR, "base: sales.orders", "base: crm.customers");
        MeshflException e = refused(yaml);
        assertMentions(e.getMessage(), "product sales.orders is unreachable from the base product crm.customers",
                "followed from its one side");
    }

    @Test
    void targetColumnFedByTwoSourcesWithoutAnOverlapIsRefused() {
        String yaml = STAR.substring(0, STAR.indexOf("overlaps:"));
        MeshflException e = refused(yaml);
        assertMentions(e.getMessage(), "star.yaml:" + lineOf(yaml, "target: segment, product: crm.customers") + ":",
                "columns[4].target: duplicate target column 'segment' (already fed by sales.orders.segment at columns[2]",
                "declare an overlap");
    }

    @Test
    void targetNamesDifferingOnlyInCaseAreDuplicates() {
        String yaml = with(STAR, "  - {target: age, product: crm.customers, column: age}\n",
                "  - {target: age, product: crm.customers, column: age}\n"
                        + "  - {target: Age, product: crm.customers, column: legacy_id}\n");
        MeshflException e = refused(yaml);
        assertMentions(e.getMessage(), "columns[4].target: duplicate target column 'Age'");
    }

    @Test
    void targetFedTwiceByOneProductIsRefusedEvenWithAnOverlap() {
        String yaml = with(STAR, "  - {target: age, product: crm.customers, column: age}\n",
                "  - {target: age, product: crm.customers, column: age}\n"
                        + "  - {target: age, product: crm.customers, column: legacy_id}\n") + "  - {target: age, keep: crm.customers}\n";
        MeshflException e = refused(yaml);
        assertMentions(e.getMessage(), "columns[4].product", "target column 'age' is fed twice by product crm.customers (also at columns[3])");
    }

    @Test
    void overlapOfATargetWithOneSourceIsRefused() {
        MeshflException e = refused(STAR + "  - {target: price, keep: catalog.products}\n");
        assertMentions(e.getMessage(), "overlaps[1].target", "overlap 'price' names a target fed by one source only");
    }

    @Test
    void packageDocumentationExampleIsAValidIntegration() throws Exception {
        String doc = Files.readString(Path.of("src/main/java/io/meshfl/core/integration/package-info.java"));
        String block = doc.substring(doc.indexOf("<pre>{@code") + "<pre>{@code".length(), doc.indexOf("}</pre>"));
        StringBuilder yaml = new StringBuilder();
        for (String line : block.split("\n")) {
            String s = line.replaceFirst("^\\s*\\* ?", "");
            if (!s.isBlank()) yaml.append(s).append('\n');
        }
        Integration i = IntegrationLoader.parse(yaml.toString(), null, CONTRACTS);
        assertEquals(IntegrationLoader.parse(STAR, null, CONTRACTS).plan(), i.plan());
    }

    @Test
    void twoContractsForOneProductAreRefused() {
        List<io.meshfl.core.contract.DataContract> twice = List.of(IntegrationFixtures.ORDERS, IntegrationFixtures.ORDERS);
        MeshflException e = assertThrows(MeshflException.class, () -> IntegrationLoader.parse(STAR, null, twice));
        assertMentions(e.getMessage(), "two contracts given for product sales.orders");
    }

    @Test
    void overlapMustKeepAProductThatFeedsTheTarget() {
        String yaml = with(STAR, "keep: crm.customers", "keep: catalog.products");
        MeshflException e = refused(yaml);
        assertMentions(e.getMessage(), "overlaps[0].keep", "keeps product 'catalog.products', which does not feed it",
                "sales.orders, crm.customers");
    }

    @Test
    void overlapOfAttributesWithDifferentTypesIsRefused() {
        String yaml = with(STAR, "column: segment}\n  - {target: price", "column: segment_label}\n  - {target: price");
        MeshflException e = refused(yaml);
        assertMentions(e.getMessage(), "overlap 'segment'", "crm.customers.segment_label is string");
    }

    @Test
    void unknownFieldsAreNamedByTheirPath() {
        String yaml = with(STAR, "    cardinality: many-to-one\n  - name: order-product",
                "    cardinality: many-to-one\n    cardinalty: x\n  - name: order-product");
        MeshflException e = refused(yaml);
        assertMentions(e.getMessage(), "star.yaml:" + lineOf(yaml, "cardinalty") + ":5: relationships[0].cardinalty",
                "unknown relationships[0] field 'cardinalty' (did you mean 'cardinality'?)");
        MeshflException top = refused(STAR + "owner: me\n");
        assertMentions(top.getMessage(), "owner: unknown top-level field 'owner'");
    }

    @Test
    void unknownCardinalityIsRefusedWithAHint() {
        MeshflException e = refused(with(STAR, "cardinality: many-to-one\n  - name: order-product",
                "cardinality: many-to-many\n  - name: order-product"));
        assertMentions(e.getMessage(), "relationships[0].cardinality", "unknown cardinality 'many-to-many'");
    }

    @Test
    void malformedYamlGivesLineAndColumn() {
        String yaml = with(STAR, "  - {target: amount, product: sales.orders, column: amount}",
                "  - {target: amount, product: sales.orders, column: amount");
        MeshflException e = refused(yaml);
        // The unclosed flow mapping is noticed where the next one starts.
        assertMentions(e.getMessage(), "star.yaml:" + lineOf(yaml, "target: returned") + ":4: malformed YAML: ",
                "expected ',' or '}'");
    }

    @Test
    void wrongKindIsRefused() {
        MeshflException e = refused(with(STAR, "kind: MeshIntegration", "kind: DataContract"));
        assertMentions(e.getMessage(), "star.yaml:2:7: kind: expected 'MeshIntegration', found 'DataContract'");
    }

    @Test
    void piiColumnCannotFeedTheTableUnlessItsContractAllowsIt() {
        MeshflException e = refused(with(STAR, "column: returned}", "column: email}"));
        assertMentions(e.getMessage(), "columns[1].column", "sales.orders.email is classified pii");
    }

    @Test
    void everyProblemOfAFileIsReportedAtOnce() {
        String yaml = with(with(STAR, "column: age}", "column: agee}"), "column: list_price}", "column: price}");
        MeshflException e = refused(yaml);
        assertEquals(2, e.getMessage().split("\n").length, e.getMessage());
    }

    @Test
    void loadDirectoryReadsIntegrationsAndSkipsContractsAndJobs(@TempDir Path dir) throws Exception {
        Files.writeString(dir.resolve("a-star.yaml"), STAR);
        Files.writeString(dir.resolve("b-star-v2.yml"), with(STAR, "version: 1.0.0", "version: 2.0.0"));
        Files.writeString(dir.resolve("orders.yaml"), IntegrationFixtures.ORDERS.rawYaml());
        Files.writeString(dir.resolve("job.yaml"), "name: j\nproducts: [sales.orders]\n");
        List<Integration> all = IntegrationLoader.loadDirectory(dir, CONTRACTS);
        assertEquals(List.of("1.0.0", "2.0.0"), all.stream().map(Integration::version).toList());
        assertEquals(dir.resolve("a-star.yaml").toAbsolutePath().normalize(), all.get(0).sourceFile());
    }

    @Test
    void loadDirectoryRefusesTwoFilesWithTheSameIdAndVersion(@TempDir Path dir) throws Exception {
        Files.writeString(dir.resolve("a.yaml"), STAR);
        Files.writeString(dir.resolve("b.yaml"), STAR);
        MeshflException e = assertThrows(MeshflException.class, () -> IntegrationLoader.loadDirectory(dir, CONTRACTS));
        assertEquals(ErrorCode.CONTRACT_INVALID, e.code());
        assertMentions(e.getMessage(), "b.yaml", "already declared by", "a.yaml");
    }

    @Test
    void missingFileIsReportedAsMissing(@TempDir Path dir) {
        MeshflException e = assertThrows(MeshflException.class, () -> IntegrationLoader.load(dir.resolve("none.yaml"), CONTRACTS));
        assertEquals(ErrorCode.CONTRACT_FILE_MISSING, e.code());
    }
}

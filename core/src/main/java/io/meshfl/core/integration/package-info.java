/**
 * Data integration metadata: how the data products of a mesh combine into one training table
 * without moving their rows (after Amalur, TU Delft). A <em>mesh integration</em> file declares
 *
 * <ul>
 *   <li>{@code base}: the fact product whose rows become the rows of the training table;</li>
 *   <li>{@code relationships}: key mappings between products. {@code from} and {@code to} each
 *       name a product and one of its columns; the entity may be keyed by differently named
 *       columns in each. {@code cardinality} is {@code many-to-one} (a fact to a dimension; the
 *       {@code to} key must be unique) or {@code one-to-one} (both keys unique). Both key columns
 *       must have the same logical type, and the relationships must form a tree in which every
 *       product is reachable from the base, a many-to-one relationship being followed only from
 *       its many side;</li>
 *   <li>{@code columns}: the target columns of the training table, each fed by one column of one
 *       product;</li>
 *   <li>{@code overlaps}: attributes held by several products. A target may be listed under
 *       {@code columns} once per product holding it only when an overlap names the product whose
 *       copy is kept; the other copies are dropped so the attribute is not counted twice.</li>
 * </ul>
 *
 * <p>A complete example, a star schema of orders with their customers and products:
 *
 * <pre>{@code
 * apiVersion: v1.0.0
 * kind: MeshIntegration
 * id: sales.order-training
 * version: 1.0.0
 * description: One row per order, with the customer and product it refers to
 * base: sales.orders
 * relationships:
 *   - name: order-customer
 *     from: {product: sales.orders, column: customer_id}
 *     to: {product: crm.customers, column: id}
 *     cardinality: many-to-one
 *   - name: order-product
 *     from: {product: sales.orders, column: sku}
 *     to: {product: catalog.products, column: product_sku}
 *     cardinality: many-to-one
 * columns:
 *   - {target: amount, product: sales.orders, column: amount}
 *   - {target: returned, product: sales.orders, column: returned}
 *   - {target: segment, product: sales.orders, column: segment}
 *   - {target: age, product: crm.customers, column: age}
 *   - {target: segment, product: crm.customers, column: segment}
 *   - {target: price, product: catalog.products, column: list_price}
 * overlaps:
 *   - target: segment
 *     keep: crm.customers
 * }</pre>
 *
 * <p>{@link io.meshfl.core.integration.IntegrationLoader} reads such files and checks them against
 * the products' contracts; {@link io.meshfl.core.integration.Integration#plan(String)} gives the
 * join order from a base product and which source columns feed which target columns;
 * {@link io.meshfl.core.integration.KeyChecks} checks the keys against actual rows and builds the
 * foreign-key indexes (target row to source row) that factorized learning works from. Versions
 * are stored in the catalog by {@link io.meshfl.core.catalog.IntegrationStore}.
 */
package io.meshfl.core.integration;

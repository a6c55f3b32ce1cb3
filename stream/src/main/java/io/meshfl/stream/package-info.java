/**
 * Streaming data products: two domains' event streams on Kafka joined by example id within an
 * event-time window, ids compared only in blinded form ({@code join}), the joined examples written
 * by each side as data blocks with a manifest ({@code blocks}), the events parsed against their
 * contract ({@code event}), and a generated advertising stream to try it on ({@code gen}).
 */
package io.meshfl.stream;

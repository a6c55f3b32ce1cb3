package io.meshfl.core.protocol.factorized;

/**
 * A source reached from the base source through a foreign key: the indicator matrix {@code I_k}.
 *
 * @param source     the joined source
 * @param foreignKey for each base (target) row {@code i}, the row of {@code source} it takes
 */
public record Join(Source source, int[] foreignKey) {
}

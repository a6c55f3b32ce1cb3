/**
 * Cryptographic primitives of ECDH private set intersection over X25519, for aligning the
 * entities that several domains share without revealing the others.
 *
 * <p>Two-party flow, with secret keys {@code a} (party A) and {@code b} (party B):
 * <ol>
 *   <li>A sends {@code a*H(k)} for its keys ({@link io.meshfl.core.crypto.psi.Blinder#blindKeys});
 *       B returns {@code b*(a*H(k))} in the same order
 *       ({@link io.meshfl.core.crypto.psi.Blinder#reblind}).</li>
 *   <li>B sends {@code b*H(k)} for its keys; A reblinds them to {@code a*(b*H(k))}.</li>
 *   <li>A calls {@link io.meshfl.core.crypto.psi.Intersection#matchIndices} on the two
 *       doubly blinded sets and learns which of its rows are shared. For the cardinality only,
 *       B shuffles what it returns in step 1, and A counts instead.</li>
 * </ol>
 * With more parties every set passes through every party's {@code reblind} before comparing.
 * Under the decisional Diffie-Hellman assumption in the prime-order subgroup, a blinded value
 * of a key the other side does not hold looks random; what is revealed is the intersection
 * (or its size) and the set sizes. The hash is a proper hash-to-curve (see
 * {@link io.meshfl.core.crypto.psi.HashToCurve}), so nobody knows a discrete logarithm of
 * {@code H(k)}. Parties are assumed semi-honest about the order they return points in; small-order
 * points, the one cheap way to strip blinding, are refused.
 */
package io.meshfl.core.crypto.psi;

/**
 * The Paillier cryptosystem as a set of primitives: key generation, encryption with
 * Damgard-Jurik-Nielsen short-exponent randomness from a fixed-base table, CRT decryption,
 * homomorphic operations including multi-exponentiation, fixed-point encoding of signed reals
 * and packing of several small integers into one plaintext.
 *
 * <p>Nothing here knows about protocols, the catalog or the wire: protocols decide what is
 * encrypted, by whom, and when a ciphertext must be rerandomized before it leaves a party.
 */
package io.meshfl.core.crypto.paillier;

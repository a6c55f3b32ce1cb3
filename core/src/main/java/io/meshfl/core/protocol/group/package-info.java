/**
 * Vertical parties made of several products on their own nodes (a job's {@code groups}): who the
 * members are, the secret seed they agree on, sealed member to member, and the masks drawn from
 * it that let their contributions add up to the party's while each alone says nothing.
 */
package io.meshfl.core.protocol.group;

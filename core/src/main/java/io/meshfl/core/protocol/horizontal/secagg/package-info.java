/**
 * Secure aggregation for horizontal jobs: {@link io.meshfl.core.protocol.horizontal.secagg.SecureRound}
 * (coordinator) and {@link io.meshfl.core.protocol.horizontal.secagg.SecAggNode} (node) run one
 * SecAgg+ round in place of a round's plain fit calls, on the primitives of
 * {@code io.meshfl.core.crypto.secagg}; {@link io.meshfl.core.protocol.horizontal.secagg.UpdateEncoding}
 * turns an update into ring elements and the unmasked sum back into the FedAvg mean. The
 * coordinator learns the sum of the survivors' example-weighted updates, never one node's.
 */
package io.meshfl.core.protocol.horizontal.secagg;

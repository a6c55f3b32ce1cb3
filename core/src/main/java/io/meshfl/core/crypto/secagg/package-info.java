/**
 * Building blocks of SecAgg+ secure aggregation (Bell et al. 2020, "Secure Single-Server
 * Aggregation with (Poly)Logarithmic Overhead"): the server learns the sum of the surviving
 * clients' updates and nothing else about any one of them, even when clients drop out after
 * sending their masked input.
 *
 * <p>A round runs the stages of {@link io.meshfl.core.crypto.secagg.SecAggStage} with the
 * messages of {@link io.meshfl.core.crypto.secagg.SecAggMessage}:
 * {@link io.meshfl.core.crypto.secagg.Quantizer} maps an update into
 * {@link io.meshfl.core.crypto.secagg.Ring}; {@link io.meshfl.core.crypto.secagg.NeighbourGraph}
 * fixes who pairs with whom; {@link io.meshfl.core.crypto.secagg.KeyAgreement} derives pairwise
 * seeds; {@link io.meshfl.core.crypto.secagg.Shamir} shares each client's self seed and mask key
 * among its neighbours, with {@link io.meshfl.core.crypto.secagg.ShareBook} checking every share
 * movement against the graph; {@link io.meshfl.core.crypto.secagg.Masking} and
 * {@link io.meshfl.core.crypto.secagg.Unmasking} add and remove the masks, expanded by
 * {@link io.meshfl.core.crypto.secagg.Prg}.
 *
 * <p>Threat model: an honest-but-curious server, or one that lies about who dropped out (the
 * threshold is a strict majority of the neighbours, and honest clients reveal at most one of the
 * two secrets of any peer). Clients are trusted to mask correctly; a client sending garbage can
 * spoil the sum but learns nothing.
 */
package io.meshfl.core.crypto.secagg;

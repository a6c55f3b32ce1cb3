/**
 * Split neural networks over vertically partitioned data: every domain trains a bottom network on
 * its own columns of the PSI-aligned entities, the coordinator trains the top network on the
 * side-by-side cut layers. {@link io.meshfl.core.protocol.split.SplitRunner} and
 * {@link io.meshfl.core.protocol.split.SplitNode} train, {@link io.meshfl.core.protocol.split.SplitScorer}
 * and {@link io.meshfl.core.protocol.split.SplitInferNode} score new rows.
 *
 * <p>What crosses, and so what each side learns:
 * <ul>
 *   <li>The coordinator: set and intersection sizes (PSI), each party's row, column and constant-column
 *       counts, every party's cut-layer activations (with Gaussian noise when
 *       {@code split.activationNoise > 0}), and the top network. With {@code labels: coordinator} it holds
 *       the labels. With the label holder computing the loss it receives no label, but it does receive
 *       the loss gradient with respect to each logit, {@code (sigmoid(z) - y) / batch}, whose sign gives
 *       the label of every training row away unless {@code split.labelEpsilon > 0}: the label holder then
 *       trains on labels passed once through randomized response, so those gradients (and everything
 *       the coordinator derives from them) are epsilon-label-differentially private.</li>
 *   <li>Each party: the gradient of the loss with respect to its own cut-layer output, per batch
 *       ({@code split.gradientClip} bounds its L2 norm per row), which also carries some information
 *       about the labels.</li>
 *   <li>The label holder, when it computes the loss: the logits of every batch and of every aligned row
 *       at evaluation.</li>
 *   <li>With an external model ({@link io.meshfl.core.protocol.split.ExternalParty}) the top runs in the
 *       label holder's trainer, not on the coordinator: the coordinator forwards every party's cut-layer
 *       activations side by side to the label holder, which therefore learns them as the coordinator
 *       does, and returns each party its gradient; the logits stay with the label holder except at
 *       evaluation, when the coordinator collects them for the label holder's metrics.</li>
 *   <li>At scoring, the coordinator sees the parties' activations and the probabilities it computes;
 *       the requester keeps the probabilities next to its own entity keys.</li>
 * </ul>
 */
package io.meshfl.core.protocol.split;

package io.meshfl.core.model;

/**
 * Outcome of one node's local training.
 *
 * @param params       the trained parameters (a new array)
 * @param meanLoss     mean per-row data loss over the last epoch, without regularisation or
 *                     proximal terms; 0 when there was no data
 * @param examplesSeen rows processed over all epochs (the usual FedAvg weight is {@code examplesSeen / epochs})
 * @param steps        optimizer steps taken
 */
public record LocalResult(double[] params, double meanLoss, long examplesSeen, int steps) {
}

package io.meshfl.core.protocol.external;

import io.meshfl.core.model.ModelSpec;

import java.util.List;
import java.util.Map;

/**
 * One running external trainer as a node talks to it for one job: the transport only (the node's
 * trainer client implements it over gRPC on a Unix socket). What the trainer answers is checked by
 * {@link TrainerChecks} before the node uses it. A trainer that exited, failed or did not answer in
 * time is reported as a {@code NODE_FAILURE} naming the trainer and the call.
 */
public interface ExternalTrainer extends AutoCloseable {

    /** A named tensor as the trainer sends it, row-major; the shape as it said. */
    record Tensor(String name, long[] shape, double[] values) {
    }

    /** What {@code Describe} answered: the trainer's name and version, and its parameters (names and shapes). */
    record Description(String name, String version, List<Tensor> parameters) {
    }

    /**
     * One part of the node's rows for the trainer: the feature matrix (row-major, its column names),
     * and the label (the column {@code labelName}) only where MeshFL's own model would use it (else null).
     */
    record Part(String jobId, String part, List<String> columns, double[] x, int rows, String labelName, double[] label,
                ModelSpec.Task task, int classes) {
    }

    /** One round's local training: the global parameters and the job's local settings. */
    record Fit(String jobId, int round, List<Tensor> parameters, int epochs, int batchSize, double learningRate, String optimizer,
               double momentum, long seed, double l2, double proximalMu) {
    }

    /** What {@code Fit} answered, unchecked. */
    record Fitted(List<Tensor> parameters, long examples, Map<String, Double> metrics) {
    }

    /** What {@code Predict} answered, unchecked: rows x outputs, row-major. */
    record Scores(int outputs, double[] scores) {
    }

    /** The trainer's name as the job and the node call it. */
    String name();

    Description describe();

    /** Hands one part of the job's rows over; the number of rows the trainer says it loaded. */
    long load(Part part);

    Fitted fit(Fit fit);

    Scores predict(String jobId, String part, List<Tensor> parameters);

    /** The trainer forgets the job's rows (best effort). */
    void release(String jobId);

    /** Stops the trainer. */
    @Override
    void close();
}

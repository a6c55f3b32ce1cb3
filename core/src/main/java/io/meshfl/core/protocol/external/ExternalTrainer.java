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

    /** A split network's role on a node: the bottom on every party, the top on the label holder. */
    enum Role {
        BOTTOM, TOP;

        /** The role as the wire names it. */
        public String wire() {
            return name().toLowerCase(java.util.Locale.ROOT);
        }
    }

    /** One role's network for a split job: its input and output widths, the head's task, the job's optimizer and a seed. */
    record SplitSetup(String jobId, Role role, int inputs, int outputs, ModelSpec.Task task, int classes, String optimizer,
                      double learningRate, long seed) {
    }

    /** What {@code TopStep} answered, unchecked: the batch's loss and the gradient w.r.t. the top's input (row-major). */
    record TopStep(double loss, double[] inputGradient) {
    }

    /** A role's parameters (as the trainer names them) and its optimizer's state, opaque to the node. */
    record State(List<Tensor> parameters, byte[] optimizer) {
    }

    /** The trainer's name as the job and the node call it. */
    String name();

    Description describe();

    /** Hands one part of the job's rows over; the number of rows the trainer says it loaded. */
    long load(Part part);

    Fitted fit(Fit fit);

    Scores predict(String jobId, String part, List<Tensor> parameters);

    /** Builds a role's network for a split job; the parameters it declares (names and shapes). */
    List<Tensor> splitSetup(SplitSetup setup);

    /** The bottom's cut-layer outputs for {@code rows} of the loaded training part, row-major, unchecked. */
    double[] forward(String jobId, int[] rows, boolean training);

    /** The gradient w.r.t. the last training forward's outputs ({@code rows x width}); the bottom steps. */
    void backward(String jobId, double[] gradient, int rows, int width);

    /** One training step of the top over {@code input} ({@code rows.length x width}) against the labels of {@code rows}. */
    TopStep topStep(String jobId, int[] rows, double[] input, int width);

    /** The top's outputs for {@code input} ({@code rows x width}), row-major, unchecked. */
    double[] topPredict(String jobId, double[] input, int rows, int width);

    State state(String jobId, Role role);

    void restore(String jobId, Role role, State state);

    /** The trainer forgets the job's rows (best effort). */
    void release(String jobId);

    /** Stops the trainer. */
    @Override
    void close();
}

package io.meshfl.core.protocol.external;

import io.meshfl.core.ErrorCode;
import io.meshfl.core.MeshflException;
import io.meshfl.core.model.ModelSpec;
import io.meshfl.core.model.TensorSpec;

import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The node's checks of what an external trainer answers, before anything of it is used: its
 * declaration against the job's, every returned tensor against the declaration (names, shapes,
 * sizes, finite values), the examples it claims and its scores. A violation is refused with
 * {@code POLICY_VIOLATION} naming the trainer, the tensor and what was wrong, never a value.
 */
public final class TrainerChecks {

    private TrainerChecks() {
    }

    /** Refuses a trainer whose declared parameters are not the job's: names, shapes and order; names the first difference. */
    public static void declaration(String trainer, List<TensorSpec> job, List<ExternalTrainer.Tensor> declared) {
        for (int i = 0; i < Math.max(job.size(), declared.size()); i++) {
            if (i >= declared.size()) {
                throw refuse(trainer, "declares " + declared.size() + " parameter tensors; the job declares " + job.size()
                        + ", the first missing being " + job.get(i).name() + " " + job.get(i).shape());
            }
            ExternalTrainer.Tensor t = declared.get(i);
            if (i >= job.size()) {
                throw refuse(trainer, "declares a parameter tensor " + quote(t.name()) + " (number " + (i + 1) + ") that the job does not declare");
            }
            TensorSpec want = job.get(i);
            if (!want.name().equals(t.name())) {
                throw refuse(trainer, "declares parameter " + (i + 1) + " as " + quote(t.name()) + "; the job declares " + want.name() + " there");
            }
            if (!sameShape(want, t.shape())) {
                throw refuse(trainer, "declares parameter " + want.name() + " with shape " + Arrays.toString(t.shape()) + "; the job declares "
                        + want.shape());
            }
        }
    }

    /**
     * The flat parameter vector of the tensors a trainer returned from {@code call}: exactly the
     * declared names (each once, in any order), the declared shapes, as many values as the shape
     * holds, every value finite.
     */
    public static double[] flatten(String trainer, String call, List<TensorSpec> declared, List<ExternalTrainer.Tensor> returned) {
        Map<String, ExternalTrainer.Tensor> byName = new HashMap<>();
        for (ExternalTrainer.Tensor t : returned) {
            boolean known = declared.stream().anyMatch(d -> d.name().equals(t.name()));
            if (!known) throw refuse(trainer, "returned from " + call + " a tensor " + quote(t.name()) + " the model does not declare");
            if (byName.put(t.name(), t) != null) throw refuse(trainer, "returned from " + call + " the tensor " + t.name() + " twice");
        }
        double[] flat = new double[TensorSpec.total(declared)];
        int off = 0;
        for (TensorSpec d : declared) {
            ExternalTrainer.Tensor t = byName.get(d.name());
            if (t == null) throw refuse(trainer, "returned from " + call + " no tensor " + d.name());
            if (!sameShape(d, t.shape())) {
                throw refuse(trainer, "returned from " + call + " the tensor " + d.name() + " with shape " + Arrays.toString(t.shape())
                        + "; declared " + d.shape());
            }
            if (t.values().length != d.size()) {
                throw refuse(trainer, "returned from " + call + " the tensor " + d.name() + " with " + t.values().length
                        + " values; its shape " + d.shape() + " holds " + d.size());
            }
            for (int i = 0; i < t.values().length; i++) {
                if (!Double.isFinite(t.values()[i])) {
                    throw refuse(trainer, "returned from " + call + " the tensor " + d.name() + " with a non-finite value (NaN or infinite) at index " + i);
                }
            }
            System.arraycopy(t.values(), 0, flat, off, d.size());
            off += d.size();
        }
        return flat;
    }

    /** The trainer's count of training examples must be between 1 and the rows it was given. */
    public static void examples(String trainer, long examples, long rowsLoaded) {
        if (examples < 1 || examples > rowsLoaded) {
            throw refuse(trainer, "reported " + examples + " training examples; it was given " + rowsLoaded + " rows");
        }
    }

    /** Scores of {@code rows} rows: rows x outputs, finite, probabilities in [0, 1] for classifiers, non-negative counts. */
    public static double[] scores(String trainer, String part, ExternalTrainer.Scores s, int rows, int outputs, ModelSpec.Task task) {
        if (s.outputs() != outputs) {
            throw refuse(trainer, "scored part " + part + " with " + s.outputs() + " outputs per row; the model has " + outputs);
        }
        if (s.scores().length != (long) rows * outputs) {
            throw refuse(trainer, "returned " + s.scores().length + " scores for part " + part + "; it holds " + rows + " rows x " + outputs + " outputs");
        }
        boolean probability = task == ModelSpec.Task.BINARY || task == ModelSpec.Task.MULTICLASS;
        for (int i = 0; i < s.scores().length; i++) {
            double v = s.scores()[i];
            if (!Double.isFinite(v)) throw refuse(trainer, "returned a non-finite score (NaN or infinite) for part " + part + " at index " + i);
            if (probability && (v < 0 || v > 1)) {
                throw refuse(trainer, "returned a score outside [0, 1] for part " + part + " at index " + i + ": a " 
                        + task.name().toLowerCase(java.util.Locale.ROOT) + " model scores probabilities");
            }
            if (task == ModelSpec.Task.COUNT && v < 0) throw refuse(trainer, "returned a negative expected count for part " + part + " at index " + i);
        }
        return s.scores();
    }

    /** Refuses a block the trainer answered that is not {@code rows x width} finite values, naming what it was. */
    public static void block(String trainer, String what, double[] values, int rows, int width) {
        if (values == null || values.length != (long) rows * width) {
            throw refuse(trainer, "returned " + (values == null ? 0 : values.length) + " values for " + what + "; expected " + rows + " rows x "
                    + width);
        }
        for (int i = 0; i < values.length; i++) {
            if (!Double.isFinite(values[i])) {
                throw refuse(trainer, "returned a non-finite value (NaN or infinite) in " + what + " at row " + i / width + ", column " + i % width);
            }
        }
    }

    /** The declared order as the wire's tensors, with {@code flat}'s values. */
    public static List<ExternalTrainer.Tensor> split(List<TensorSpec> declared, double[] flat) {
        List<ExternalTrainer.Tensor> out = new java.util.ArrayList<>();
        int off = 0;
        for (TensorSpec d : declared) {
            long[] shape = d.shape().stream().mapToLong(Integer::longValue).toArray();
            out.add(new ExternalTrainer.Tensor(d.name(), shape, Arrays.copyOfRange(flat, off, off + d.size())));
            off += d.size();
        }
        return out;
    }

    private static boolean sameShape(TensorSpec d, long[] shape) {
        if (shape == null || shape.length != d.shape().size()) return false;
        for (int i = 0; i < shape.length; i++) if (shape[i] != d.shape().get(i)) return false;
        return true;
    }

    /** A name the trainer chose, bounded, so a refusal cannot carry a long text out. */
    private static String quote(String name) {
        String n = name == null ? "" : name;
        return "'" + (n.length() > 80 ? n.substring(0, 80) + "..." : n) + "'";
    }

    /** A refusal of what the trainer named {@code trainer} did. */
    public static MeshflException refuse(String trainer, String what) {
        return new MeshflException(ErrorCode.POLICY_VIOLATION, "the trainer " + trainer + " " + what + "; refused");
    }
}

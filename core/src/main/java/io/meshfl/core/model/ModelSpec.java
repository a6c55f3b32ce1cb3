package io.meshfl.core.model;

import java.util.List;

/**
 * What model to train: its type, shape and, for boosted trees, split networks and external models, the kind of
 * target it learns ({@code objective}: binary, multiclass, regression or count; null keeps the type's own).
 * An external model names the trainer the nodes run beside them ({@code trainer}) and declares its
 * parameter tensors in order ({@code parameters}); other types have neither.
 * Validated when built so a bad job file fails early with the field named.
 */
public record ModelSpec(Type type, List<Integer> hidden, int classes, double l2, Task objective, String trainer,
                        List<TensorSpec> parameters) {

    /** The model families MeshFL trains. */
    public enum Type {
        LOGISTIC(Task.BINARY), SOFTMAX(Task.MULTICLASS), LINEAR(Task.REGRESSION),
        POISSON(Task.COUNT), MLP(Task.BINARY),
        /** A split neural network: bottoms on the domains, the top on the coordinator (vertical layouts). */
        SPLITNN(Task.BINARY),
        /** Gradient-boosted trees over vertically split columns (SecureBoost). */
        GBDT(Task.BINARY),
        /** A model the domains' nodes train through a trainer process beside them (PyTorch, ...), horizontally or as a split network. */
        EXTERNAL(Task.BINARY);

        private final Task task;

        Type(Task task) {
            this.task = task;
        }

        public Task task() {
            return task;
        }
    }

    /** The kind of target a model predicts, which decides its metrics. */
    public enum Task { BINARY, MULTICLASS, REGRESSION, COUNT }

    /** Trainer names as the nodes' {@code --trainer NAME=COMMAND} give them. */
    private static final java.util.regex.Pattern TRAINER = java.util.regex.Pattern.compile("[A-Za-z0-9][A-Za-z0-9_.-]{0,63}");

    public ModelSpec {
        if (type == null) throw new IllegalArgumentException("model.type is required");
        hidden = hidden == null ? List.of() : List.copyOf(hidden);
        for (int h : hidden) {
            if (h <= 0) throw new IllegalArgumentException("model.hidden: layer widths must be positive, got " + h);
        }
        if (type == Type.SOFTMAX && classes < 2) {
            throw new IllegalArgumentException("model.classes: softmax needs at least 2 classes, got " + classes);
        }
        if (l2 < 0 || Double.isNaN(l2)) throw new IllegalArgumentException("model.l2 must be >= 0, got " + l2);
        parameters = parameters == null ? List.of() : List.copyOf(parameters);
        if (type == Type.EXTERNAL) {
            if (trainer == null || trainer.isBlank()) {
                throw new IllegalArgumentException("model.trainer is required for an external model: the name of the trainer the nodes run");
            }
            if (!TRAINER.matcher(trainer).matches()) {
                throw new IllegalArgumentException("model.trainer '" + trainer + "' must be letters, digits, _ . - (up to 64)");
            }
            if (parameters.isEmpty()) {
                throw new IllegalArgumentException("model.parameters: an external model declares its parameter tensors, in order");
            }
            java.util.Set<String> names = new java.util.HashSet<>();
            for (TensorSpec t : parameters) {
                if (!names.add(t.name())) throw new IllegalArgumentException("model.parameters: '" + t.name() + "' is declared twice");
            }
            TensorSpec.total(parameters);
            if (!hidden.isEmpty()) throw new IllegalArgumentException("model.hidden applies to mlp; an external model declares model.parameters");
        } else {
            if (trainer != null) throw new IllegalArgumentException("model.trainer applies to model type external only");
            if (!parameters.isEmpty()) throw new IllegalArgumentException("model.parameters applies to model type external only");
        }
        if (objective != null && type != Type.GBDT && type != Type.SPLITNN && type != Type.EXTERNAL) {
            throw new IllegalArgumentException("model.objective applies to model types gbdt, splitnn and external; " + type.name().toLowerCase(java.util.Locale.ROOT)
                    + " learns a " + type.task().name().toLowerCase(java.util.Locale.ROOT) + " target");
        }
        if (objective == Task.MULTICLASS && classes < 2) {
            throw new IllegalArgumentException("model.classes: a multiclass objective needs at least 2 classes, got " + classes);
        }
    }

    public ModelSpec(Type type, List<Integer> hidden, int classes, double l2) {
        this(type, hidden, classes, l2, null);
    }

    public ModelSpec(Type type, List<Integer> hidden, int classes, double l2, Task objective) {
        this(type, hidden, classes, l2, objective, null, List.of());
    }

    /** An external model: trained by the trainer named {@code trainer}, with the declared {@code parameters}. */
    public static ModelSpec external(String trainer, List<TensorSpec> parameters, Task objective, int classes) {
        return new ModelSpec(Type.EXTERNAL, List.of(), classes, 0.0, objective, trainer, parameters);
    }

    public static ModelSpec of(Type type) {
        return new ModelSpec(type, List.of(), type == Type.SOFTMAX ? 2 : 0, 0.0);
    }

    public Task task() {
        if (objective != null) return objective;
        return type == Type.MLP && classes > 2 ? Task.MULTICLASS : type.task();
    }

    /** Prediction outputs per row: the class count for multi-class models, otherwise 1. */
    public int outputs() {
        return task() == Task.MULTICLASS ? classes : 1;
    }
}

package io.meshfl.core.model;

import java.util.List;

/**
 * What model to train: its type, shape and, for boosted trees and split networks, the kind of target it learns
 * ({@code objective}: binary, multiclass, regression or count; null keeps the type's own).
 * Validated when built so a bad job file fails early with the field named.
 */
public record ModelSpec(Type type, List<Integer> hidden, int classes, double l2, Task objective) {

    /** The model families MeshFL trains. */
    public enum Type {
        LOGISTIC(Task.BINARY), SOFTMAX(Task.MULTICLASS), LINEAR(Task.REGRESSION),
        POISSON(Task.COUNT), MLP(Task.BINARY),
        /** A split neural network: bottoms on the domains, the top on the coordinator (vertical layouts). */
        SPLITNN(Task.BINARY),
        /** Gradient-boosted trees over vertically split columns (SecureBoost). */
        GBDT(Task.BINARY);

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
        if (objective != null && type != Type.GBDT && type != Type.SPLITNN) {
            throw new IllegalArgumentException("model.objective applies to model types gbdt and splitnn; " + type.name().toLowerCase(java.util.Locale.ROOT)
                    + " learns a " + type.task().name().toLowerCase(java.util.Locale.ROOT) + " target");
        }
        if (objective == Task.MULTICLASS && classes < 2) {
            throw new IllegalArgumentException("model.classes: a multiclass objective needs at least 2 classes, got " + classes);
        }
    }

    public ModelSpec(Type type, List<Integer> hidden, int classes, double l2) {
        this(type, hidden, classes, l2, null);
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

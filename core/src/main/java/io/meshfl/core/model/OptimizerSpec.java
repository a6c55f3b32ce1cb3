package io.meshfl.core.model;

import java.util.Locale;

/**
 * Which optimizer local training uses: {@code name} is {@code "sgd"} or {@code "adam"} (any case),
 * {@code lr} the learning rate, {@code momentum} the SGD momentum in [0, 1). Adam uses
 * beta1 = 0.9, beta2 = 0.999, eps = 1e-8 and ignores {@code momentum}.
 */
public record OptimizerSpec(String name, double lr, double momentum) {

    public OptimizerSpec {
        if (name == null || name.isBlank()) throw new IllegalArgumentException("optimizer.name is required (sgd or adam)");
        name = name.trim().toLowerCase(Locale.ROOT);
        if (!name.equals("sgd") && !name.equals("adam")) {
            throw new IllegalArgumentException("optimizer.name must be sgd or adam, got '" + name + "'");
        }
        checkLr(lr);
        checkMomentum(momentum);
    }

    public static OptimizerSpec sgd(double lr, double momentum) {
        return new OptimizerSpec("sgd", lr, momentum);
    }

    public static OptimizerSpec adam(double lr) {
        return new OptimizerSpec("adam", lr, 0.0);
    }

    /** A fresh optimizer with empty state. */
    public Optimizer create() {
        return name.equals("adam") ? new Adam(lr) : new Sgd(lr, momentum);
    }

    static void checkLr(double lr) {
        if (!(lr > 0 && Double.isFinite(lr))) throw new IllegalArgumentException("optimizer.lr must be > 0, got " + lr);
    }

    static void checkMomentum(double momentum) {
        if (!(momentum >= 0 && momentum < 1)) {
            throw new IllegalArgumentException("optimizer.momentum must be in [0, 1), got " + momentum);
        }
    }
}

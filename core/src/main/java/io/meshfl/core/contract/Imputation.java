package io.meshfl.core.contract;

import java.util.Objects;

/** What a reader does with empty or NaN feature cells. */
public record Imputation(Strategy strategy, double value) {

    /** Fail on a missing cell, fill it with the column mean, or fill it with {@code value}. */
    public enum Strategy { NONE, MEAN, CONSTANT }

    public static final Imputation NONE = new Imputation(Strategy.NONE, 0.0);

    public Imputation {
        Objects.requireNonNull(strategy, "strategy");
    }

    public static Imputation mean() {
        return new Imputation(Strategy.MEAN, 0.0);
    }

    public static Imputation constant(double value) {
        return new Imputation(Strategy.CONSTANT, value);
    }
}

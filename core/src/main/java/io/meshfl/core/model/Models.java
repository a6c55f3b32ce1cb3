package io.meshfl.core.model;

/** Builds the {@link Model} a {@link ModelSpec} describes. */
public final class Models {

    private Models() {
    }

    /** A model of {@code spec}'s type over {@code inputs} features. */
    public static Model create(ModelSpec spec, int inputs) {
        if (spec == null) throw new IllegalArgumentException("model spec is required");
        if (inputs < 0) throw new IllegalArgumentException("model inputs must be >= 0, got " + inputs);
        if (spec.type() != ModelSpec.Type.MLP && !spec.hidden().isEmpty()) {
            throw new IllegalArgumentException("model.hidden applies only to type MLP, got " + spec.hidden()
                    + " for " + spec.type());
        }
        return switch (spec.type()) {
            case LOGISTIC -> new LogisticRegression(spec, inputs);
            case SOFTMAX -> new SoftmaxRegression(spec, inputs);
            case LINEAR -> new LinearRegression(spec, inputs);
            case POISSON -> new PoissonRegression(spec, inputs);
            case MLP -> new Mlp(spec, inputs);
            case EXTERNAL -> new ExternalModel(spec, inputs);
            case SPLITNN, GBDT -> throw new IllegalArgumentException("model type " + spec.type().name().toLowerCase(java.util.Locale.ROOT)
                    + " is trained by its own vertical protocol, not as one parameter vector");
        };
    }
}

package io.meshfl.core.model;

/** A model that can say which entries of its flat parameter vector are bias terms. */
public interface HasBiases {

    /** True when parameter {@code index} is a bias (intercept), which L2 regularisation skips. */
    boolean isBias(int index);

    /** The bias flags of {@code model}'s parameters; all false when the model does not report them. */
    static boolean[] maskOf(Model model) {
        boolean[] mask = new boolean[model.numParams()];
        if (model instanceof HasBiases b) {
            for (int i = 0; i < mask.length; i++) mask[i] = b.isBias(i);
        }
        return mask;
    }
}

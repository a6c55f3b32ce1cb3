package io.meshfl.core.model;

import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;

/**
 * One named parameter tensor an external model declares: its name and shape. The model's flat
 * parameter vector is its declared tensors in order, each row-major.
 */
public record TensorSpec(String name, List<Integer> shape) {

    /** Names as PyTorch writes them (fc1.weight, layers.0.bias), and nothing that could break the list's encoding. */
    private static final Pattern NAME = Pattern.compile("[A-Za-z0-9_.:/-]{1,200}");

    public TensorSpec {
        if (name == null || !NAME.matcher(name).matches()) {
            throw new IllegalArgumentException("parameter name '" + name + "' must be 1-200 letters, digits or _ . : / -");
        }
        shape = List.copyOf(shape == null ? List.of() : shape);
        long size = 1;
        for (int d : shape) {
            if (d < 1) throw new IllegalArgumentException("parameter " + name + ": dimensions must be >= 1, got " + shape);
            size *= d;
            if (size > Integer.MAX_VALUE) throw new IllegalArgumentException("parameter " + name + " is too large: " + shape);
        }
    }

    /** Number of values: the product of the dimensions (1 for a scalar). */
    public int size() {
        int n = 1;
        for (int d : shape) n *= d;
        return n;
    }

    /** The sum of the declared sizes: the length of the flat parameter vector. */
    public static int total(List<TensorSpec> specs) {
        long n = 0;
        for (TensorSpec t : specs) n += t.size();
        if (n > Integer.MAX_VALUE) throw new IllegalArgumentException("the declared parameters hold more than 2^31 values");
        return (int) n;
    }

    /** The list as one line, {@code fc1.weight=16x23,fc1.bias=16}, for a request's settings. */
    public static String encode(List<TensorSpec> specs) {
        List<String> out = new ArrayList<>();
        for (TensorSpec t : specs) {
            out.add(t.name + "=" + String.join("x", t.shape.stream().map(String::valueOf).toList()));
        }
        return String.join(",", out);
    }

    /** The list {@link #encode} wrote. */
    public static List<TensorSpec> decode(String line) {
        List<TensorSpec> out = new ArrayList<>();
        if (line == null || line.isBlank()) return out;
        for (String entry : line.split(",")) {
            int eq = entry.indexOf('=');
            if (eq < 0) throw new IllegalArgumentException("parameter declaration '" + entry + "' has no shape");
            String dims = entry.substring(eq + 1);
            List<Integer> shape = new ArrayList<>();
            if (!dims.isEmpty()) {
                for (String d : dims.split("x")) shape.add(Integer.parseInt(d));
            }
            out.add(new TensorSpec(entry.substring(0, eq), shape));
        }
        return out;
    }

    @Override
    public String toString() {
        return name + shape;
    }
}

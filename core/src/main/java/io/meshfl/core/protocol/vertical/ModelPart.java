package io.meshfl.core.protocol.vertical;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.meshfl.core.ErrorCode;
import io.meshfl.core.MeshflException;

import java.io.IOException;
import java.util.List;

/**
 * One party's part of a vertical model: its columns, their scaling and weights (and the bias on the
 * guest). A multinomial model has {@code classes} weight rows (class-major) and one bias per class
 * in {@code biases}; single-output parts leave both out.
 */
public record ModelPart(String domain, String role, String model, List<String> features, double[] mean, double[] std,
                        double[] weights, double bias, int classes, double[] biases) {

    private static final ObjectMapper JSON = new ObjectMapper();

    public static ModelPart parse(byte[] json, String modelId) {
        try {
            return JSON.readValue(json, ModelPart.class);
        } catch (IOException e) {
            throw new MeshflException(ErrorCode.NODE_FAILURE, "model part " + modelId + " is unreadable: " + e.getMessage(), e);
        }
    }

    /** Scores per row: the class count of a multinomial model, otherwise 1. */
    public int outputs() {
        return Math.max(1, classes);
    }

    /** Partial scores of rows given in this part's feature order, raw (unscaled) values, row-major; {@link #outputs} per row. */
    public double[] partial(double[] x, int rows) {
        int d = features.size();
        int k = outputs();
        double[] u = new double[rows * k];
        for (int i = 0; i < rows; i++) {
            for (int c = 0; c < k; c++) {
                double s = "guest".equals(role) ? (biases == null ? bias : biases[c]) : 0;
                for (int j = 0; j < d; j++) {
                    double sd = std[j] == 0 ? 1 : std[j];
                    s += (x[i * d + j] - mean[j]) / sd * weights[c * d + j];
                }
                u[i * k + c] = s;
            }
        }
        return u;
    }
}

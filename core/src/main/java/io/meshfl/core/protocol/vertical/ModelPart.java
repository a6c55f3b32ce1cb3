package io.meshfl.core.protocol.vertical;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.meshfl.core.ErrorCode;
import io.meshfl.core.MeshflException;

import java.io.IOException;
import java.util.List;

/** One party's part of a vertical model: its columns, their scaling and weights (and the bias on the guest). */
public record ModelPart(String domain, String role, String model, List<String> features, double[] mean, double[] std,
                        double[] weights, double bias) {

    private static final ObjectMapper JSON = new ObjectMapper();

    public static ModelPart parse(byte[] json, String modelId) {
        try {
            return JSON.readValue(json, ModelPart.class);
        } catch (IOException e) {
            throw new MeshflException(ErrorCode.NODE_FAILURE, "model part " + modelId + " is unreadable: " + e.getMessage(), e);
        }
    }

    /** Partial scores of rows given in this part's feature order, raw (unscaled) values, row-major. */
    public double[] partial(double[] x, int rows) {
        int d = features.size();
        double[] u = new double[rows];
        for (int i = 0; i < rows; i++) {
            double s = "guest".equals(role) ? bias : 0;
            for (int j = 0; j < d; j++) {
                double sd = std[j] == 0 ? 1 : std[j];
                s += (x[i * d + j] - mean[j]) / sd * weights[j];
            }
            u[i] = s;
        }
        return u;
    }
}

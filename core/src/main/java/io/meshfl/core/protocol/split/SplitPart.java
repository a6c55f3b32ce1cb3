package io.meshfl.core.protocol.split;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.meshfl.core.ErrorCode;
import io.meshfl.core.MeshflException;
import io.meshfl.core.model.nn.Network;

import java.io.IOException;
import java.util.List;

/**
 * One party's part of a trained split network, as it keeps it: its column encoding, the shape of
 * its bottom network, the noise it adds to what it sends, and the bottom's parameters.
 */
public record SplitPart(String domain, ColumnEncoding encoding, List<Integer> bottomHidden, int cutWidth, String activation,
                        int embeddingDim, double activationNoise, double[] params) {

    private static final ObjectMapper JSON = new ObjectMapper();

    public SplitPart {
        bottomHidden = List.copyOf(bottomHidden);
    }

    public static SplitPart parse(byte[] json, String modelId) {
        return read(json, modelId, SplitPart.class);
    }

    public byte[] toJson() {
        return write(this);
    }

    /** A stored part of a split model as {@code type}; a part that is absent or does not read is an error naming the model. */
    static <T> T read(byte[] json, String modelId, Class<T> type) {
        if (json == null) throw new MeshflException(ErrorCode.CATALOG_NOT_FOUND, "no split model part " + modelId + " on this node");
        try {
            return JSON.readValue(json, type);
        } catch (IOException e) {
            throw new MeshflException(ErrorCode.NODE_FAILURE, "split model part " + modelId + " is unreadable: " + e.getMessage(), e);
        }
    }

    static byte[] write(Object part) {
        try {
            return JSON.writeValueAsBytes(part);
        } catch (IOException e) {
            throw new MeshflException(ErrorCode.INTERNAL, "cannot serialize split model part: " + e.getMessage(), e);
        }
    }

    /** The bottom network for scoring: categories unseen in training go to the unknown embedding row. */
    public Network predictionBottom() {
        Network n = SplitArchitecture.bottom(encoding, embeddingDim, bottomHidden, cutWidth, SplitArchitecture.activation(activation))
                .forPrediction();
        if (n.numParams() != params.length) {
            throw new MeshflException(ErrorCode.NODE_FAILURE, "split model part of " + domain + " has " + params.length
                    + " parameters, its architecture needs " + n.numParams());
        }
        return n;
    }
}

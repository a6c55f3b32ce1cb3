package io.meshfl.coordinator;

/**
 * What a prediction request declares besides the model, the products and the requester: how rows a
 * party does not know are treated ({@code missing}: impute-mean, refuse; null: refuse), and the
 * requester's product the predictions are published as ({@code product}, null: none) in
 * {@code format} (csv or parquet), and the model that scores the rows a part is missing on
 * ({@code fallback}, with {@code missing} fallback-model). All of it is part of the signed request.
 */
public record PredictOptions(String missing, String product, String format, String fallback) {

    public static final PredictOptions NONE = new PredictOptions(null, null, null, null);

    /** Declarations without a fallback model. */
    public PredictOptions(String missing, String product, String format) {
        this(missing, product, format, null);
    }

    public PredictOptions {
        fallback = fallback == null || fallback.isEmpty() ? null : fallback;
        missing = missing == null || missing.isEmpty() ? null : missing;
        product = product == null || product.isEmpty() ? null : product;
        format = format == null || format.isEmpty() ? null : format;
        if (format != null && product == null) {
            throw new io.meshfl.core.MeshflException(io.meshfl.core.ErrorCode.JOB_INVALID,
                    "output.format: given without an output product to write in that format");
        }
    }

    /** The declarations as the signed spec spells them (empty when none). */
    String spec() {
        return (missing == null ? "" : " missing=" + missing) + (fallback == null ? "" : " fallback=" + fallback)
                + (product == null ? "" : " output=" + product + "." + (format == null ? "csv" : format));
    }
}

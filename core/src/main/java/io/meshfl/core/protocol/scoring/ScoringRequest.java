package io.meshfl.core.protocol.scoring;

import io.meshfl.core.protocol.Message;
import io.meshfl.core.protocol.Predictions;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * What a scoring asks besides the model and the products: whether every row of the requester's
 * product is scored ({@code everyRow}, else the rows all parties share), how a row a party does not
 * know is treated, and the model's name and version for the output's columns.
 */
public record ScoringRequest(boolean everyRow, Missing missing, String model, String version, String product, String format,
                             String file, String fallback) {

    /** The rows every party shares, untagged. */
    public static final ScoringRequest SHARED = new ScoringRequest(false, Missing.REFUSE, "", "", "", "csv");

    /** Names a request's predictions file by its run and merges no fallback's. */
    public ScoringRequest(boolean everyRow, Missing missing, String model, String version, String product, String format) {
        this(everyRow, missing, model, version, product, format, "", "");
    }

    /**
     * This request writing its predictions as {@code file} (a plain name in the requester's
     * predictions folder) and, with {@code fallback}, filling the rows it leaves unscored from the
     * predictions file of that name, which a fallback model's scoring of the same run wrote there.
     */
    public ScoringRequest files(String file, String fallback) {
        return new ScoringRequest(everyRow, missing, model, version, product, format, file, fallback);
    }

    public ScoringRequest {
        file = file == null ? "" : file;
        fallback = fallback == null ? "" : fallback;
        for (String f : new String[]{file, fallback}) {
            if (!f.isEmpty() && !f.matches("[A-Za-z0-9][A-Za-z0-9._-]{0,127}")) {
                throw new io.meshfl.core.MeshflException(io.meshfl.core.ErrorCode.PROTOCOL_FAILURE, "a predictions file is named by a plain name");
            }
        }
        model = model == null ? "" : model;
        version = version == null ? "" : version;
        product = product == null ? "" : product;
        format = format == null || format.isEmpty() ? "csv" : format;
        if (!product.isEmpty()) PredictionProduct.check(product, format);
    }

    /** What the nodes are told. */
    public Map<String, String> config() {
        Map<String, String> c = new LinkedHashMap<>();
        c.put("missing", missing.label());
        c.put("model_name", model);
        c.put("model_version", version);
        c.put("output_product", product);
        c.put("output_format", format);
        c.put("output_file", file);
        c.put("fallback_file", fallback);
        return c;
    }

    /** As a node reads it from a step's config. */
    public static ScoringRequest of(Message req) {
        return new ScoringRequest(req.cfg(OuterAlignment.HOSTS, null) != null || req.cfg(OuterAlignment.SLOT, null) != null,
                Missing.parse(req.cfg("missing", "refuse"), "missing.mode"), req.cfg("model_name", ""), req.cfg("model_version", ""),
                req.cfg("output_product", ""), req.cfg("output_format", "csv"), req.cfg("output_file", ""), req.cfg("fallback_file", ""));
    }

    /** The output's tag for rows with {@code coverage} (null: every part on every row). */
    public Predictions.Tag tag(Coverage coverage) {
        return new Predictions.Tag(model, version, coverage, product, format, file, fallback);
    }
}

package io.meshfl.core.trust;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.meshfl.core.ErrorCode;
import io.meshfl.core.MeshflException;

import java.io.IOException;
import java.security.SecureRandom;
import java.time.Instant;
import java.util.HexFormat;
import java.util.List;
import java.util.Objects;

/**
 * What a submitter asks of the mesh and signs: run this job (its spec's SHA-256, the strategy the
 * plan chose) over exactly these product versions, once, under this fresh nonce. Every node
 * checks the signature and its own contract's grants against it before it serves the run, so a
 * coordinator cannot run a job nobody granted, nor run a granted one twice.
 *
 * @param purpose  {@link #TRAIN} or {@link #PREDICT}
 * @param strategy the plan's strategy (horizontal, vertical, split, secureboost,
 *                 federated-factorized, materialized, factorized); for predictions the model's
 * @param modelId  the model scored ({@link #PREDICT} only), else null
 */
public record JobTicket(int version, String submitter, String purpose, String jobName, String strategy, String specSha256,
                        String nonce, List<ProductVersion> products, String modelId, long issuedAtMillis) {

    public static final String TRAIN = "train";
    public static final String PREDICT = "predict";
    public static final int VERSION = 1;

    /** One product the job reads, at the contract version the plan pinned. */
    public record ProductVersion(String id, String version) {
        public ProductVersion {
            Objects.requireNonNull(id, "product id");
            Objects.requireNonNull(version, "product version");
        }
    }

    private static final ObjectMapper JSON = new ObjectMapper()
            .disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES);
    private static final SecureRandom RANDOM = new SecureRandom();

    public JobTicket {
        Objects.requireNonNull(submitter, "submitter");
        if (!TRAIN.equals(purpose) && !PREDICT.equals(purpose)) throw new IllegalArgumentException("purpose must be train or predict");
        Objects.requireNonNull(strategy, "strategy");
        Objects.requireNonNull(specSha256, "specSha256");
        Objects.requireNonNull(nonce, "nonce");
        products = List.copyOf(products);
    }

    /** When the submitter signed the ticket. */
    public Instant issuedAt() {
        return Instant.ofEpochMilli(issuedAtMillis);
    }

    /** 128 random bits in hex: a run nonce nobody can guess or has used. */
    public static String freshNonce() {
        byte[] b = new byte[16];
        RANDOM.nextBytes(b);
        return HexFormat.of().formatHex(b);
    }

    /** The version this ticket names for {@code productId}, or null if it does not name the product. */
    public String versionOf(String productId) {
        for (ProductVersion p : products) if (p.id().equals(productId)) return p.version();
        return null;
    }

    /** The bytes that are signed and sent. */
    public byte[] encode() {
        try {
            return JSON.writeValueAsBytes(this);
        } catch (IOException e) {
            throw new MeshflException(ErrorCode.INTERNAL, "cannot encode a job ticket: " + e.getMessage(), e);
        }
    }

    public static JobTicket decode(byte[] bytes) {
        try {
            return JSON.readValue(bytes, JobTicket.class);
        } catch (IOException | IllegalArgumentException | NullPointerException e) {
            throw new MeshflException(ErrorCode.POLICY_VIOLATION, "the job ticket is malformed: " + e.getMessage());
        }
    }
}

package io.meshfl.core.trust;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.meshfl.core.ErrorCode;
import io.meshfl.core.MeshflException;

import java.io.IOException;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Objects;
import java.util.Set;

/**
 * What a model's owner signs to arm its retraining: this job (the spec holding its {@code retrain:}
 * section, by SHA-256), with this strategy, over exactly these products, may be trained again under
 * my name once per new version of each product, until {@code validUntilMillis}. The versions named
 * here are the ones the owner's own run used, so they count as used. It travels in a
 * {@link SignedTicket} like a job ticket, but never passes for one: its JSON has no purpose, which
 * every job ticket must have, and a job ticket has no {@code kind}, which this one must.
 *
 * @param kind always {@link #KIND}
 */
public record StandingTicket(int version, String kind, String submitter, String jobName, String strategy, String specSha256, String nonce,
                             List<JobTicket.ProductVersion> products, long issuedAtMillis, long validUntilMillis) {

    public static final String KIND = "standing-retrain";
    public static final int VERSION = 1;
    /** The longest an owner may arm retraining for: about a year, so a forgotten model stops retraining. */
    public static final Duration MAX_VALIDITY = Duration.ofDays(366);

    private static final ObjectMapper JSON = new ObjectMapper().disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES);

    public StandingTicket {
        if (!KIND.equals(kind)) throw new IllegalArgumentException("kind must be " + KIND);
        Objects.requireNonNull(submitter, "submitter");
        Objects.requireNonNull(jobName, "jobName");
        Objects.requireNonNull(strategy, "strategy");
        Objects.requireNonNull(specSha256, "specSha256");
        Objects.requireNonNull(nonce, "nonce");
        products = List.copyOf(products);
        if (products.isEmpty()) throw new IllegalArgumentException("a standing retraining ticket names its products");
        if (validUntilMillis <= issuedAtMillis) throw new IllegalArgumentException("valid until must come after issued at");
        if (validUntilMillis - issuedAtMillis > MAX_VALIDITY.toMillis()) {
            throw new IllegalArgumentException("a standing retraining ticket is valid for at most " + MAX_VALIDITY.toDays() + " days");
        }
    }

    /** A ticket for {@code submitter} to sign now, valid for {@code validity}, over the products as its first run read them. */
    public static StandingTicket draft(String submitter, String jobName, String strategy, String spec, List<JobTicket.ProductVersion> products,
                                       Duration validity) {
        long now = System.currentTimeMillis();
        return new StandingTicket(VERSION, KIND, submitter, jobName, strategy, HashChain.sha256Hex(spec), JobTicket.freshNonce(), products, now,
                now + validity.toMillis());
    }

    public Instant issuedAt() {
        return Instant.ofEpochMilli(issuedAtMillis);
    }

    public Instant validUntil() {
        return Instant.ofEpochMilli(validUntilMillis);
    }

    /** The products' ids, in the order signed. */
    public Set<String> ids() {
        Set<String> out = new LinkedHashSet<>();
        products.forEach(p -> out.add(p.id()));
        return out;
    }

    /** The version signed for {@code productId} (already used), or null if the ticket does not name it. */
    public String versionOf(String productId) {
        for (JobTicket.ProductVersion p : products) if (p.id().equals(productId)) return p.version();
        return null;
    }

    /** The bytes that are signed and sent. */
    public byte[] encode() {
        try {
            return JSON.writeValueAsBytes(this);
        } catch (IOException e) {
            throw new MeshflException(ErrorCode.INTERNAL, "cannot encode a standing retraining ticket: " + e.getMessage(), e);
        }
    }

    public static StandingTicket decode(byte[] bytes) {
        try {
            return JSON.readValue(bytes, StandingTicket.class);
        } catch (IOException | IllegalArgumentException | NullPointerException e) {
            throw new MeshflException(ErrorCode.POLICY_VIOLATION, "the standing retraining ticket is malformed: " + e.getMessage());
        }
    }
}

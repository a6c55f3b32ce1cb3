package io.meshfl.coordinator;

import io.meshfl.core.ErrorCode;
import io.meshfl.core.MeshflException;
import io.meshfl.core.model.ModelSpec;
import io.meshfl.core.protocol.scoring.Missing;
import io.meshfl.core.serving.ServingRequester;
import io.meshfl.core.trust.SignedTicket;
import io.meshfl.proto.ServeCall;
import io.meshfl.proto.ServeReply;

import java.util.List;
import java.util.Map;
import java.util.UUID;

/**
 * The requester's end of a serving session, wherever its coordinator is ({@link Link}: gRPC or
 * in-process): opens the session under a signed ticket, hands the parties the session key, scores
 * entity keys call by call and closes. Raw keys and predictions never leave it.
 */
public final class ServingClient implements ServingScorer, AutoCloseable {

    /** How a step reaches the coordinator. */
    public interface Link {
        ServeReply call(ServeCall call);
    }

    /**
     * What vouches for the session's sealing keys: the requester's own certificate key, which signs
     * its key for the parties, and the mesh CA and revocation list its parties' keys are checked
     * against, so that a coordinator cannot put a key of its own between them. {@link #NONE} on a
     * trial mesh without certificates, which takes every party at its word.
     */
    public record Keys(io.meshfl.core.trust.Signer signer, java.security.cert.X509Certificate ca, io.meshfl.core.trust.Revocations revocations) {
        public static final Keys NONE = new Keys(null, null, null);
    }

    /** One call's predictions ({@code outputs} per key, NaN where refused) and which parties knew each key. */
    public record Answer(String[] keys, double[] predictions, int outputs, Map<String, boolean[]> known) {
    }

    private final Link link;
    private final String session;
    private final ServingRequester requester;
    private final String model;
    private final String version;
    private volatile boolean closed;

    private ServingClient(Link link, String session, ServingRequester requester, String model, String version) {
        this.link = link;
        this.session = session;
        this.requester = requester;
        this.model = model;
        this.version = version;
    }

    /** The spec a serving session's ticket signs. */
    public static String spec(String modelId, List<String> products) {
        return Serving.spec(modelId, products);
    }

    /** Opens a session for {@code modelId} over {@code products} under {@code ticket}; the parties are warm when it returns. */
    public static ServingClient open(Link link, String modelId, List<String> products, SignedTicket ticket, Missing missing, Keys trust) {
        ServeReply opened = link.call(ServeCall.newBuilder().setStep("open").setModelId(modelId).addAllProducts(products)
                .setSignedTicket(com.google.protobuf.ByteString.copyFrom(ticket.encode())).build());
        try {
            return setUp(link, opened, modelId, missing, trust);
        } catch (RuntimeException e) {
            // a session that cannot be set up is closed at once: its parties drop what they warmed
            try {
                link.call(ServeCall.newBuilder().setStep("close").setSession(opened.getSession()).build());
            } catch (RuntimeException closing) {
                e.addSuppressed(closing);
            }
            throw e;
        }
    }

    private static ServingClient setUp(Link link, ServeReply opened, String modelId, Missing missing, Keys trust) {
        ModelSpec.Type type;
        try {
            type = ModelSpec.Type.valueOf(opened.getInfoOrDefault("model_type", ""));
        } catch (IllegalArgumentException e) {
            throw new MeshflException(ErrorCode.PROTOCOL_FAILURE, "the serving session names no model type it can score");
        }
        String finisher = opened.getInfoOrDefault("finisher", "");
        ServingRequester r = new ServingRequester(ServingRequester.Kind.of(opened.getInfoOrDefault("answer", "sum")), type,
                Integer.parseInt(opened.getInfoOrDefault("outputs", "1")), missing, finisher.isEmpty() ? null : finisher);
        Map<String, byte[]> pks = new java.util.LinkedHashMap<>();
        java.time.Instant now = java.time.Instant.now();
        // each party's key must be signed by that party's certificate for this session, or the coordinator could hand us its own
        opened.getBlobsMap().forEach((d, pk) -> pks.put(d, trust.ca() == null ? io.meshfl.core.trust.SealKeys.unwrap(pk.toByteArray())
                : io.meshfl.core.trust.SealKeys.verify(pk.toByteArray(), opened.getSession(), d, trust.ca(), trust.revocations(), now)));
        byte[] mine = trust.signer() == null ? r.publicKey() : io.meshfl.core.trust.SealKeys.attest(trust.signer(), opened.getSession(), r.publicKey());
        ServeCall.Builder keys = ServeCall.newBuilder().setStep("keys").setSession(opened.getSession())
                .setRequesterPk(com.google.protobuf.ByteString.copyFrom(mine));
        r.sealedKeys(opened.getSession(), pks).forEach((d, k) -> keys.putBlobs(d, com.google.protobuf.ByteString.copyFrom(k)));
        ServingClient client = new ServingClient(link, opened.getSession(), r, opened.getInfoOrDefault("model_name", modelId),
                opened.getInfoOrDefault("model_version", ""));
        link.call(keys.build());
        return client;
    }

    /** Scores {@code keys}, one prediction row per key in order. */
    @Override
    public Answer score(String[] keys) {
        if (closed) throw new MeshflException(ErrorCode.JOB_INVALID, "the serving session " + session + " is closed");
        String call = UUID.randomUUID().toString();
        ServeReply r = link.call(ServeCall.newBuilder().setStep("score").setSession(session).setCall(call)
                .putBlobs("keys", com.google.protobuf.ByteString.copyFrom(requester.blind(keys))).build());
        Map<String, byte[]> sealed = new java.util.HashMap<>();
        r.getBlobsMap().forEach((d, b) -> sealed.put(d, b.toByteArray()));
        ServingRequester.Scored s = requester.combine(call, keys.length, sealed);
        return new Answer(keys, s.predictions(), s.outputs(), s.known());
    }

    public String session() {
        return session;
    }

    @Override
    public String model() {
        return model;
    }

    @Override
    public String version() {
        return version;
    }

    public List<String> parties() {
        return requester.parties();
    }

    @Override
    public void close() {
        if (closed) return;
        closed = true;
        link.call(ServeCall.newBuilder().setStep("close").setSession(session).build());
    }
}

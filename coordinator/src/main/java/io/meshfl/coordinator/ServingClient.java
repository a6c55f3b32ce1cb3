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
public final class ServingClient implements AutoCloseable {

    /** How a step reaches the coordinator. */
    public interface Link {
        ServeReply call(ServeCall call);
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

    /** Opens a session for {@code modelId} over {@code products} under {@code ticket}; the parties are warm when it returns. */
    public static ServingClient open(Link link, String modelId, List<String> products, SignedTicket ticket, Missing missing) {
        ServeReply opened = link.call(ServeCall.newBuilder().setStep("open").setModelId(modelId).addAllProducts(products)
                .setSignedTicket(com.google.protobuf.ByteString.copyFrom(ticket.encode())).build());
        ModelSpec.Type type;
        try {
            type = ModelSpec.Type.valueOf(opened.getInfoOrDefault("model_type", ""));
        } catch (IllegalArgumentException e) {
            throw new MeshflException(ErrorCode.PROTOCOL_FAILURE, "the serving session names no model type it can score");
        }
        ServingRequester r = new ServingRequester(type, Integer.parseInt(opened.getInfoOrDefault("outputs", "1")), missing);
        Map<String, byte[]> pks = new java.util.LinkedHashMap<>();
        opened.getBlobsMap().forEach((d, pk) -> pks.put(d, pk.toByteArray()));
        ServeCall.Builder keys = ServeCall.newBuilder().setStep("keys").setSession(opened.getSession())
                .setRequesterPk(com.google.protobuf.ByteString.copyFrom(r.publicKey()));
        r.sealedKeys(opened.getSession(), pks).forEach((d, k) -> keys.putBlobs(d, com.google.protobuf.ByteString.copyFrom(k)));
        ServingClient client = new ServingClient(link, opened.getSession(), r, opened.getInfoOrDefault("model_name", modelId),
                opened.getInfoOrDefault("model_version", ""));
        try {
            link.call(keys.build());
        } catch (RuntimeException e) {
            client.close();
            throw e;
        }
        return client;
    }

    /** Scores {@code keys}, one prediction row per key in order. */
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

    public String model() {
        return model;
    }

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

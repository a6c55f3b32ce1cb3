package io.meshfl.core.protocol;

import io.meshfl.core.ErrorCode;
import io.meshfl.core.MeshflException;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;

/**
 * One protocol step between the coordinator and a node, independent of the transport: the
 * protocol and step it belongs to, small scalars ({@code config}, {@code metrics}), named
 * float64 tensors, named byte blobs (ciphertexts, curve points), and on failed replies an
 * {@link ErrorInfo} instead of an exception.
 */
public record Message(String jobId, String runId, String protocol, String step, int round,
                      String sender, String receiver, Map<String, String> config,
                      Map<String, Double> metrics, Map<String, double[]> tensors,
                      ErrorInfo error, long sequence, Map<String, byte[]> blobs) {

    /** What went wrong on the other side, as a code from the error catalog and a message. */
    public record ErrorInfo(ErrorCode code, String message) {
        public ErrorInfo {
            Objects.requireNonNull(code, "code");
            message = message == null ? "" : message;
        }
    }

    public Message {
        Objects.requireNonNull(protocol, "protocol");
        Objects.requireNonNull(step, "step");
        jobId = jobId == null ? "" : jobId;
        runId = runId == null ? "" : runId;
        sender = sender == null ? "" : sender;
        receiver = receiver == null ? "" : receiver;
        config = Collections.unmodifiableMap(new LinkedHashMap<>(config == null ? Map.of() : config));
        metrics = Collections.unmodifiableMap(new LinkedHashMap<>(metrics == null ? Map.of() : metrics));
        tensors = Collections.unmodifiableMap(new LinkedHashMap<>(tensors == null ? Map.of() : tensors));
        blobs = Collections.unmodifiableMap(new LinkedHashMap<>(blobs == null ? Map.of() : blobs));
    }

    /** A message without byte blobs. */
    public Message(String jobId, String runId, String protocol, String step, int round, String sender, String receiver,
                   Map<String, String> config, Map<String, Double> metrics, Map<String, double[]> tensors,
                   ErrorInfo error, long sequence) {
        this(jobId, runId, protocol, step, round, sender, receiver, config, metrics, tensors, error, sequence, Map.of());
    }

    /** A request with no tensors yet. */
    public static Message request(String jobId, String runId, String protocol, String step, int round, String receiver) {
        return new Message(jobId, runId, protocol, step, round, "coordinator", receiver, Map.of(), Map.of(), Map.of(), null, 0);
    }

    /** A successful reply to this message from {@code sender}. */
    public Message reply(String from, Map<String, Double> replyMetrics, Map<String, double[]> replyTensors) {
        return new Message(jobId, runId, protocol, step, round, from, sender, Map.of(), replyMetrics, replyTensors, null, sequence);
    }

    /** A failed reply to this message. */
    public Message failure(String from, ErrorCode code, String text) {
        return new Message(jobId, runId, protocol, step, round, from, sender, Map.of(), Map.of(), Map.of(),
                new ErrorInfo(code, text), sequence);
    }

    public Message withConfig(Map<String, String> newConfig) {
        return new Message(jobId, runId, protocol, step, round, sender, receiver, newConfig, metrics, tensors, error, sequence, blobs);
    }

    public Message withTensors(Map<String, double[]> newTensors) {
        return new Message(jobId, runId, protocol, step, round, sender, receiver, config, metrics, newTensors, error, sequence, blobs);
    }

    public Message withSequence(long seq) {
        return new Message(jobId, runId, protocol, step, round, sender, receiver, config, metrics, tensors, error, seq, blobs);
    }

    public Message withBlobs(Map<String, byte[]> newBlobs) {
        return new Message(jobId, runId, protocol, step, round, sender, receiver, config, metrics, tensors, error, sequence, newBlobs);
    }

    public Message withMetrics(Map<String, Double> newMetrics) {
        return new Message(jobId, runId, protocol, step, round, sender, receiver, config, newMetrics, tensors, error, sequence, blobs);
    }

    /** A successful reply carrying byte blobs as well. */
    public Message reply(String from, Map<String, Double> replyMetrics, Map<String, double[]> replyTensors, Map<String, byte[]> replyBlobs) {
        return reply(from, replyMetrics, replyTensors).withBlobs(replyBlobs);
    }

    public byte[] blob(String name) {
        byte[] b = blobs.get(name);
        if (b == null) {
            throw new MeshflException(ErrorCode.PROTOCOL_FAILURE,
                    protocol + "/" + step + " from " + sender + " lacks blob '" + name + "'");
        }
        return b;
    }

    public boolean failed() {
        return error != null;
    }

    /** This message, or the remote error rethrown here as a {@link MeshflException}. */
    public Message orThrow() {
        if (error != null) {
            throw new MeshflException(error.code(), sender + " failed " + protocol + "/" + step + ": " + error.message());
        }
        return this;
    }

    public double[] tensor(String name) {
        double[] t = tensors.get(name);
        if (t == null) {
            throw new MeshflException(ErrorCode.PROTOCOL_FAILURE,
                    protocol + "/" + step + " from " + sender + " lacks tensor '" + name + "'");
        }
        return t;
    }

    public String cfg(String key) {
        String v = config.get(key);
        if (v == null) {
            throw new MeshflException(ErrorCode.PROTOCOL_FAILURE,
                    protocol + "/" + step + " from " + sender + " lacks config '" + key + "'");
        }
        return v;
    }

    public String cfg(String key, String fallback) {
        return config.getOrDefault(key, fallback);
    }

    /** Bytes of tensor payload this message carries. */
    public long payloadBytes() {
        long n = 0;
        for (double[] t : tensors.values()) n += 8L * t.length;
        for (byte[] b : blobs.values()) n += b.length;
        return n;
    }
}

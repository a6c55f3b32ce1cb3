package io.meshfl.core.protocol;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.meshfl.core.ErrorCode;
import io.meshfl.core.MeshflException;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * What the coordinator needs to go on with a run after the round it was committed at: named
 * tensors (the global model, a server optimizer's moments, the run's feature scaling), named
 * numbers (traffic and time so far) and, for runs whose state lives on the parties (vertical), the
 * SHA-256 of the part each party persisted for that round in its own state folder: the marker
 * that every party holds it. Committed to the catalog with the round's record, in the same
 * transaction, so a round is either recorded and resumable or neither.
 */
public record RunCheckpoint(int round, Map<String, double[]> tensors, Map<String, Double> numbers, Map<String, String> parts) {

    private static final ObjectMapper JSON = new ObjectMapper();

    public RunCheckpoint {
        tensors = Map.copyOf(tensors);
        numbers = Map.copyOf(numbers);
        parts = Map.copyOf(parts);
    }

    /** A checkpoint the coordinator holds whole (no party keeps a part of it). */
    public RunCheckpoint(int round, Map<String, double[]> tensors, Map<String, Double> numbers) {
        this(round, tensors, numbers, Map.of());
    }

    /** The SHA-256 (hex) of the part {@code party} persisted for this round, or throws naming the party. */
    public String part(String party) {
        String p = parts.get(party);
        if (p == null) throw new MeshflException(ErrorCode.CATALOG_FAILURE, "checkpoint of round " + round + " holds no part of " + party);
        return p;
    }

    public double[] tensor(String name) {
        double[] t = tensors.get(name);
        if (t == null) throw new MeshflException(ErrorCode.CATALOG_FAILURE, "checkpoint of round " + round + " has no tensor '" + name + "'");
        return t;
    }

    public double number(String name, double otherwise) {
        return numbers.getOrDefault(name, otherwise);
    }

    /** JSON with each tensor as base64 of its little-endian doubles: exact, and a tenth of decimal text. */
    public byte[] encode() {
        ObjectNode o = JSON.createObjectNode().put("round", round);
        ObjectNode t = o.putObject("tensors");
        for (var e : new java.util.TreeMap<>(tensors).entrySet()) {
            ByteBuffer b = ByteBuffer.allocate(e.getValue().length * Double.BYTES).order(ByteOrder.LITTLE_ENDIAN);
            b.asDoubleBuffer().put(e.getValue());
            t.put(e.getKey(), b.array());
        }
        ObjectNode n = o.putObject("numbers");
        new java.util.TreeMap<>(numbers).forEach(n::put);
        if (!parts.isEmpty()) {
            ObjectNode p = o.putObject("parts");
            new java.util.TreeMap<>(parts).forEach(p::put);
        }
        try {
            return JSON.writeValueAsBytes(o);
        } catch (IOException e) {
            throw new MeshflException(ErrorCode.INTERNAL, "checkpoint of round " + round + " cannot be written: " + e.getMessage(), e);
        }
    }

    public static RunCheckpoint decode(byte[] blob) {
        try {
            JsonNode o = JSON.readTree(blob);
            Map<String, double[]> tensors = new LinkedHashMap<>();
            var fields = o.path("tensors").fields();
            while (fields.hasNext()) {
                var e = fields.next();
                ByteBuffer b = ByteBuffer.wrap(e.getValue().binaryValue()).order(ByteOrder.LITTLE_ENDIAN);
                double[] d = new double[b.remaining() / Double.BYTES];
                b.asDoubleBuffer().get(d);
                tensors.put(e.getKey(), d);
            }
            Map<String, Double> numbers = new LinkedHashMap<>();
            o.path("numbers").fields().forEachRemaining(e -> numbers.put(e.getKey(), e.getValue().asDouble()));
            Map<String, String> parts = new LinkedHashMap<>();
            o.path("parts").fields().forEachRemaining(e -> parts.put(e.getKey(), e.getValue().asText()));
            if (!o.path("round").isInt()) throw new IOException("no round number");
            return new RunCheckpoint(o.path("round").asInt(), tensors, numbers, parts);
        } catch (IOException e) {
            throw new MeshflException(ErrorCode.CATALOG_FAILURE, "a run checkpoint in the catalog is unreadable: " + e.getMessage(), e);
        }
    }
}

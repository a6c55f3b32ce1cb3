package io.meshfl.core.protocol.factorized;

import io.meshfl.core.ErrorCode;
import io.meshfl.core.MeshflException;
import io.meshfl.core.data.Dataset;
import io.meshfl.core.protocol.Message;
import io.meshfl.core.protocol.NodeContext;
import io.meshfl.core.protocol.NodeProtocol;

import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The node side of training over a join in one place: hands over an own product's allowed
 * columns, label and join keys, through {@link NodeContext#export}, which refuses unless the
 * product's contract lets raw rows leave the domain.
 */
public final class RowsNode implements NodeProtocol {

    public static final String PROTOCOL = "rows";
    public static final String EXPORT = "export";

    @Override
    public String name() {
        return PROTOCOL;
    }

    @Override
    public Message handle(Message req, NodeContext ctx) {
        if (!req.step().equals(EXPORT)) {
            return req.failure(ctx.nodeId(), ErrorCode.PROTOCOL_FAILURE, "unknown rows step '" + req.step() + "'");
        }
        String product = req.cfg("product");
        List<String> features = split(req.cfg("features", ""));
        String label = req.cfg("label", "");
        Dataset d = ctx.export(product, features, label.isEmpty() ? null : label);
        Map<String, double[]> tensors = new LinkedHashMap<>();
        tensors.put("x", d.x());
        if (d.y() != null) tensors.put("y", d.y());
        Map<String, byte[]> blobs = new LinkedHashMap<>();
        for (String k : split(req.cfg("keys", ""))) blobs.put("keys:" + k, packStrings(ctx.exportKeys(product, k)));
        return req.reply(ctx.nodeId(), Map.of("rows", (double) d.rows(), "cols", (double) d.cols()), tensors, blobs);
    }

    static List<String> split(String csv) {
        return csv.isBlank() ? List.of() : Arrays.stream(csv.split(",")).map(String::strip).toList();
    }

    /** Strings (nulls allowed) as a count, then per value a presence flag and its UTF-8 form. */
    static byte[] packStrings(String[] values) {
        ByteArrayOutputStream buf = new ByteArrayOutputStream();
        try (DataOutputStream out = new DataOutputStream(buf)) {
            out.writeInt(values.length);
            for (String v : values) {
                out.writeBoolean(v != null);
                if (v != null) out.writeUTF(v);
            }
        } catch (IOException e) {
            throw new MeshflException(ErrorCode.INTERNAL, "cannot pack keys: " + e.getMessage(), e);
        }
        return buf.toByteArray();
    }

    static String[] unpackStrings(byte[] bytes, String what) {
        try (DataInputStream in = new DataInputStream(new java.io.ByteArrayInputStream(bytes))) {
            int n = in.readInt();
            if (n < 0 || n > bytes.length) throw new IOException("count " + n + " does not fit " + bytes.length + " bytes");
            String[] out = new String[n];
            for (int i = 0; i < n; i++) out[i] = in.readBoolean() ? in.readUTF() : null;
            return out;
        } catch (IOException e) {
            throw new MeshflException(ErrorCode.PROTOCOL_FAILURE, what + ": malformed key list: " + e.getMessage(), e);
        }
    }
}

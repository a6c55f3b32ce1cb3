package io.meshfl.core.protocol.horizontal;

import java.util.LinkedHashMap;
import java.util.Map;

/** Local training settings sent to each node every round. */
public record LocalSettings(int epochs, int batchSize, String optimizer, double lr, double momentum, double l2) {

    public LocalSettings {
        if (epochs < 1) throw new IllegalArgumentException("local.epochs must be >= 1, got " + epochs);
        if (batchSize < 1) throw new IllegalArgumentException("local.batchSize must be >= 1, got " + batchSize);
        if (!optimizer.equals("sgd") && !optimizer.equals("adam")) {
            throw new IllegalArgumentException("local.optimizer must be sgd or adam, got '" + optimizer + "'");
        }
        if (!(lr > 0)) throw new IllegalArgumentException("local.lr must be > 0, got " + lr);
        if (momentum < 0 || momentum >= 1) throw new IllegalArgumentException("local.momentum must be in [0, 1), got " + momentum);
        if (l2 < 0) throw new IllegalArgumentException("local.l2 must be >= 0, got " + l2);
    }

    public static LocalSettings defaults() {
        return new LocalSettings(1, 32, "sgd", 0.1, 0.0, 0.0);
    }

    /** The wire form, for a node's fit instruction. */
    public Map<String, String> toConfig(long seed) {
        Map<String, String> m = new LinkedHashMap<>();
        m.put("epochs", Integer.toString(epochs));
        m.put("batch_size", Integer.toString(batchSize));
        m.put("optimizer", optimizer);
        m.put("lr", Double.toString(lr));
        m.put("momentum", Double.toString(momentum));
        m.put("l2", Double.toString(l2));
        m.put("seed", Long.toString(seed));
        return m;
    }
}

package io.meshfl.engine.spark;

import io.meshfl.core.MeshflException;

/** A MeshFL error raised on an executor reaches the driver wrapped in Spark's; the protocol answers with the error itself. */
final class SparkErrors {

    private SparkErrors() {
    }

    static RuntimeException unwrap(RuntimeException e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof MeshflException m) return m;
        }
        return e;
    }
}

package io.meshfl.node.engine;

import io.meshfl.core.protocol.NodeProtocol;

import java.util.Map;
import java.util.function.UnaryOperator;

/**
 * Where a node's per-row work runs. The default engine is the node's own JVM; another engine (Apache
 * Spark, in its own module and launcher) takes over the node side of some protocols, by name, while
 * the node stays the protocol endpoint: the same messages go in and out, so neither the coordinator
 * nor the other parties can tell which engine a domain runs.
 */
public interface NodeEngine extends AutoCloseable {

    /** The name a node is started with ({@code --engine NAME}). */
    String name();

    /**
     * The protocols this engine runs, by protocol name, each given the node's own (in-JVM) side of it,
     * which it may hand the requests it does not distribute.
     */
    Map<String, UnaryOperator<NodeProtocol>> protocols();

    /**
     * Where this engine keeps the rows a node trains on and runs their per-row arithmetic, or null when the node's JVM does;
     * its source answers null for a product it does not read.
     */
    default io.meshfl.core.data.AlignedRows.Source rows() {
        return null;
    }

    /** One line for the node's log: what runs where. */
    String describe();

    @Override
    void close();
}

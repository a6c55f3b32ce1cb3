package io.meshfl.engine.spark;

import io.meshfl.core.contract.DataContract;
import io.meshfl.node.engine.NodeEngine;
import io.meshfl.node.engine.NodeEngineProvider;

import java.util.List;
import java.util.Map;
import java.util.function.Consumer;

/** {@code --engine spark}: found by the node on the classpath of the {@code meshfl-spark} launcher. */
public final class SparkEngineProvider implements NodeEngineProvider {

    static final String NAME = "spark";

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public NodeEngine open(String domain, List<DataContract> contracts, Map<String, String> settings, Consumer<String> log) {
        return new SparkEngine(domain, contracts, settings, log);
    }
}

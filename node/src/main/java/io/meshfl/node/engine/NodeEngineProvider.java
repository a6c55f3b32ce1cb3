package io.meshfl.node.engine;

import io.meshfl.core.contract.DataContract;

import java.util.List;
import java.util.Map;
import java.util.function.Consumer;

/** Opens a {@link NodeEngine} for a node; found with {@link java.util.ServiceLoader} on the launcher's classpath. */
public interface NodeEngineProvider {

    /** The engine's name, as {@code --engine} takes it. */
    String name();

    /**
     * The engine for the node of {@code domain} serving {@code contracts}, with the settings given on the command line
     * ({@code --engine-conf KEY=VALUE}); a setting the engine does not take is an error naming it.
     */
    NodeEngine open(String domain, List<DataContract> contracts, Map<String, String> settings, Consumer<String> log);
}

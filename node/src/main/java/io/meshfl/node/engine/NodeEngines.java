package io.meshfl.node.engine;

import io.meshfl.core.ErrorCode;
import io.meshfl.core.MeshflException;
import io.meshfl.core.contract.DataContract;

import java.util.List;
import java.util.Map;
import java.util.ServiceLoader;
import java.util.TreeSet;
import java.util.function.Consumer;

/** The engines on this launcher's classpath, by name; {@code jvm}, the node's own, is always there and distributes nothing. */
public final class NodeEngines {

    /** The node's own JVM: every protocol as the node runs it. */
    public static final String JVM = "jvm";

    private NodeEngines() {
    }

    /**
     * The engine named {@code name} for a node, or null for {@code jvm}; an engine this launcher does not carry is an error
     * naming the engines it does and where the missing one comes from.
     */
    public static NodeEngine open(String name, String domain, List<DataContract> contracts, Map<String, String> settings, Consumer<String> log) {
        if (JVM.equals(name)) {
            if (!settings.isEmpty()) {
                throw new MeshflException(ErrorCode.JOB_INVALID, "--engine-conf " + settings.keySet().iterator().next()
                        + ": engine jvm takes no settings");
            }
            return null;
        }
        TreeSet<String> known = new TreeSet<>(List.of(JVM));
        for (NodeEngineProvider p : ServiceLoader.load(NodeEngineProvider.class)) {
            if (p.name().equals(name)) return p.open(domain, contracts, settings, log);
            known.add(p.name());
        }
        throw new MeshflException(ErrorCode.JOB_INVALID, "--engine " + name + ": this launcher carries the engines " + known
                + (name.equals("spark") ? "; the Spark engine is its own module and launcher: build it with mvn -Pspark -DskipTests package "
                + "and start the node with ./meshfl-spark node ..." : ""));
    }
}

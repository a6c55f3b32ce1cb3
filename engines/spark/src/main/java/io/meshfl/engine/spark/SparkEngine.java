package io.meshfl.engine.spark;

import io.meshfl.core.ErrorCode;
import io.meshfl.core.MeshflException;
import io.meshfl.core.contract.DataContract;
import io.meshfl.core.protocol.NodeProtocol;
import io.meshfl.core.protocol.psi.PsiSteps;
import io.meshfl.node.engine.NodeEngine;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.sql.SparkSession;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import java.util.function.UnaryOperator;

/**
 * A node's Spark engine: the node is the Spark driver (local[2] by default, {@code spark.master} for
 * a cluster); the steps it distributes read the domain's rows on executors, partition by partition,
 * and hand the node only what the protocol sends on. In this version that is the entity-key
 * alignment (PSI): reading the keys, their checks, the secret shuffle, hashing to the curve and
 * blinding, the peer's points blinded again, and the aligned row order; the other protocols read
 * their rows in the node's JVM as before.
 */
public final class SparkEngine implements NodeEngine {

    /** Keys per partition of the shuffled keys: a blind request of the default batch (65,536) spans a few, one per core. */
    static final String PARTITION_ROWS = "meshfl.psi.partitionRows";

    private final SparkSession spark;
    private final JavaSparkContext jsc;
    private final Map<String, DataContract> products = new LinkedHashMap<>();
    private final String master;
    private final int partitionRows;
    private final Consumer<String> log;

    SparkEngine(String domain, List<DataContract> contracts, Map<String, String> settings, Consumer<String> log) {
        this.log = log;
        for (DataContract c : contracts) products.put(c.id(), c);
        Map<String, String> conf = new LinkedHashMap<>();
        conf.put("spark.master", "local[2]");
        // no web UI: a node opens no listener its protocol does not need; a cluster's operators turn it on where they want it
        conf.put("spark.ui.enabled", "false");
        int rows = 16_384;
        for (var e : settings.entrySet()) {
            if (e.getKey().equals(PARTITION_ROWS)) {
                try {
                    rows = Integer.parseInt(e.getValue());
                } catch (NumberFormatException bad) {
                    rows = 0;
                }
                if (rows < 1) throw new MeshflException(ErrorCode.JOB_INVALID, "--engine-conf " + PARTITION_ROWS + ": a number of keys >= 1, got '" + e.getValue() + "'");
            } else if (e.getKey().startsWith("spark.")) {
                conf.put(e.getKey(), e.getValue());
            } else {
                throw new MeshflException(ErrorCode.JOB_INVALID, "--engine-conf " + e.getKey() + ": engine spark takes Spark's own settings "
                        + "(spark.*) and " + PARTITION_ROWS);
            }
        }
        this.partitionRows = rows;
        this.master = conf.get("spark.master");
        if (master.startsWith("local")) {
            // a driver of local mode talks to no one: its block manager and RPC stay on loopback
            conf.putIfAbsent("spark.driver.bindAddress", "127.0.0.1");
            conf.putIfAbsent("spark.driver.host", "127.0.0.1");
        }
        SparkSession.Builder b = SparkSession.builder().appName("meshfl-node-" + domain);
        conf.forEach(b::config);
        this.spark = b.getOrCreate();
        this.jsc = JavaSparkContext.fromSparkContext(spark.sparkContext());
        spark.sparkContext().setLogLevel("WARN");
    }

    @Override
    public String name() {
        return SparkEngineProvider.NAME;
    }

    @Override
    public Map<String, UnaryOperator<NodeProtocol>> protocols() {
        return Map.of(PsiSteps.PROTOCOL, own -> new SparkPsiNode(this, own));
    }

    @Override
    public String describe() {
        return "Spark " + spark.version() + " on " + master + " (" + jsc.defaultParallelism() + " cores): entity-key alignment (psi) of CSV "
                + "and Parquet products runs on its executors, " + partitionRows + " keys a partition; every other step in this JVM";
    }

    private final java.util.concurrent.atomic.AtomicBoolean closed = new java.util.concurrent.atomic.AtomicBoolean();

    /** Stops the Spark driver; an engine the nodes of an embedded mesh share stops once. */
    @Override
    public void close() {
        if (closed.compareAndSet(false, true)) spark.stop();
    }

    SparkSession session() {
        return spark;
    }

    JavaSparkContext context() {
        return jsc;
    }

    int partitionRows() {
        return partitionRows;
    }

    /** The contract of a product this node serves, or null. */
    DataContract contract(String productId) {
        return products.get(productId);
    }

    void log(String line) {
        log.accept(line);
    }
}

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
 * blinding, the peer's points blinded again, and the aligned row order; a vertical linear model's
 * aligned rows ({@link #rows()}): their reading and checks, scaling, scores and encrypted gradient
 * sums; and a SecureBoost feature holder's: their bins and encrypted histograms. The other steps
 * read their rows in the node's JVM as before. The driver's ports are authenticated and encrypted and what
 * Spark writes to local disk is encrypted, in a directory of the node's own, unless the operator
 * turns a protection off (which the node's log then says).
 */
public final class SparkEngine implements NodeEngine {

    /** Keys per partition of the shuffled keys (a blind request of the default batch, 65,536, spans a few, one per core) and aligned rows per block of a party's training rows. */
    static final String PARTITION_ROWS = "meshfl.psi.partitionRows";

    /** Spark's protections the engine turns on unless the operator turns one off, which the node's log then says. */
    static final List<String> PROTECTIONS = List.of("spark.authenticate", "spark.network.crypto.enabled", "spark.io.encryption.enabled");

    private static final Map<String, String> WITHOUT = Map.of(
            "spark.authenticate", "any process that reaches the driver's ports can call it and fetch its blocks",
            "spark.network.crypto.enabled", "the driver's and executors' traffic (keys, points, secrets in tasks) crosses the network in the clear",
            "spark.io.encryption.enabled", "keys and points Spark spills or shuffles to local disk are written in the clear");

    private static final String SECRET = "spark.authenticate.secret";

    private final List<String> unprotected;
    private final java.nio.file.Path localDir;
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
        // executors load no classes from the driver (Spark 4's per-session artifacts): a node ships no code at run time, and
        // its class server is not asked for every class name generated code tries
        conf.put("spark.sql.artifact.isolation.enabled", "false");
        int rows = 16_384;
        for (var e : settings.entrySet()) {
            if (e.getKey().equals(SECRET)) {
                throw new MeshflException(ErrorCode.JOB_INVALID, "--engine-conf " + SECRET + ": a secret on the command line is visible to "
                        + "every process on the host; name a file readable only by the node instead (" + SECRET + ".file)");
            } else if (e.getKey().equals(PARTITION_ROWS)) {
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
        // another process on the host (or the domain's network) reaches the driver's RPC and block ports: it must hold the
        // application's secret (made by Spark in local mode and on YARN and Kubernetes; a standalone cluster names it in a file),
        // traffic is encrypted, and what Spark spills to local disk (keys, points) is encrypted under a key only this JVM holds
        for (String on : PROTECTIONS) conf.putIfAbsent(on, "true");
        if (!Boolean.parseBoolean(conf.get("spark.authenticate")) && !settings.containsKey("spark.network.crypto.enabled")) {
            conf.put("spark.network.crypto.enabled", "false"); // Spark encrypts only what it authenticates
        }
        this.unprotected = PROTECTIONS.stream().filter(k -> !Boolean.parseBoolean(conf.get(k))).toList();
        for (String k : unprotected) log.accept("engine spark: WITHOUT " + k + " (=false in --engine-conf, or implied by it): " + WITHOUT.get(k));
        if (!conf.containsKey("spark.local.dir")) {
            // Spark's own directories are made with the process's umask; these are the node's alone
            try {
                localDir = java.nio.file.Files.createTempDirectory("meshfl-spark-", java.nio.file.attribute.PosixFilePermissions.asFileAttribute(
                        java.nio.file.attribute.PosixFilePermissions.fromString("rwx------")));
            } catch (java.io.IOException e) {
                throw new MeshflException(ErrorCode.INTERNAL, "engine spark: cannot make its local directory: " + e.getMessage());
            }
            conf.put("spark.local.dir", localDir.toString());
        } else {
            localDir = null;
        }
        SparkSession.Builder b = SparkSession.builder().appName("meshfl-node-" + domain);
        conf.forEach(b::config);
        try {
            this.spark = b.getOrCreate();
        } catch (RuntimeException e) {
            if (localDir != null) deleteTree(localDir);
            throw e;
        }
        this.jsc = JavaSparkContext.fromSparkContext(spark.sparkContext());
        spark.sparkContext().setLogLevel("WARN");
        // what the executors spend, for the node's log: a step's share of them is what scales with the domain's rows
        spark.sparkContext().addSparkListener(new org.apache.spark.scheduler.SparkListener() {
            @Override
            public void onTaskEnd(org.apache.spark.scheduler.SparkListenerTaskEnd end) {
                if (end.taskMetrics() == null) return;
                tasks.increment();
                runMillis.add(end.taskMetrics().executorRunTime());
                cpuNanos.add(end.taskMetrics().executorCpuTime());
            }
        });
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
    public io.meshfl.core.data.AlignedRows.Source rows() {
        return new SparkRowsReader(this);
    }

    @Override
    public String describe() {
        return "Spark " + spark.version() + " on " + master + " (" + jsc.defaultParallelism() + " cores): entity-key alignment (psi) of CSV "
                + "and Parquet products, " + partitionRows + " keys a partition, vertical linear models' rows (reading, checks, "
                + "scaling, scores, encrypted gradient sums) and SecureBoost feature holders' (bins, encrypted histograms), " + partitionRows
                + " aligned rows a block, run on its executors; every other step in this JVM; "
                + (unprotected.isEmpty() ? "authenticated, encrypted RPC and local disk" : "WITHOUT " + String.join(", ", unprotected));
    }

    private final java.util.concurrent.atomic.LongAdder tasks = new java.util.concurrent.atomic.LongAdder();
    private final java.util.concurrent.atomic.LongAdder runMillis = new java.util.concurrent.atomic.LongAdder();
    private final java.util.concurrent.atomic.LongAdder cpuNanos = new java.util.concurrent.atomic.LongAdder();

    /** The executors' work so far: tasks ended, their run time (ms) and CPU time (ns); a mark for {@link #executorsSince}. */
    long[] executors() {
        return new long[]{tasks.sum(), runMillis.sum(), cpuNanos.sum()};
    }

    /** The executors' work since {@code mark}, for the node's log (as Spark's listener has seen the tasks end). */
    String executorsSince(long[] mark) {
        long[] now = executors();
        return String.format(java.util.Locale.ROOT, "executors: %d tasks, %.1f s run, %.1f s CPU", now[0] - mark[0], (now[1] - mark[1]) / 1e3,
                (now[2] - mark[2]) / 1e9);
    }

    private final java.util.concurrent.atomic.AtomicBoolean closed = new java.util.concurrent.atomic.AtomicBoolean();

    /** Stops the Spark driver; an engine the nodes of an embedded mesh share stops once. */
    @Override
    public void close() {
        if (closed.compareAndSet(false, true)) {
            spark.stop();
            if (localDir != null) deleteTree(localDir);
        }
    }

    private static void deleteTree(java.nio.file.Path root) {
        try (var paths = java.nio.file.Files.walk(root)) {
            for (var p : paths.sorted(java.util.Comparator.reverseOrder()).toList()) java.nio.file.Files.deleteIfExists(p);
        } catch (java.io.IOException e) {
            // Spark removes its own block directories at stop; what is left is encrypted, and the next start makes a new directory
        }
    }

    SparkSession session() {
        return spark;
    }

    JavaSparkContext context() {
        return jsc;
    }

    /** The driver's RPC port (Spark's block manager listens beside it). */
    int driverPort() {
        return Integer.parseInt(spark.sparkContext().getConf().get("spark.driver.port"));
    }

    /** Where Spark keeps its blocks and shuffle files on this machine. */
    String localDir() {
        return spark.sparkContext().getConf().get("spark.local.dir");
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

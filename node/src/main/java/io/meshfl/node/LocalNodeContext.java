package io.meshfl.node;

import io.meshfl.core.ErrorCode;
import io.meshfl.core.MeshflException;
import io.meshfl.core.contract.DataContract;
import io.meshfl.core.data.Dataset;
import io.meshfl.core.protocol.NodeContext;

import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The node's side of every protocol step: its own products only, and each read checked against
 * the product's policy here, whatever the coordinator asked for.
 */
final class LocalNodeContext implements NodeContext {

    private final String nodeId;
    private final String domain;
    private final Map<String, DataContract> products;
    private final Map<String, Map<String, Object>> jobs = new ConcurrentHashMap<>();
    private final ProductSource source;
    private final Map<String, byte[]> models = new ConcurrentHashMap<>();
    private volatile java.nio.file.Path stateDir;
    private volatile NodeLedger ledger = NodeLedger.inMemory();
    private volatile io.meshfl.node.trainer.Trainers trainers;

    /** Where model parts and the privacy ledger are kept across restarts; null keeps them in memory only. */
    java.nio.file.Path stateDirectory() {
        return stateDir;
    }

    /** Keeps state in {@code dir}, an owner-only folder (checked by the caller). */
    void stateDir(java.nio.file.Path dir) {
        this.stateDir = dir;
        this.ledger = dir == null ? NodeLedger.inMemory() : NodeLedger.open(dir);
    }

    LocalNodeContext(String nodeId, String domain, Map<String, DataContract> products, ProductSource source) {
        this.nodeId = nodeId;
        this.domain = domain;
        this.products = Map.copyOf(products);
        this.source = source;
    }

    @Override
    public String nodeId() {
        return nodeId;
    }

    @Override
    public String domain() {
        return domain;
    }

    @Override
    public Dataset load(String productId, List<String> features, String label) {
        return source.read(readable(productId, features, label), features, label);
    }

    @Override
    public Dataset loadRows(String productId, List<String> features, String label, int[] rows) {
        return source.readRows(readable(productId, features, label), features, label, rows);
    }

    @Override
    public io.meshfl.core.data.AlignedRows alignedRows(String productId, List<String> features, String label, int[] rows) {
        DataContract c = readable(productId, features, label);
        io.meshfl.core.data.AlignedRows.Source engine = engineRows;
        io.meshfl.core.data.AlignedRows kept = engine == null ? null : engine.read(c, features, label, rows);
        return kept != null ? kept : io.meshfl.core.data.AlignedRows.of(source.readRows(c, features, label, rows));
    }

    private volatile io.meshfl.core.data.AlignedRows.Source engineRows;

    /** Where the node's engine keeps the rows it trains on; null keeps them in this JVM. */
    void engineRows(io.meshfl.core.data.AlignedRows.Source rows) {
        this.engineRows = rows;
    }

    /** The own product whose policy allows these features and this label. */
    private DataContract readable(String productId, List<String> features, String label) {
        DataContract c = products.get(productId);
        if (c == null) {
            throw new MeshflException(ErrorCode.POLICY_VIOLATION, "node of domain '" + domain
                    + "' does not serve product '" + productId + "'; it serves " + products.keySet());
        }
        for (String f : features) {
            if (!c.featureColumns().contains(f)) {
                throw new MeshflException(ErrorCode.POLICY_VIOLATION, "product " + productId + " does not allow column '"
                        + f + "' as a feature (contract of product " + productId + " version " + c.version() + ", meshfl.features)");
            }
        }
        if (label != null && !label.equals(c.policy().label())) {
            throw new MeshflException(ErrorCode.POLICY_VIOLATION, "product " + productId + " declares label '" + c.policy().label()
                    + "', not '" + label + "' (contract of product " + productId + " version " + c.version() + ", meshfl.label)");
        }
        return c;
    }

    @Override
    public void chargePrivacy(String productId, String runId, double epsilon) {
        DataContract c = products.get(productId);
        if (c == null) {
            throw new MeshflException(ErrorCode.POLICY_VIOLATION, "node of domain '" + domain
                    + "' does not serve product '" + productId + "'; it serves " + products.keySet());
        }
        ledger.charge(productId, c.policy().epsilonBudget(), runId, epsilon);
    }

    @Override
    public Dataset export(String productId, List<String> features, String label) {
        exportable(productId);
        return load(productId, features, label);
    }

    @Override
    public String[] exportKeys(String productId, String column) {
        DataContract c = exportable(productId);
        return io.meshfl.core.data.ProductReader.readKeys(c, column);
    }

    @Override
    public String[] joinKeys(String productId, String column) {
        DataContract c = products.get(productId);
        if (c == null) {
            throw new MeshflException(ErrorCode.POLICY_VIOLATION, "node of domain '" + domain
                    + "' does not serve product '" + productId + "'; it serves " + products.keySet());
        }
        return io.meshfl.core.data.ProductReader.readKeys(c, column);
    }

    /** The own product, if its policy lets raw rows leave the domain. */
    private DataContract exportable(String productId) {
        DataContract c = products.get(productId);
        if (c == null) {
            throw new MeshflException(ErrorCode.POLICY_VIOLATION, "node of domain '" + domain
                    + "' does not serve product '" + productId + "'; it serves " + products.keySet());
        }
        if (!c.policy().rawRowsMayLeave()) {
            throw new MeshflException(ErrorCode.POLICY_VIOLATION, "product " + productId + " does not let raw rows leave domain " + domain
                    + " (contract of product " + productId + " version " + c.version() + ", meshfl.rawRowsMayLeave: false); refused to export its rows");
        }
        return c;
    }

    @Override
    public Dataset loadLabel(String productId, String label) {
        DataContract c = products.get(productId);
        if (c == null || !label.equals(c.policy().label())) return null;
        return source.read(c, List.of(), label);
    }

    @Override
    public java.nio.file.Path outputDir() {
        return stateDir != null ? stateDir : NodeContext.super.outputDir();
    }

    @Override
    public Map<String, Object> jobState(String jobId) {
        return jobs.computeIfAbsent(jobId, k -> new ConcurrentHashMap<>());
    }

    @Override
    public void endJob(String jobId) {
        Map<String, Object> ended = jobs.remove(jobId);
        // what a job holds outside the heap (an engine's cached rows) goes with it
        if (ended != null) {
            for (Object o : ended.values()) {
                if (o instanceof AutoCloseable a) {
                    try {
                        a.close();
                    } catch (Exception e) {
                        // the job has ended; its state is dropped whether or not a part of it released cleanly
                    }
                }
            }
        }
        io.meshfl.node.trainer.Trainers t = trainers;
        if (t != null) t.endJob(jobId);
    }

    /** The external trainers this node may run; null runs none. */
    void trainers(io.meshfl.node.trainer.Trainers t) {
        io.meshfl.node.trainer.Trainers before = trainers;
        trainers = t;
        if (before != null) before.close();
    }

    /** Stops every trainer this node started. */
    void stopTrainers() {
        io.meshfl.node.trainer.Trainers t = trainers;
        if (t != null) t.close();
    }

    @Override
    public io.meshfl.core.protocol.external.ExternalTrainer trainer(String name, String jobId, java.time.Duration timeout) {
        io.meshfl.node.trainer.Trainers t = trainers;
        return t == null ? NodeContext.super.trainer(name, jobId, timeout) : t.trainer(name, jobId, timeout);
    }

    @Override
    public void saveModelPart(String modelId, byte[] part) {
        models.put(modelId, part);
        if (stateDir != null) {
            try {
                java.nio.file.Files.createDirectories(stateDir.resolve("models"));
                java.nio.file.Files.write(stateDir.resolve("models").resolve(modelId + ".json"), part);
            } catch (java.io.IOException e) {
                throw new MeshflException(ErrorCode.NODE_FAILURE, "cannot store model part " + modelId + " on the node of domain " + domain, e)
                        .withLocalDetail("cannot store model part " + modelId + " under " + stateDir + ": " + e.getMessage());
            }
        }
    }

    @Override
    public java.nio.file.Path runFolder(String runId) {
        java.nio.file.Path dir = stateDir;
        if (dir == null) return null;
        return io.meshfl.core.trust.PrivateFiles.directory(dir.resolve("runs").resolve(safe(runId)), "run folder of the node of " + domain);
    }

    /** Removes what this node kept of a run in its run folder (the run ended, however it ended). */
    void dropRunFolder(String runId) {
        java.nio.file.Path dir = stateDir;
        if (dir == null) return;
        java.nio.file.Path run = dir.resolve("runs").resolve(safe(runId));
        if (!java.nio.file.Files.exists(run)) return;
        try (var files = java.nio.file.Files.walk(run)) {
            for (java.nio.file.Path p : files.sorted(java.util.Comparator.reverseOrder()).toList()) java.nio.file.Files.deleteIfExists(p);
        } catch (java.io.IOException e) {
            throw new MeshflException(ErrorCode.NODE_FAILURE, "cannot discard the checkpoints of run " + runId + " on the node of domain " + domain, e)
                    .withLocalDetail("cannot delete " + run + ": " + e.getMessage());
        }
    }

    /** A run id as a folder name: the coordinator's ids are letters, digits, '-', '_' and '.'; anything else is refused. */
    private static String safe(String runId) {
        if (runId.isEmpty() || !runId.matches("[A-Za-z0-9._-]+") || runId.startsWith(".")) {
            throw new MeshflException(ErrorCode.POLICY_VIOLATION, "run id '" + runId + "' cannot name a folder");
        }
        return runId;
    }

    /** Forgets a model part, in memory and on the disk (the run that made it did not succeed). */
    void dropModelPart(String modelId) {
        models.remove(modelId);
        if (stateDir != null) {
            try {
                java.nio.file.Files.deleteIfExists(stateDir.resolve("models").resolve(modelId + ".json"));
            } catch (java.io.IOException e) {
                throw new MeshflException(ErrorCode.NODE_FAILURE, "cannot discard model part " + modelId + " on the node of domain " + domain, e)
                        .withLocalDetail("cannot delete " + stateDir.resolve("models").resolve(modelId + ".json") + ": " + e.getMessage());
            }
        }
    }

    @Override
    public byte[] modelPart(String modelId) {
        byte[] part = models.get(modelId);
        if (part == null && stateDir != null) {
            java.nio.file.Path f = stateDir.resolve("models").resolve(modelId + ".json");
            try {
                if (java.nio.file.Files.exists(f)) part = java.nio.file.Files.readAllBytes(f);
            } catch (java.io.IOException e) {
                throw new MeshflException(ErrorCode.NODE_FAILURE, "cannot read model part " + modelId + " on the node of domain " + domain, e)
                        .withLocalDetail("cannot read model part " + f + ": " + e.getMessage());
            }
        }
        if (part == null) {
            throw new MeshflException(ErrorCode.CATALOG_NOT_FOUND, "node of " + domain + " holds no part of model " + modelId);
        }
        return part;
    }
}

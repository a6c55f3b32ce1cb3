package io.meshfl.core.catalog;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.meshfl.core.ErrorCode;
import io.meshfl.core.MeshflException;

import java.net.InetAddress;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Provenance of a trained model as a JSON document: which run and job produced it, the plan
 * and strategy, the exact product contract versions (with SHA-256), hyper-parameters, seeds,
 * start and end times, metrics, and the software and machine it ran on.
 */
public final class Provenance {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static volatile String hostName;

    private Provenance() {}

    public static Builder builder() {
        return new Builder();
    }

    /** The MeshFL version from the jar manifest ({@code Implementation-Version}), or {@code dev} when run from classes. */
    public static String meshflVersion() {
        Package p = Provenance.class.getPackage();
        String v = p == null ? null : p.getImplementationVersion();
        return v == null || v.isBlank() ? "dev" : v;
    }

    /** Java, operating system and machine facts recorded with every model. */
    public static Map<String, Object> environment() {
        Map<String, Object> env = new LinkedHashMap<>();
        env.put("javaVersion", System.getProperty("java.version"));
        env.put("javaVendor", System.getProperty("java.vendor"));
        env.put("osName", System.getProperty("os.name"));
        env.put("osArch", System.getProperty("os.arch"));
        env.put("hostName", hostName());
        env.put("availableProcessors", Runtime.getRuntime().availableProcessors());
        return env;
    }

    private static String hostName() {
        String h = hostName;
        if (h != null) return h;
        // The environment first: a reverse DNS lookup can stall for seconds on a badly configured host.
        h = System.getenv("HOSTNAME");
        if (h == null || h.isBlank()) h = System.getenv("COMPUTERNAME");
        if (h == null || h.isBlank()) {
            try {
                h = InetAddress.getLocalHost().getHostName();
            } catch (Exception e) {
                h = "unknown";
            }
        }
        hostName = h;
        return h;
    }

    /** Collects provenance fields; JSON-text fields (plan, config, metrics) are embedded as JSON when they parse. */
    public static final class Builder {
        private String runId;
        private String jobId;
        private String strategy;
        private String planJson;
        private final List<ProductRecord> products = new ArrayList<>();
        private final Map<String, Object> hyperParameters = new TreeMap<>();
        private final Map<String, Long> seeds = new TreeMap<>();
        private Instant startedAt;
        private Instant endedAt;
        private final Map<String, Object> metrics = new TreeMap<>();

        private Builder() {}

        /** Takes run id, job id, strategy, plan, configuration (as hyper-parameters), seed, times and metrics from a run. */
        public Builder run(RunRecord run) {
            runId = run.id();
            jobId = run.jobId();
            strategy = run.strategy();
            planJson = run.planJson();
            seeds.put("run", run.seed());
            startedAt = run.startedAt();
            endedAt = run.endedAt();
            hyperParametersJson(run.configJson());
            metricsJson(run.metricsJson());
            return this;
        }

        public Builder runId(String runId) {
            this.runId = runId;
            return this;
        }

        public Builder jobId(String jobId) {
            this.jobId = jobId;
            return this;
        }

        public Builder strategy(String strategy) {
            this.strategy = strategy;
            return this;
        }

        /** The plan that ran, as JSON text (kept as a string if it is not JSON). */
        public Builder plan(String planJson) {
            this.planJson = planJson;
            return this;
        }

        public Builder product(ProductRecord product) {
            products.add(product);
            return this;
        }

        public Builder products(List<ProductRecord> list) {
            products.addAll(list);
            return this;
        }

        public Builder hyperParameter(String name, Object value) {
            hyperParameters.put(name, value);
            return this;
        }

        public Builder hyperParameters(Map<String, ?> values) {
            hyperParameters.putAll(values);
            return this;
        }

        /** Adds the fields of a JSON object as hyper-parameters; null or blank is ignored. */
        public Builder hyperParametersJson(String json) {
            putFields(json, hyperParameters, "hyper-parameters");
            return this;
        }

        public Builder seed(String name, long seed) {
            seeds.put(name, seed);
            return this;
        }

        public Builder startedAt(Instant at) {
            this.startedAt = at;
            return this;
        }

        public Builder endedAt(Instant at) {
            this.endedAt = at;
            return this;
        }

        public Builder metric(String name, Object value) {
            metrics.put(name, value);
            return this;
        }

        public Builder metrics(Map<String, ?> values) {
            metrics.putAll(values);
            return this;
        }

        /** Adds the fields of a JSON object as metrics; null or blank is ignored. */
        public Builder metricsJson(String json) {
            putFields(json, metrics, "metrics");
            return this;
        }

        public ObjectNode toJsonNode() {
            ObjectNode root = JSON.createObjectNode();
            root.put("meshflVersion", meshflVersion());
            root.put("runId", runId);
            root.put("jobId", jobId);
            root.put("strategy", strategy);
            root.set("plan", embed(planJson));
            ArrayNode ps = root.putArray("products");
            for (ProductRecord p : products) {
                ObjectNode n = ps.addObject();
                n.put("id", p.id());
                n.put("domain", p.domain());
                n.put("version", p.version());
                n.put("contractSha256", p.contractSha256());
                n.put("rows", p.rows());
            }
            root.set("hyperParameters", JSON.valueToTree(hyperParameters));
            root.set("seeds", JSON.valueToTree(seeds));
            root.put("startedAt", startedAt == null ? null : startedAt.toString());
            root.put("endedAt", endedAt == null ? null : endedAt.toString());
            root.set("metrics", JSON.valueToTree(metrics));
            root.set("environment", JSON.valueToTree(environment()));
            return root;
        }

        public String toJson() {
            try {
                return JSON.writeValueAsString(toJsonNode());
            } catch (JsonProcessingException e) {
                throw new MeshflException(ErrorCode.CATALOG_FAILURE, "cannot write provenance of run " + runId + " as JSON: " + e.getMessage(), e);
            }
        }

        private JsonNode embed(String text) {
            if (text == null) return JSON.nullNode();
            try {
                return JSON.readTree(text);
            } catch (JsonProcessingException e) {
                return JSON.getNodeFactory().textNode(text);
            }
        }

        private void putFields(String json, Map<String, Object> into, String what) {
            if (json == null || json.isBlank()) return;
            JsonNode node;
            try {
                node = JSON.readTree(json);
            } catch (JsonProcessingException e) {
                throw new MeshflException(ErrorCode.CATALOG_FAILURE, "provenance " + what + " are not valid JSON: " + e.getOriginalMessage(), e);
            }
            if (!node.isObject()) {
                throw new MeshflException(ErrorCode.CATALOG_FAILURE, "provenance " + what + " must be a JSON object, got " + node.getNodeType());
            }
            for (Map.Entry<String, JsonNode> e : node.properties()) into.put(e.getKey(), e.getValue());
        }
    }
}

package io.meshfl.core.protocol.boost;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.meshfl.core.ErrorCode;
import io.meshfl.core.MeshflException;
import io.meshfl.core.model.tree.Tree;

import java.io.IOException;
import java.util.List;

/**
 * What each party keeps of a trained SecureBoost model. The guest keeps the trees with its own
 * thresholds, leaf weights and, for host splits, only the host's position and record id; a host
 * keeps only its own split records (feature and threshold), never the tree shapes or weights.
 */
public final class ModelParts {

    private static final ObjectMapper JSON = new ObjectMapper().configure(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES, false);

    /** One tree as saved: heap-order arrays; {@code party} indexes {@link GuestPart#parties()}; thresholds of host splits are 0. */
    public record TreeArrays(int[] party, int[] ref, double[] threshold, double[] weight) {
        static TreeArrays of(Tree t) {
            double[] thr = t.threshold().clone();
            for (int i = 0; i < thr.length; i++) if (t.party()[i] != 0) thr[i] = 0;
            return new TreeArrays(t.party(), t.ref(), thr, t.weight());
        }

        Tree tree() {
            return new Tree(party, ref, threshold, weight);
        }
    }

    /**
     * The label holder's part: its features, the base score (log-odds), the parties in tree order
     * (itself first), the trees, and what they learn: the objective (binary, multiclass, regression,
     * count; a part saved before objectives is binary), the scores per row and the base score of each.
     */
    public record GuestPart(String domain, String role, List<String> features, double base, List<String> parties,
                            List<TreeArrays> trees, String objective, int classes, double[] bases) {

        /** The objective the trees were grown for. */
        public io.meshfl.core.model.tree.Objective learned() {
            var task = objective == null ? io.meshfl.core.model.ModelSpec.Task.BINARY
                    : io.meshfl.core.model.ModelSpec.Task.valueOf(objective.toUpperCase(java.util.Locale.ROOT));
            return io.meshfl.core.model.tree.Objective.of(task, Math.max(1, classes));
        }

        /** The base score of each class (one for every objective but multiclass). */
        public double[] baseScores() {
            return bases == null ? new double[]{base} : bases.clone();
        }
    }

    /** A host split: own feature name and threshold; rows with value &lt;= threshold go left. */
    public record SplitRecord(String feature, double threshold) {
    }

    /** A host's part: its split records, indexed by the record ids the guest holds. */
    public record HostPart(String domain, String role, List<String> features, List<SplitRecord> records) {
    }

    private ModelParts() {
    }

    static byte[] write(Object part) {
        try {
            return JSON.writeValueAsBytes(part);
        } catch (IOException e) {
            throw new MeshflException(ErrorCode.INTERNAL, "cannot serialize boosted model part: " + e.getMessage(), e);
        }
    }

    static String role(byte[] bytes, String modelId) {
        try {
            return JSON.readTree(bytes).path("role").asText("");
        } catch (IOException e) {
            throw new MeshflException(ErrorCode.CATALOG_FAILURE, "model part " + modelId + " is not readable: " + e.getMessage(), e);
        }
    }

    static <T> T read(byte[] bytes, Class<T> type, String modelId) {
        try {
            return JSON.readValue(bytes, type);
        } catch (IOException e) {
            throw new MeshflException(ErrorCode.CATALOG_FAILURE, "model part " + modelId + " is not a boosted-tree part: " + e.getMessage(), e);
        }
    }
}

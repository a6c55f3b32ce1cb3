package io.meshfl.core.protocol.centralized;

import io.meshfl.core.ErrorCode;
import io.meshfl.core.MeshflException;
import io.meshfl.core.contract.DataContract;
import io.meshfl.core.data.Dataset;
import io.meshfl.core.data.ProductReader;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Vertically split products read in one place and lined up on their entity keys, in the label
 * holder's row order: the yardstick that split networks and boosted trees are compared with.
 * Like {@link CentralizedBaseline}, only for callers that may read every product (public
 * benchmark data); never a way to run a job.
 *
 * @param domains the products' domains, label holder first
 * @param parties each product's allowed feature columns over the common entities, same row order
 * @param labels  the label holder's labels in that order
 */
public record JoinedProducts(List<String> domains, List<Dataset> parties, double[] labels) {

    /**
     * Reads {@code products} (the label holder, which declares {@code label}, first) and keeps the
     * label holder's entities that every other product has too.
     */
    public static JoinedProducts read(List<DataContract> products, String label) {
        List<String> domains = new ArrayList<>();
        List<Dataset> raw = new ArrayList<>();
        for (DataContract c : products) {
            List<String> features = new ArrayList<>(c.featureColumns());
            features.remove(label);
            domains.add(c.domain());
            raw.add(ProductReader.read(c, features, label.equals(c.policy().label()) ? label : null));
        }
        List<Map<String, Integer>> index = new ArrayList<>();
        for (Dataset d : raw) {
            Map<String, Integer> at = new HashMap<>();
            for (int i = 0; i < d.rows(); i++) at.put(d.keys()[i], i);
            index.add(at);
        }
        Dataset guest = raw.get(0);
        if (guest.y() == null) {
            throw new MeshflException(ErrorCode.DATA_NO_LABEL, "product " + products.get(0).id() + " does not declare the label '" + label + "'");
        }
        List<Integer> common = new ArrayList<>();
        for (int i = 0; i < guest.rows(); i++) {
            final int row = i;
            if (index.stream().allMatch(m -> m.containsKey(guest.keys()[row]))) common.add(i);
        }
        List<Dataset> parties = new ArrayList<>();
        for (int k = 0; k < raw.size(); k++) {
            int[] idx = new int[common.size()];
            for (int i = 0; i < idx.length; i++) idx[i] = index.get(k).get(guest.keys()[common.get(i)]);
            parties.add(raw.get(k).select(idx));
        }
        return new JoinedProducts(List.copyOf(domains), List.copyOf(parties), parties.get(0).y());
    }

    /**
     * The same rows in the order a PSI alignment leaves every party's common rows: by entity key
     * (see {@link io.meshfl.core.protocol.psi.PsiNode}), so that a model trained on them in batches
     * meets the rows in the order its federated run does.
     */
    public JoinedProducts inKeyOrder() {
        String[] keys = parties.get(0).keys();
        Integer[] order = new Integer[rows()];
        for (int i = 0; i < order.length; i++) order[i] = i;
        java.util.Arrays.sort(order, (a, b) -> keys[a].compareTo(keys[b]));
        int[] idx = new int[order.length];
        for (int i = 0; i < idx.length; i++) idx[i] = order[i];
        List<Dataset> sorted = new ArrayList<>();
        for (Dataset d : parties) sorted.add(d.select(idx));
        return new JoinedProducts(domains, List.copyOf(sorted), sorted.get(0).y());
    }

    public int rows() {
        return labels.length;
    }
}

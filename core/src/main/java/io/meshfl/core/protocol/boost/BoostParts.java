package io.meshfl.core.protocol.boost;

import io.meshfl.core.ErrorCode;
import io.meshfl.core.MeshflException;
import io.meshfl.core.model.tree.Tree;
import io.meshfl.core.protocol.RunCheckpoint;
import io.meshfl.core.protocol.RunParts;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * What a boosted-tree party persists in its run folder after each committed tree, and how a party
 * set up afresh takes it back: the guest its trees, scores and gains, a host its split records;
 * both their aligned rows.
 */
final class BoostParts {

    private BoostParts() {
    }

    /** The guest's trees so far and every aligned row's score after them, as a part of round {@code round}. */
    static RunCheckpoint of(BoostGuest g, int round) {
        if (g.tree != null) throw new MeshflException(ErrorCode.OUT_OF_ORDER, "checkpoint of " + g.domain + " with tree " + g.treeNo + " in progress");
        Map<String, double[]> t = new LinkedHashMap<>();
        t.put("aligned", RunParts.values(g.aligned));
        t.put("score", g.score.clone());
        t.put("gain", g.gain().clone());
        for (int i = 0; i < g.trees.size(); i++) {
            Tree tr = g.trees.get(i);
            t.put("tree." + i + ".party", RunParts.values(tr.party()));
            t.put("tree." + i + ".ref", RunParts.values(tr.ref()));
            t.put("tree." + i + ".threshold", tr.threshold().clone());
            t.put("tree." + i + ".weight", tr.weight().clone());
        }
        return new RunCheckpoint(round, t, Map.of("trees", (double) g.trees.size()));
    }

    /** Puts back the trees and scores of a persisted part into a freshly set-up guest. */
    static void restore(BoostGuest g, RunCheckpoint part) {
        double[] s = part.tensor("score");
        if (s.length != g.n * g.k) {
            throw new MeshflException(ErrorCode.OUT_OF_ORDER, "the part of " + g.domain + " persisted for round " + part.round() + " scores "
                    + s.length / g.k + " rows; the run aligned " + g.n);
        }
        System.arraycopy(s, 0, g.score, 0, g.n * g.k);
        // the hosts taking part may be known only after set-up: the gains are adopted when they are (see gain())
        if (part.tensors().containsKey("gain")) g.restoredGain = part.tensor("gain").clone();
        int count = (int) part.number("trees", 0);
        for (int i = 0; i < count; i++) {
            g.trees.add(new Tree(RunParts.rows(part.tensor("tree." + i + ".party")), RunParts.rows(part.tensor("tree." + i + ".ref")),
                    part.tensor("tree." + i + ".threshold").clone(), part.tensor("tree." + i + ".weight").clone()));
        }
    }

    /** A host's split records so far, as a part of round {@code round}. */
    static RunCheckpoint of(BoostHost h, int round) {
        double[] feature = new double[h.records.size()];
        double[] threshold = new double[h.records.size()];
        for (int i = 0; i < feature.length; i++) {
            feature[i] = h.features.indexOf(h.records.get(i).feature());
            threshold[i] = h.records.get(i).threshold();
        }
        return new RunCheckpoint(round, Map.of("aligned", RunParts.values(h.aligned), "records.feature", feature,
                "records.threshold", threshold), Map.of());
    }

    /** Puts back the split records of a persisted part into a freshly set-up host. */
    static void restore(BoostHost h, RunCheckpoint part) {
        double[] feature = part.tensor("records.feature");
        double[] threshold = part.tensor("records.threshold");
        for (int i = 0; i < feature.length; i++) {
            int f = (int) feature[i];
            if (f < 0 || f >= h.features.size()) {
                throw new MeshflException(ErrorCode.OUT_OF_ORDER, "the part of " + h.domain + " persisted for round " + part.round()
                        + " names a column the run does not use");
            }
            h.records.add(new ModelParts.SplitRecord(h.features.get(f), threshold[i]));
        }
    }
}

package io.meshfl.core.protocol.boost;

import io.meshfl.core.ErrorCode;
import io.meshfl.core.MeshflException;
import io.meshfl.core.model.tree.Objective;
import io.meshfl.core.model.tree.Tree;

import java.util.List;
import java.util.Map;

/**
 * A boosted model's parts as online serving uses them: a host's split bits of one row, packed one
 * bit per record (1: the row goes left), and the guest's walk of its trees over one key with its own
 * thresholds and the hosts' bits. The same splits and walk as batch inference ({@link BoostInferNode}).
 */
public final class BoostServing {

    private BoostServing() {
    }

    /** Whether {@code part} is the guest's (the label holder's, which holds the trees). */
    public static boolean isGuest(byte[] part, String modelId) {
        if (part == null) throw new MeshflException(ErrorCode.CATALOG_NOT_FOUND, "no part of model " + modelId + " is kept here");
        return ModelParts.role(part, modelId).equals("guest");
    }

    /** A host's split records: which of its columns each tests, against which threshold. */
    public record Host(List<String> features, int[] column, double[] threshold) {

        /** Bytes of one row's packed bits. */
        public int width() {
            return (column.length + 7) / 8;
        }

        /** The packed bits of row {@code row} of {@code x} ({@code cols} columns, in {@link #features} order) into {@code out} at {@code at}. */
        public void bits(double[] x, int row, int cols, byte[] out, int at) {
            for (int r = 0; r < column.length; r++) {
                if (x[row * cols + column[r]] <= threshold[r]) out[at + r / 8] |= (byte) (1 << (r % 8));
            }
        }
    }

    /** A host's part, read. */
    public static Host host(byte[] part, String modelId) {
        ModelParts.HostPart p = ModelParts.read(part, ModelParts.HostPart.class, modelId);
        int[] col = new int[p.records().size()];
        double[] thr = new double[col.length];
        for (int r = 0; r < col.length; r++) {
            col[r] = p.features().indexOf(p.records().get(r).feature());
            thr[r] = p.records().get(r).threshold();
            if (col[r] < 0) throw new MeshflException(ErrorCode.CATALOG_FAILURE, "model part " + modelId + " splits on a column it does not list");
        }
        return new Host(p.features(), col, thr);
    }

    /** The guest's trees. */
    public record Guest(List<String> features, List<String> parties, Objective objective, double[] base, List<Tree> trees) {

        /** The predictions of one key: own row {@code row} of {@code x}, each host party's packed bits by its index in {@link #parties}. */
        public double[] predict(double[] x, int row, int cols, Map<Integer, byte[]> hostBits) {
            int k = objective.classes();
            double[] score = base.clone();
            for (int ti = 0; ti < trees.size(); ti++) {
                Tree t = trees.get(ti);
                Tree.Router router = (node, r) -> {
                    int p = t.party()[node];
                    if (p == 0) return x[row * cols + t.ref()[node]] <= t.threshold()[node];
                    byte[] b = hostBits.get(p);
                    int rec = t.ref()[node];
                    if (b == null || rec / 8 >= b.length) {
                        throw new MeshflException(ErrorCode.PROTOCOL_FAILURE, "no split bits for record " + rec + " of " + parties.get(p));
                    }
                    return (b[rec / 8] >> (rec % 8) & 1) == 1;
                };
                score[ti % k] += t.value(0, router);
            }
            return objective.predict(score);
        }
    }

    /** The guest's part, read. */
    public static Guest guest(byte[] part, String modelId) {
        ModelParts.GuestPart p = ModelParts.read(part, ModelParts.GuestPart.class, modelId);
        return new Guest(p.features(), p.parties(), p.learned(), p.baseScores(), p.trees().stream().map(ModelParts.TreeArrays::tree).toList());
    }
}

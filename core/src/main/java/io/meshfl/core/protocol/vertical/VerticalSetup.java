package io.meshfl.core.protocol.vertical;

import io.meshfl.core.ErrorCode;
import io.meshfl.core.MeshflException;
import io.meshfl.core.crypto.paillier.PaillierPublicKey;
import io.meshfl.core.data.AlignedRows;
import io.meshfl.core.data.ColumnStats;
import io.meshfl.core.data.Dataset;
import io.meshfl.core.data.Standardizer;
import io.meshfl.core.model.ModelSpec;
import io.meshfl.core.protocol.Message;
import io.meshfl.core.protocol.NodeContext;
import io.meshfl.core.protocol.RunCheckpoint;
import io.meshfl.core.protocol.RunParts;
import io.meshfl.core.protocol.psi.PsiSteps;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A party's set-up in a vertical linear job: its aligned rows (from the alignment, a join's index,
 * or the part it persisted), held-out rows last, its columns scaled by its training rows (a group
 * member's by the party's, once the members agree), its evaluation rows, and its sealing key.
 */
final class VerticalSetup {

    private VerticalSetup() {
    }

    static Message setup(Message req, NodeContext ctx) {
        Map<String, Object> job = ctx.jobState(req.jobId());
        String product = req.cfg("product");
        Map<String, int[]> index = null;
        int[] aligned;
        // a run going on under a new coordinator: the aligned rows and the weights are the part this party persisted
        RunCheckpoint resumed = req.cfg("joins", null) == null ? RunParts.resumed(req, ctx, VerticalParts.PART) : null;
        if (req.cfg("joins", null) != null) {
            index = new LinkedHashMap<>();
            aligned = JoinIndex.rows(req, job, product, index);
        } else if (resumed != null) {
            aligned = RunParts.rows(resumed.tensor("aligned"));
        } else {
            String slot = req.cfg("slot", "");
            aligned = (int[]) job.get(PsiSteps.slotted(PsiSteps.ALIGNED_ROWS, slot));
            if (aligned == null || !product.equals(job.get(PsiSteps.slotted(PsiSteps.ALIGNED_PRODUCT, slot)))) {
                throw new MeshflException(ErrorCode.OUT_OF_ORDER, "vertical setup for " + product + " arrived before entity alignment");
            }
        }
        // a held-out share of the aligned rows: every party derives the same seeded split of the same count and puts
        // its training rows first, so batches run over [0, train) and the guest scores [train, n) apart; a resumed
        // party's persisted order is already split
        io.meshfl.core.protocol.Holdout.Rows held = io.meshfl.core.protocol.Holdout.of(req, aligned, resumed != null);
        aligned = held.aligned();
        int train = held.train();
        boolean guest = req.cfg("role").equals("guest");
        List<String> features = VerticalNode.split(req.cfg("features", ""));
        String label = guest ? req.cfg("label") : null;
        String group = req.cfg("group", null);
        // a group member holds the common order sparsely (zero rows where another member holds the entity) and reads only its
        // own of them; a party alone reads only its aligned rows, kept where the node's engine keeps them
        Dataset members = group == null ? null : ctx.loadSparse(product, features, label, aligned);
        AlignedRows rows = group == null ? ctx.alignedRows(product, features, label, aligned) : AlignedRows.of(members);
        AlignedRows scaled = null;
        AlignedRows evalRows = null;
        try {
            // the scaling is learned from the training rows alone, as a model validated on held-out rows must be; a group member's
            // is its own until the members merge their sums (group-join)
            ColumnStats stats = group == null ? rows.stats(train) : PartyGroup.stats(members, aligned, train);
            ModelSpec.Type type = ModelSpec.Type.valueOf(req.cfg("model_type"));
            int classes = type == ModelSpec.Type.SOFTMAX ? Integer.parseInt(req.cfg("classes")) : 1;
            // a warm start keeps the kept part's scaling, so its weights go on meaning what they meant; a resumed run has its own
            ModelPart warm = resumed == null ? VerticalParts.warmPart(req, ctx, guest, type, classes, features, group) : null;
            Standardizer z = warm != null ? new Standardizer(warm.mean(), warm.std()) : Standardizer.from(stats);
            PartyGroup g = group == null ? null : new PartyGroup(group, VerticalNode.split(req.cfg("group_members")), ctx.domain(), aligned, members, stats);
            scaled = g == null ? rows.scaled(z) : AlignedRows.of(PartyGroup.scaled(z, members, g.present));
            PaillierPublicKey pk = PaillierPublicKey.fromBytes(req.blob("pk"));
            if (type == ModelSpec.Type.SOFTMAX && (classes < 2 || req.cfg("joins", null) != null || req.cfg("slot", "").length() > 0)) {
                throw new MeshflException(ErrorCode.PROTOCOL_FAILURE, "multinomial logistic regression runs on aligned entities with at least 2 classes, not over a join");
            }
            Party p = new Party(ctx.domain(), guest, type, classes, features, scaled, z.mean(), z.std(),
                    pk, Integer.parseInt(req.cfg("frac_bits")), Long.parseLong(req.cfg("seed")));
            p.guestDomain = req.cfg("guest");
            p.hosts = VerticalNode.split(req.cfg("hosts", ""));
            p.fullBatch = req.cfg("full_batch", "false").equals("true");
            p.group = g;
            if (guest) p.groups = io.meshfl.core.protocol.group.GroupRoster.parse(req.cfg("groups", "")).groups();
            if (index != null) {
                p.index = index;
                p.hostRows = new LinkedHashMap<>();
                for (var e : index.entrySet()) p.hostRows.put(e.getKey(), (Integer) job.get("vertical.hostRows:" + e.getKey()));
            }
            if (guest) checkLabels(p, classes, rows.y(), product, label);
            p.aligned = aligned;
            p.trainRows = train;
            // the reference of drift: this party's raw training rows (a group member's own entities only)
            p.profiles = group == null ? io.meshfl.core.monitoring.DriftRecords.profiles(rows, train)
                    : io.meshfl.core.monitoring.DriftRecords.profiles(members.select(io.meshfl.core.protocol.Holdout.ownTraining(aligned, train)));
            String evalProduct = req.cfg("eval_product", null);
            if (evalProduct != null) {
                // the evaluation entities, aligned apart: this party's rows of them, scaled as its training rows
                int[] evalAligned = (int[]) job.get(PsiSteps.slotted(PsiSteps.ALIGNED_ROWS, VerticalNode.EVAL_SLOT));
                if (evalAligned == null || !evalProduct.equals(job.get(PsiSteps.slotted(PsiSteps.ALIGNED_PRODUCT, VerticalNode.EVAL_SLOT)))) {
                    throw new MeshflException(ErrorCode.OUT_OF_ORDER, "vertical setup for evaluation product " + evalProduct + " arrived before its alignment");
                }
                if (g == null) {
                    try (AlignedRows ev = ctx.alignedRows(evalProduct, features, label, evalAligned)) {
                        if (guest) checkLabels(p, classes, ev.y(), evalProduct, label);
                        evalRows = ev.scaled(z);
                    }
                } else {
                    Dataset ev = ctx.loadSparse(evalProduct, features, label, evalAligned);
                    if (guest) checkLabels(p, classes, ev.y(), evalProduct, label);
                    p.group = g.withEvaluation(evalAligned, ev);
                    evalRows = AlignedRows.of(PartyGroup.scaled(z, ev, p.group.evalPresent));
                }
                p.evalData = evalRows;
                p.evalOver = req.cfg("eval_over", "evaluation rows");
            }
            if (resumed != null) VerticalParts.restore(p, resumed);
            else if (warm != null) VerticalParts.warm(p, warm);
            // a setup asked again replaces the party it set up before, and releases its rows
            if (job.put(VerticalNode.STATE, p) instanceof Party before) before.close();
            return req.reply(ctx.nodeId(), Map.of("rows", (double) rows.rows(), "train_rows", (double) train, "features", (double) features.size()),
                    Map.of(), Map.of("seal_pk", p.seal.publicKey()));
        } catch (RuntimeException e) {
            if (scaled != null) scaled.close();
            if (evalRows != null) evalRows.close();
            throw e;
        } finally {
            rows.close(); // the raw rows: the party keeps them scaled
        }
    }

    /** The classes of a (multinomial) logistic model's labels in {@code rows} of {@code product}; other models take any number. */
    private static void checkLabels(Party p, int classes, double[] y, String product, String label) {
        if (p.model != ModelSpec.Type.LOGISTIC && p.model != ModelSpec.Type.SOFTMAX) return;
        io.meshfl.core.model.Labels.check(ModelSpec.of(p.model).task(), classes, y, "product " + product + ": label '" + label
                + "' of " + (p.model == ModelSpec.Type.SOFTMAX ? "multinomial " : "") + "logistic regression", "aligned row");
    }

}

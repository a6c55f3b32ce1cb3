package io.meshfl.core.protocol.vertical;

import io.meshfl.core.ErrorCode;
import io.meshfl.core.MeshflException;
import io.meshfl.core.metrics.Diagnostics;
import io.meshfl.core.metrics.EvalSums;
import io.meshfl.core.metrics.Metrics;
import io.meshfl.core.model.ModelSpec;
import io.meshfl.core.model.nn.Losses;
import io.meshfl.core.protocol.Holdout;
import io.meshfl.core.protocol.Message;

import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The evaluation after each epoch of a vertical linear model: hosts send their plain partial
 * scores of the aligned rows (and of the evaluation products' rows, when the job names some),
 * sealed to the guest, which scores them against its labels and returns metrics and diagnostics.
 */
final class VerticalEvaluation {

    private VerticalEvaluation() {
    }

    /** Host: its partial scores of the training rows, then of the evaluation rows, sealed for the guest. */
    static Message score(Message req, Party p) {
        double[] u = p.partialAll();
        if (p.evalData != null) u = concat(u, p.partialOf(p.evalData));
        // a group member's scores are masked so that only the members' sum means anything to the guest
        byte[] plain = p.group == null ? CipherCodec.packDoubles(u) : p.group.maskScores(VerticalNode.context(req, "score-mask"), u);
        byte[] sealed = p.seal.seal(p.peer(p.guestDomain), VerticalNode.context(req, "score"), plain);
        return req.reply(p.domain, Map.of(), Map.of(), Map.of("to:" + p.guestDomain, sealed));
    }

    /**
     * Guest: the model's metrics. Without evaluation products: over every aligned row, or with a
     * holdout over the held-out rows and {@code train_*} over the others. With them: over the
     * evaluation rows, {@code train_*} over the training rows. The diagnostics describe the same
     * rows as the headline metrics.
     */
    static Message evaluate(Message req, Party p) {
        VerticalNode.onlyFrom(req, p.hosts, p.domain);
        double[] u = p.partialAll();
        double[] ue = p.evalData == null ? new double[0] : p.partialOf(p.evalData);
        // each domain's partial scores of the rows, for its share of the score in the diagnostics
        Map<String, double[]> parts = new LinkedHashMap<>();
        Map<String, double[]> evalParts = new LinkedHashMap<>();
        parts.put(p.domain, u.clone());
        evalParts.put(p.domain, ue.clone());
        for (var e : hostScores(req, p, u.length + ue.length).entrySet()) {
            String h = e.getKey();
            double[] hu = e.getValue();
            int training = p.index == null ? u.length : p.hostRows.get(h);
            if (hu.length != training + ue.length) {
                throw new MeshflException(ErrorCode.PROTOCOL_FAILURE, "host " + h + " scored " + hu.length + " values, the guest expects "
                        + (training + ue.length));
            }
            int[] idx = p.index == null ? null : p.index.get(h);
            double[] part = new double[u.length];
            for (int i = 0; i < u.length; i++) part[i] = hu[idx == null ? i : idx[i]];
            for (int i = 0; i < u.length; i++) u[i] += part[i];
            parts.put(h, part);
            double[] evalPart = Arrays.copyOfRange(hu, training, hu.length);
            for (int i = 0; i < ue.length; i++) ue[i] += evalPart[i];
            evalParts.put(h, evalPart);
        }
        // the next epoch's multinomial residuals expand the softmax about these scores, the weights' after this epoch
        if (p.model == ModelSpec.Type.SOFTMAX) p.anchor = u.clone();
        ModelSpec.Task task = p.model == ModelSpec.Type.SOFTMAX ? ModelSpec.Task.MULTICLASS : ModelSpec.of(p.model).task();
        int k = p.outputs;
        double[] pred = link(p, u);
        if (p.evalData == null) {
            Map<String, Double> m = Holdout.apart(pred, p.data.y(), p.trainRows, k, (a, b) -> metrics(task, a, b, k));
            return req.reply(p.domain, m, Map.of(), Map.of(Holdout.DIAGNOSTICS, Holdout.diagnostics(task, pred, p.data.y(), p.trainRows, k, parts)));
        }
        double[] evalPred = link(p, ue);
        double[] evalY = p.evalData.y();
        Map<String, Double> m = new LinkedHashMap<>(metrics(task, evalPred, evalY, k));
        metrics(task, pred, p.data.y(), k).forEach((name, v) -> m.put("train_" + name, v));
        m.put("eval_rows", (double) evalY.length);
        var d = Holdout.diagnosticsNode(task, evalPred, evalY, evalY.length, k, evalParts);
        d.put("over", p.evalOver);
        return req.reply(p.domain, m, Map.of(), Map.of(Holdout.DIAGNOSTICS, Diagnostics.encode(d)));
    }

    /**
     * Every other party's partial scores, opened: a host's as it sent them, a group's as the sum of
     * its members' masked vectors (of {@code n} values each), under the group's name.
     */
    private static Map<String, double[]> hostScores(Message req, Party p, int n) {
        Map<String, double[]> out = new LinkedHashMap<>();
        java.util.Set<String> members = new java.util.HashSet<>();
        p.groups.values().forEach(members::addAll);
        for (String h : p.hosts) {
            if (members.contains(h)) continue;
            byte[] open = p.seal.open(p.peer(h), VerticalNode.context(req, "score"), req.blob("from:" + h));
            out.put(h, CipherCodec.unpackDoubles(open, "scores of " + h));
        }
        out.putAll(PartyGroup.partyScores(p.groups, m -> p.seal.open(p.peer(m), VerticalNode.context(req, "score"), req.blob("from:" + m)), n));
        return out;
    }

    /** Predictions from scores: probabilities (logistic, softmax), means (Poisson) or the score itself. */
    private static double[] link(Party p, double[] u) {
        double[] pred = new double[u.length];
        if (p.model == ModelSpec.Type.SOFTMAX) {
            for (int i = 0; i < u.length / p.outputs; i++) Losses.softmax(u, i * p.outputs, p.outputs, pred, i * p.outputs);
            return pred;
        }
        for (int i = 0; i < u.length; i++) {
            pred[i] = switch (p.model) {
                case LOGISTIC -> 1 / (1 + Math.exp(-u[i]));
                case POISSON -> Math.exp(Math.min(30, u[i]));
                default -> u[i];
            };
        }
        return pred;
    }

    private static Map<String, Double> metrics(ModelSpec.Task task, double[] pred, double[] y, int outputs) {
        Map<String, Double> m = new LinkedHashMap<>(EvalSums.of(task, pred, y, outputs).toMap());
        if (task == ModelSpec.Task.BINARY) m.put("auc", Metrics.auc(pred, y));
        return m;
    }

    private static double[] concat(double[] a, double[] b) {
        double[] out = Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, out, a.length, b.length);
        return out;
    }
}

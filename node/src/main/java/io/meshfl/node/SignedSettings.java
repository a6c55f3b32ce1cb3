package io.meshfl.node;

import io.meshfl.core.ErrorCode;
import io.meshfl.core.MeshflException;
import io.meshfl.core.plan.JobLoader;
import io.meshfl.core.plan.JobSpec;
import io.meshfl.core.protocol.Holdout;
import io.meshfl.core.protocol.Message;
import io.meshfl.core.trust.JobTicket;

import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The settings of a training run's requests that the signed job fixes, checked against the job
 * spec its submitter signed before any protocol code runs. A compromised coordinator that varied
 * them across granted runs could learn what no protocol shows it: a held-out share or seed that
 * moves rows in and out of training, an out-of-time cut that sorts the label holder's rows by
 * date, a group that puts this node beside a node it controls (which would draw the members'
 * seed and read this node's column sums and gradient share).
 */
final class SignedSettings {

    private final Map<String, JobSpec> jobs = new ConcurrentHashMap<>();

    /** Why {@code req} of run {@code a} departs from the job its submitter signed, or null. */
    String violation(Message req, RunAuthorizations.Active a) {
        if (a == null || a.spec() == null || !a.purpose().equals(JobTicket.TRAIN)) return null;
        JobSpec job = jobs.computeIfAbsent(a.runId(), r -> parse(a));
        String holdout = req.cfg("holdout", null);
        if (holdout != null) {
            double signed = req.protocol().equals("horizontal") ? Holdout.horizontalShare(job) : Holdout.share(job);
            if (Double.parseDouble(holdout) != signed) return differs(req, "a held-out share of " + holdout, signed);
            String seed = req.cfg("seed", null);
            if (seed != null && Long.parseLong(seed) != job.seed()) return differs(req, "seed " + seed, job.seed());
        }
        String column = req.cfg("period_column", null);
        if (column != null) {
            JobSpec.OutOfTime o = job.evaluation() == null ? null : job.evaluation().outOfTime();
            if (o == null) return differs(req, "an out-of-time cut on '" + column + "'", "none");
            if (!o.column().equals(column) || !o.after().equals(req.cfg("period_after", ""))) {
                return differs(req, "an out-of-time cut on '" + column + "' after " + req.cfg("period_after", ""), o.column() + " after " + o.after());
            }
        }
        String modelType = req.cfg("model_type", null);
        if (modelType != null) {
            String wrong = model(req, job.model());
            if (wrong != null) return wrong;
        }
        String product = req.cfg("product", null);
        // every training protocol's set-up names the party's product and, for a member, its group
        if (product != null && req.step().equals("setup")) {
            String group = job.groupOf(product);
            if (!Objects.equals(group, req.cfg("group", null))) {
                return differs(req, "group " + req.cfg("group", "(none)") + " for " + product, group == null ? "(none)" : group);
            }
            if (group != null) {
                List<String> domains = job.groups().get(group).stream().map(id -> id.substring(0, id.indexOf('.'))).toList();
                if (!String.join(",", domains).equals(req.cfg("group_members", ""))) {
                    return differs(req, "group " + group + " of members " + req.cfg("group_members", ""), domains);
                }
            }
        }
        return null;
    }

    /**
     * Why a request's model departs from the signed one, or null: its type, hidden layers and, for a
     * model trained by an external trainer, the trainer and its declared tensors. A coordinator that
     * named another trainer of this node's (or other tensors) would run code, or shapes, the
     * submitter never asked for on this node's rows.
     */
    private static String model(Message req, io.meshfl.core.model.ModelSpec signed) {
        if (signed == null) return null;
        if (!req.cfg("model_type", "").equals(signed.type().name())) return differs(req, "model type " + req.cfg("model_type", ""), signed.type().name());
        String hidden = signed.hidden().stream().map(String::valueOf).collect(java.util.stream.Collectors.joining(","));
        if (req.cfg("hidden", null) != null && !req.cfg("hidden", "").equals(hidden)) {
            return differs(req, "hidden layers " + req.cfg("hidden", ""), hidden.isEmpty() ? "(none)" : hidden);
        }
        if (signed.type() == io.meshfl.core.model.ModelSpec.Type.EXTERNAL) {
            if (!Objects.equals(req.cfg("trainer", null), signed.trainer())) return differs(req, "trainer " + req.cfg("trainer", "(none)"), signed.trainer());
            String tensors = io.meshfl.core.model.TensorSpec.encode(signed.parameters());
            if (!Objects.equals(req.cfg("trainer_parameters", null), tensors)) {
                return differs(req, "the trainer's tensors " + req.cfg("trainer_parameters", "(none)"), tensors);
            }
        }
        return null;
    }

    /** Forgets an ended run's job. */
    void end(String runId) {
        jobs.remove(runId);
    }

    private static JobSpec parse(RunAuthorizations.Active a) {
        try {
            return JobLoader.parse(a.spec(), "the job spec signed for run " + a.runId());
        } catch (MeshflException e) {
            throw new MeshflException(ErrorCode.POLICY_VIOLATION, "the job spec signed for run " + a.runId() + " does not read as a job: "
                    + e.getMessage());
        }
    }

    private static String differs(Message req, String asked, Object signed) {
        return "run " + req.runId() + ": " + req.protocol() + "/" + req.step() + " asks for " + asked + ", but the job its submitter signed "
                + "says " + signed + "; refused";
    }
}

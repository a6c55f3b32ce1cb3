package io.meshfl.core.protocol.split;

import io.meshfl.core.ErrorCode;
import io.meshfl.core.MeshflException;
import io.meshfl.core.model.nn.Head;
import io.meshfl.core.model.nn.SplitReference;
import io.meshfl.core.plan.JobSpec;
import io.meshfl.core.plan.Plan;
import io.meshfl.core.protocol.EvaluationAlignment;
import io.meshfl.core.protocol.Message;
import io.meshfl.core.protocol.PartyCalls;
import io.meshfl.core.protocol.RunCheckpoint;
import io.meshfl.core.protocol.horizontal.RunObserver;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The set-up of a split network's parties by the coordinator: each party's columns, network shape,
 * seeds and optimizer, the label holder's head, held-out and evaluation rows, a resumed party's
 * part; then the members of each group agree on their party's encoding, and every party's network
 * is checked and logged.
 */
record SplitSetup(JobSpec job, Plan plan, Head head, SplitParties parties, EvaluationAlignment evaluation, double holdout,
                  RunObserver observer, io.meshfl.core.protocol.WarmStart warm) {

    void run(PartyCalls calls, String jobId, String runId, int n, RunCheckpoint from) {
        JobSpec.SplitSettings s = job.split();
        List<Plan.Participant> parts = plan.participants();
        List<String> domains = parts.stream().map(Plan.Participant::domain).toList();
        // a categorical column is named plainly or as PARTY:COLUMN, a group's by the group's name
        java.util.function.Function<Plan.Participant, String> party = p -> parties.names().get(parties.partyOf(p.domain()));
        for (String c : s.categorical()) {
            if (parts.stream().noneMatch(p -> p.features().contains(c) || p.features().stream().anyMatch(f -> c.equals(party.apply(p) + ":" + f)))) {
                observer.log("WARNING: split.categorical names '" + c + "', which is no party's column; it is ignored");
            }
        }
        List<Message> replies = calls.parallel(domains, d -> {
            int k = domains.indexOf(d);
            Plan.Participant p = parts.get(k);
            Map<String, String> cfg = new LinkedHashMap<>();
            cfg.put("product", p.productId());
            cfg.put("features", String.join(",", p.features()));
            cfg.put("categorical", String.join(",", p.features().stream().filter(f -> s.isCategorical(party.apply(p), f)).toList()));
            if (k == 0) {
                cfg.put("label", plan.label());
                cfg.put("share_labels", Boolean.toString(!s.labelOwnerComputesLoss()));
                cfg.put("label_epsilon", Double.toString(s.labelEpsilon()));
                cfg.put("objective", head.task().name().toLowerCase(Locale.ROOT));
                cfg.put("classes", Integer.toString(head.outputs()));
            }
            cfg.put("bottom_hidden", String.join(",", s.bottomHidden().stream().map(String::valueOf).toList()));
            cfg.put("cut_width", Integer.toString(s.cutWidth()));
            cfg.put("activation", s.activation());
            cfg.put("embedding_dim", Integer.toString(s.embeddingDim()));
            // a group's members start from the same bottom network: the party's
            cfg.put("bottom_seed", Long.toString(SplitReference.bottomSeed(job.seed(), parties.partyOf(d))));
            parties.configure(cfg, d);
            cfg.put("batch_seed", Long.toString(job.seed()));
            cfg.put("batch_size", Integer.toString(s.batchSize()));
            cfg.put("optimizer", s.optimizer());
            cfg.put("lr", Double.toString(s.lr()));
            cfg.put("noise", Double.toString(s.activationNoise()));
            if (job.model().type() == io.meshfl.core.model.ModelSpec.Type.EXTERNAL) {
                // the node starts the named trainer and holds each role's network to these declared tensors
                cfg.put("model_type", job.model().type().name());
                cfg.put("trainer", job.model().trainer());
                cfg.put("trainer_parameters", io.meshfl.core.model.TensorSpec.encode(job.model().parameters()));
                cfg.put("parties", Integer.toString(parties.size()));
                cfg.put("step_timeout", Double.toString(job.roundTimeoutSeconds()));
            }
            io.meshfl.core.protocol.Holdout.configure(cfg, holdout, job.seed());
            evaluation.configure(cfg, p);
            if (from != null) {
                cfg.put("resume_round", Integer.toString(from.round()));
                cfg.put("resume_part", from.part(d));
            } else if (warm != null) {
                warm.configure(cfg);
            }
            return SplitRunner.request(jobId, runId, SplitSteps.SETUP, d, cfg);
        });
        // the members of each group agree on the party's encoding and on their masks' seed, sealed member to member
        Map<String, Message> joined = io.meshfl.core.protocol.group.GroupRelay.agree(calls, parts, parties.roster(), SplitSteps.GROUP_SHARE,
                SplitSteps.GROUP_JOIN, (step, d) -> SplitRunner.request(jobId, runId, step, d, Map.of()).withBlobs(step.equals(SplitSteps.GROUP_SHARE)
                        ? parties.peers(d, domains, replies) : Map.of()));
        for (var g : parties.roster().groups().entrySet()) {
            observer.log(String.format(Locale.ROOT, "group %s: %d members %s encode their columns by the party's statistics and share one "
                    + "bottom network, each forwarding its own rows", g.getKey(), g.getValue().size(), g.getValue()));
        }
        for (int k = 0; k < parts.size(); k++) {
            Map<String, Double> m = joined.getOrDefault(domains.get(k), replies.get(k)).metrics();
            String d = domains.get(k);
            int rows = m.getOrDefault("rows", -1.0).intValue();
            if (rows != n) {
                throw new MeshflException(ErrorCode.PROTOCOL_FAILURE, d + " set up " + rows + " rows, the alignment has " + n);
            }
            int cols = m.getOrDefault("columns", 0.0).intValue();
            int constant = m.getOrDefault("constant_columns", 0.0).intValue();
            observer.log(String.format(Locale.ROOT, "split: %s bottom network over %d columns (%d inputs), %d parameters",
                    d, cols, m.getOrDefault("inputs", 0.0).intValue(), m.getOrDefault("params", 0.0).intValue()));
            if (cols > 0 && constant == cols) {
                observer.log("WARNING: every column of " + d + " (" + parts.get(k).productId() + ") is constant over the " + n
                        + " aligned rows; its bottom network can only add a constant, training goes on without its signal");
            } else if (constant > 0) {
                observer.log("split: " + constant + " of " + d + "'s " + cols + " columns are constant over the aligned rows");
            }
        }
    }
}

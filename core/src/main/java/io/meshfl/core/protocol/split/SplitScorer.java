package io.meshfl.core.protocol.split;

import io.meshfl.core.ErrorCode;
import io.meshfl.core.MeshflException;
import io.meshfl.core.model.nn.Head;
import io.meshfl.core.model.nn.Network;
import io.meshfl.core.plan.JobSpec;
import io.meshfl.core.monitoring.DriftRecords;
import io.meshfl.core.protocol.Message;
import io.meshfl.core.protocol.PartyCalls;
import io.meshfl.core.protocol.NodeChannel;
import io.meshfl.core.protocol.psi.PsiRunner;
import io.meshfl.core.protocol.scoring.OuterAlignment;
import io.meshfl.core.protocol.scoring.ScoringRequest;
import io.meshfl.core.protocol.vertical.VerticalScorer;

import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;

/**
 * The coordinator side of scoring with a split network: aligns the scoring products by PSI, has
 * every party that trained a bottom network forward its aligned rows, runs the top network, and
 * sends the probabilities to the requesting domain, which keeps them. Scoring every row of the
 * requester's product, the requester is aligned with each other party in turn and the cut layers
 * arrive in a secret order of the requester's rows (see {@link SplitInferNode}).
 */
public final class SplitScorer {

    private SplitScorer() {
    }

    /**
     * Scores the rows the scoring products share. {@code trainingDomains} is the party order of
     * training (the order of the cut layers into the top network); each of them must appear in
     * {@code parts} with a model part.
     */
    public static VerticalScorer.Result score(Map<String, NodeChannel> byDomain, String jobId, String modelId, JobSpec.SplitSettings settings,
                                              List<String> trainingDomains, double[] topParams, List<VerticalScorer.Part> parts,
                                              String requester, String label, Duration timeout, Consumer<String> log) {
        return score(byDomain, jobId, modelId, settings, Head.BINARY, trainingDomains, topParams, parts, requester, label, timeout, log);
    }

    /** As the binary {@code score}, for a network whose top ends in {@code head}. */
    public static VerticalScorer.Result score(Map<String, NodeChannel> byDomain, String jobId, String modelId, JobSpec.SplitSettings settings,
                                              Head head, List<String> trainingDomains, double[] topParams, List<VerticalScorer.Part> parts,
                                              String requester, String label, Duration timeout, Consumer<String> log) {
        return score(byDomain, jobId, modelId, settings, head, trainingDomains, topParams, parts, requester, label, timeout, log,
                ScoringRequest.SHARED);
    }

    /**
     * As above, as {@code request} asks: with {@code everyRow}, every row of the requester's product
     * is scored, each other party with a bottom forwarding the rows it knows and, in place of the
     * others, its row at its means (which the requester keeps or leaves unscored, as the request says).
     */
    public static VerticalScorer.Result score(Map<String, NodeChannel> byDomain, String jobId, String modelId, JobSpec.SplitSettings settings,
                                              Head head, List<String> trainingDomains, double[] topParams, List<VerticalScorer.Part> parts,
                                              String requester, String label, Duration timeout, Consumer<String> log, ScoringRequest request) {
        return score(byDomain, jobId, modelId, settings, head, trainingDomains, topParams, null, parts, requester, label, timeout, log, request);
    }

    /**
     * Scores with a network an external trainer trained: every party's trainer forwards its bottom
     * from the part its node kept, and the top runs in the trainer of {@code topHolder} (the label
     * holder of training), which gets the cut layers side by side and answers the logits.
     */
    public static VerticalScorer.Result scoreExternal(Map<String, NodeChannel> byDomain, String jobId, String modelId, JobSpec.SplitSettings settings,
                                                      Head head, List<String> trainingDomains, String topHolder, List<VerticalScorer.Part> parts,
                                                      String requester, String label, Duration timeout, Consumer<String> log) {
        return scoreExternal(byDomain, jobId, modelId, settings, head, trainingDomains, topHolder, parts, requester, label, timeout, log,
                ScoringRequest.SHARED);
    }

    /** As above, as {@code request} asks (see the own networks' {@code score}). */
    public static VerticalScorer.Result scoreExternal(Map<String, NodeChannel> byDomain, String jobId, String modelId, JobSpec.SplitSettings settings,
                                                      Head head, List<String> trainingDomains, String topHolder, List<VerticalScorer.Part> parts,
                                                      String requester, String label, Duration timeout, Consumer<String> log, ScoringRequest request) {
        return score(byDomain, jobId, modelId, settings, head, trainingDomains, new double[0], topHolder, parts, requester, label, timeout, log,
                request);
    }

    private static VerticalScorer.Result score(Map<String, NodeChannel> byDomain, String jobId, String modelId, JobSpec.SplitSettings settings,
                                               Head head, List<String> trainingDomains, double[] topParams, String topHolder,
                                               List<VerticalScorer.Part> given, String requester, String label, Duration timeout,
                                               Consumer<String> log, ScoringRequest request) {
        // scoring every row, a party without a bottom takes no part
        List<VerticalScorer.Part> parts = request.everyRow()
                ? given.stream().filter(p -> p.domain().equals(requester) || p.hasPart()).toList() : given;
        if (parts.stream().noneMatch(p -> p.domain().equals(requester))) {
            throw new MeshflException(ErrorCode.PLAN_REFUSED, "requester '" + requester + "' has no product among the scoring products");
        }
        for (String d : trainingDomains) {
            if (parts.stream().noneMatch(p -> p.domain().equals(d) && p.hasPart())) {
                throw new MeshflException(ErrorCode.PLAN_REFUSED, "split model " + modelId + " needs the bottom network of " + d
                        + ", which has no scoring product with a model part");
            }
        }
        // a group's members score as one party, each forwarding its own entities, masked
        Map<String, List<String>> groups = new java.util.LinkedHashMap<>();
        for (String d : trainingDomains) {
            parts.stream().filter(p -> p.domain().equals(d) && p.group() != null).findFirst()
                    .ifPresent(p -> groups.computeIfAbsent(p.group(), g -> new java.util.ArrayList<>()).add(d));
        }
        io.meshfl.core.protocol.group.GroupRoster roster = new io.meshfl.core.protocol.group.GroupRoster(groups);
        SplitParties parties = new SplitParties(trainingDomains, roster);
        Network top = topHolder != null ? null : SplitArchitecture.top(parties.size(), settings, head).forPrediction();
        if (top != null && topParams.length != top.numParams()) {
            throw new MeshflException(ErrorCode.PROTOCOL_FAILURE, "split model " + modelId + " has " + topParams.length
                    + " top parameters, its architecture needs " + top.numParams());
        }
        List<String> domains = parts.stream().map(VerticalScorer.Part::domain).toList();
        List<String> hosts = domains.stream().filter(d -> !d.equals(requester)).toList();
        PsiRunner psi = new PsiRunner(byDomain, timeout, log, settings.psiBatch());
        if (request.everyRow()) {
            if (!groups.isEmpty()) {
                throw new MeshflException(ErrorCode.PLAN_REFUSED, "scoring every row of the requester's product is for split networks whose "
                        + "parties are single products; this one has a party made of several products");
            }
            Map<String, String> productOf = new LinkedHashMap<>();
            for (VerticalScorer.Part p : parts) if (!p.domain().equals(requester)) productOf.put(p.domain(), p.productId());
            OuterAlignment.run(psi, jobId, requester, parts.get(domains.indexOf(requester)).productId(), productOf);
        } else {
            psi.run(jobId, jobId, parts.stream().map(p -> new PsiRunner.Party(p.domain(), p.productId()).inGroup(p.group())).toList(), false);
        }
        try (PartyCalls calls = new PartyCalls(byDomain, timeout, SplitRunner.NEEDS_EVERY_PARTY)) {
            List<Message> prepared = calls.parallel(domains, d -> {
                VerticalScorer.Part p = parts.get(domains.indexOf(d));
                Map<String, String> cfg = new java.util.LinkedHashMap<>(Map.of("product", p.productId(), "model_id", modelId,
                        "has_part", Boolean.toString(p.hasPart())));
                cfg.putAll(request.config());
                if (request.everyRow()) {
                    if (d.equals(requester)) cfg.put(OuterAlignment.HOSTS, String.join(",", hosts));
                    else cfg.put(OuterAlignment.SLOT, d);
                }
                parties.configure(cfg, d);
                return request(jobId, SplitSteps.PREPARE, d, cfg);
            });
            int rows = prepared.get(domains.indexOf(requester)).metrics().getOrDefault("rows", 0.0).intValue();
            Map<String, Double> drift = new LinkedHashMap<>();
            for (Message m : prepared) drift.putAll(DriftRecords.of(m.metrics()));
            Map<String, byte[]> keys = new java.util.LinkedHashMap<>();
            for (int i = 0; i < domains.size(); i++) {
                byte[] k = prepared.get(i).blobs().get("seal_pk");
                if (k != null) keys.put("peer:" + domains.get(i), k);
            }
            io.meshfl.core.protocol.group.GroupRelay.seeds(groups, keys, SplitSteps.INFER_GROUP_SEED, SplitSteps.INFER_GROUP_JOIN,
                    (step, d) -> request(jobId, step, d, Map.of()), r -> calls.call(r.receiver(), r));
            if (request.everyRow() && !hosts.isEmpty()) lineUp(calls, jobId, requester, hosts, keys, rows);
            java.util.function.BiFunction<String, int[], Message> forward = (d, r) -> request(jobId, SplitSteps.FORWARD, d, Map.of("model_id",
                    modelId, "from", Integer.toString(r[0]), "to", Integer.toString(r[1])));
            double[] logits = top != null ? parties.logits(calls, trainingDomains, rows, settings.cutWidth(), top, topParams, forward)
                    : parties.logits(calls, trainingDomains, rows, settings.cutWidth(), head.outputs(), (x, n) -> {
                        double[] z = calls.call(topHolder, request(jobId, SplitSteps.TOP_PREDICT, topHolder, Map.of("model_id", modelId,
                                "rows", Integer.toString(n))).withTensors(Map.of(SplitSteps.CUTS, x))).tensor(SplitSteps.LOGITS);
                        Bottom.checkBlock("logits of the top", topHolder, z, n, head.outputs());
                        return z;
                    }, forward);
            double[] prob = head.predict(logits);
            Map<String, String> collect = new LinkedHashMap<>(Map.of("label", label == null ? "" : label,
                    "objective", head.task().name().toLowerCase(java.util.Locale.ROOT), "classes", Integer.toString(head.outputs()),
                    "parties", String.join(",", trainingDomains)));
            collect.putAll(request.config());
            Message done = calls.call(requester, request(jobId, SplitSteps.COLLECT, requester, collect).withTensors(Map.of(SplitSteps.PREDICTIONS, prob)));
            if (!hosts.isEmpty()) calls.parallel(hosts, d -> request(jobId, SplitSteps.FINISH, d, Map.of()));
            log.accept("split: scored " + rows + (request.everyRow() ? " rows of " + parts.get(domains.indexOf(requester)).productId() + " ("
                    + request.missing().label() + " where a part is missing)" : " aligned rows") + "; predictions kept by " + requester);
            return new VerticalScorer.Result(rows, DriftRecords.merge(done.metrics(), drift, log), done.config().getOrDefault("predictions", ""),
                    requester, done.config());
        }
    }

    /**
     * Scoring every row: the requester seals for each other party its row at each place of the
     * requester's secret order, relayed here unopened; each party lines its rows up in that order.
     */
    private static void lineUp(PartyCalls calls, String jobId, String requester, List<String> hosts, Map<String, byte[]> keys, int rows) {
        Map<String, byte[]> hostKeys = new LinkedHashMap<>();
        for (String h : hosts) hostKeys.put("peer:" + h, need(keys, h));
        Message order = calls.call(requester, request(jobId, SplitSteps.ORDER, requester, Map.of()).withBlobs(hostKeys));
        byte[] requesterKey = need(keys, requester);
        List<Message> lined = calls.parallel(hosts, h -> request(jobId, SplitSteps.REORDER, h, Map.of("requester", requester))
                .withBlobs(Map.of("peer:" + requester, requesterKey, "order", order.blob("to:" + h))));
        for (int i = 0; i < hosts.size(); i++) {
            int n = lined.get(i).metrics().getOrDefault("rows", -1.0).intValue();
            if (n != rows) {
                throw new MeshflException(ErrorCode.PROTOCOL_FAILURE, hosts.get(i) + " lined up " + n + " rows for the " + rows + " of " + requester);
            }
        }
    }

    private static byte[] need(Map<String, byte[]> keys, String domain) {
        byte[] k = keys.get("peer:" + domain);
        if (k == null) throw new MeshflException(ErrorCode.PROTOCOL_FAILURE, domain + " sent no sealing key for scoring every row");
        return k;
    }

    private static Message request(String jobId, String step, String domain, Map<String, String> cfg) {
        return Message.request(jobId, jobId, SplitSteps.INFER_PROTOCOL, step, 0, domain).withConfig(cfg);
    }
}

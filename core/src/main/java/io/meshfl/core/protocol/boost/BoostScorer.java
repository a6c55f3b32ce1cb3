package io.meshfl.core.protocol.boost;

import io.meshfl.core.ErrorCode;
import io.meshfl.core.MeshflException;
import io.meshfl.core.monitoring.DriftRecords;
import io.meshfl.core.protocol.Message;
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
 * The coordinator side of SecureBoost inference: aligns the scoring products by PSI, collects
 * each host's sealed split bits and relays them to the guest, who alone can walk the trees and
 * so keeps the predictions.
 */
public final class BoostScorer {

    private BoostScorer() {
    }

    public static VerticalScorer.Result score(Map<String, NodeChannel> byDomain, String jobId, String modelId, String guestDomain,
                                              String label, List<VerticalScorer.Part> parts, String requester, Duration timeout,
                                              Consumer<String> log) {
        return score(byDomain, jobId, modelId, guestDomain, label, parts, requester, timeout, log, ScoringRequest.SHARED);
    }

    /**
     * As above, as {@code request} asks: with {@code everyRow}, every row of the guest's product is
     * scored, each host answering for the rows it knows (and, when imputing, for a row at its means).
     */
    public static VerticalScorer.Result score(Map<String, NodeChannel> byDomain, String jobId, String modelId, String guestDomain,
                                              String label, List<VerticalScorer.Part> given, String requester, Duration timeout,
                                              Consumer<String> log, ScoringRequest request) {
        List<VerticalScorer.Part> parts = request.everyRow()
                ? given.stream().filter(p -> p.domain().equals(guestDomain) || p.hasPart()).toList() : given;
        if (!guestDomain.equals(requester)) {
            throw new PlanRefusal(requester, guestDomain).exception();
        }
        if (parts.stream().noneMatch(p -> p.domain().equals(guestDomain))) {
            throw new MeshflException(ErrorCode.PLAN_REFUSED, "the guest '" + guestDomain + "' has no product among the scoring products");
        }
        PsiRunner psi = new PsiRunner(byDomain, timeout, log, 1 << 16);
        if (request.everyRow()) {
            if (parts.stream().anyMatch(p -> p.group() != null)) {
                throw new MeshflException(ErrorCode.PLAN_REFUSED, "scoring every row of the guest's product is for models whose parties are "
                        + "single products; this model has a party made of several products");
            }
            Map<String, String> hosts = new LinkedHashMap<>();
            for (VerticalScorer.Part p : parts) if (!p.domain().equals(guestDomain)) hosts.put(p.domain(), p.productId());
            OuterAlignment.run(psi, jobId, guestDomain, parts.stream().filter(p -> p.domain().equals(guestDomain)).findFirst().orElseThrow()
                    .productId(), hosts);
        } else {
            // a group's members align as one set, each told only its own places in the common order
            psi.run(jobId, jobId, parts.stream().map(p -> new PsiRunner.Party(p.domain(), p.productId()).inGroup(p.group())).toList(), false);
        }
        Map<String, List<String>> groups = new LinkedHashMap<>();
        for (VerticalScorer.Part p : parts) if (p.group() != null) groups.computeIfAbsent(p.group(), g -> new java.util.ArrayList<>()).add(p.domain());
        Map<String, byte[]> keys = new LinkedHashMap<>();
        Map<String, Double> drift = new LinkedHashMap<>();
        int rows = 0;
        for (VerticalScorer.Part p : parts) {
            Map<String, String> cfg = new LinkedHashMap<>(Map.of("product", p.productId(), "model_id", modelId));
            cfg.putAll(request.config());
            if (request.everyRow()) {
                if (p.domain().equals(guestDomain)) {
                    cfg.put(OuterAlignment.HOSTS, String.join(",", parts.stream().map(VerticalScorer.Part::domain).filter(d -> !d.equals(guestDomain)).toList()));
                } else {
                    cfg.put(OuterAlignment.SLOT, p.domain());
                }
            }
            if (p.group() != null) {
                cfg.put("group", p.group());
                cfg.put("group_members", String.join(",", groups.get(p.group())));
            }
            Message r = call(byDomain, p.domain(), timeout, request(jobId, BoostSteps.INFER_PREPARE, p.domain(), cfg));
            keys.put("peer:" + p.domain(), r.blob("seal_pk"));
            drift.putAll(DriftRecords.of(r.metrics()));
            if (!request.everyRow() || p.domain().equals(guestDomain)) rows = r.metrics().get("rows").intValue();
        }
        // the members of each group agree on a fresh seed for the masks of their bits, sealed member to member
        io.meshfl.core.protocol.group.GroupRelay.seeds(groups, keys, BoostSteps.INFER_GROUP_SEED, BoostSteps.INFER_GROUP_JOIN,
                (step, domain) -> request(jobId, step, domain, Map.of()), r -> call(byDomain, r.receiver(), timeout, r));
        Map<String, byte[]> blobs = new LinkedHashMap<>(keys);
        for (VerticalScorer.Part p : parts) {
            if (p.domain().equals(guestDomain)) continue;
            Message r = call(byDomain, p.domain(), timeout, request(jobId, BoostSteps.INFER_BITS, p.domain(),
                    Map.of("guest", guestDomain, "model_id", modelId)).withBlobs(Map.of("peer:" + guestDomain, keys.get("peer:" + guestDomain))));
            blobs.put("from:" + p.domain(), r.blob("to:" + guestDomain));
        }
        Map<String, String> collect = new LinkedHashMap<>(Map.of("model_id", modelId, "label", label == null ? "" : label, "groups",
                new io.meshfl.core.protocol.group.GroupRoster(groups).config()));
        collect.putAll(request.config());
        if (request.everyRow()) collect.put(OuterAlignment.HOSTS, String.join(",", parts.stream().map(VerticalScorer.Part::domain)
                .filter(d -> !d.equals(guestDomain)).toList()));
        Message done = call(byDomain, guestDomain, timeout, request(jobId, BoostSteps.INFER_COLLECT, guestDomain, collect).withBlobs(blobs));
        log.accept("scored " + rows + (request.everyRow() ? " rows (" + request.missing().label() + " where a part is missing)" : " aligned rows")
                + " with boosted trees; predictions kept by " + guestDomain);
        return new VerticalScorer.Result(rows, DriftRecords.merge(done.metrics(), drift, log), done.config().getOrDefault("predictions", ""),
                guestDomain, done.config());
    }

    /** Why a requester other than the label holder is refused. */
    private record PlanRefusal(String requester, String guest) {
        MeshflException exception() {
            return new MeshflException(ErrorCode.PLAN_REFUSED, "boosted-tree predictions land with the label holder '" + guest
                    + "', who alone holds the trees; '" + requester + "' cannot request them");
        }
    }

    private static Message request(String jobId, String step, String domain, Map<String, String> cfg) {
        return Message.request(jobId, jobId, BoostSteps.INFER_PROTOCOL, step, 0, domain).withConfig(cfg);
    }

    private static Message call(Map<String, NodeChannel> byDomain, String domain, Duration timeout, Message req) {
        NodeChannel ch = byDomain.get(domain);
        if (ch == null) throw new MeshflException(ErrorCode.TOO_FEW_NODES, "no node of domain '" + domain + "' is connected");
        return ch.call(req, timeout).orThrow();
    }
}

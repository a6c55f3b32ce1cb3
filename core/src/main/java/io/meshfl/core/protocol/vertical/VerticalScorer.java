package io.meshfl.core.protocol.vertical;

import io.meshfl.core.ErrorCode;
import io.meshfl.core.MeshflException;
import io.meshfl.core.monitoring.DriftRecords;
import io.meshfl.core.protocol.Message;
import io.meshfl.core.protocol.NodeChannel;
import io.meshfl.core.protocol.psi.PsiRunner;
import io.meshfl.core.protocol.scoring.OuterAlignment;
import io.meshfl.core.protocol.scoring.ScoringRequest;

import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;

/**
 * The coordinator side of vertical inference: aligns the scoring products by PSI, has each
 * party score its own columns, and relays the sealed partial scores to the requesting domain.
 * The coordinator sees none of the scores.
 */
public final class VerticalScorer {

    /**
     * A party of the scoring: its domain, the product with the rows to score, whether it holds a
     * model part, and the group (a party made of several products) it is a member of, or null.
     */
    public record Part(String domain, String productId, boolean hasPart, String group) {
        public Part(String domain, String productId, boolean hasPart) {
            this(domain, productId, hasPart, null);
        }
    }

    /** What the requester reports back: counts, metrics if its product has labels, where its predictions are. */
    public record Result(int rows, Map<String, Double> metrics, String predictions, String requester, Map<String, String> output) {
        public Result(int rows, Map<String, Double> metrics, String predictions, String requester) {
            this(rows, metrics, predictions, requester, Map.of());
        }
    }

    private VerticalScorer() {
    }

    public static Result score(Map<String, NodeChannel> byDomain, String jobId, String modelId, String modelType, String label,
                               List<Part> parts, String requester, Duration timeout, Consumer<String> log) {
        return score(byDomain, jobId, modelId, modelType, 1, label, parts, requester, timeout, log, List.of());
    }

    /**
     * Scoring with a model trained over a join ({@code links} non-empty): the requester must be the
     * base product's domain, whose rows are scored; each other party scores its own rows once and
     * the requester picks each base row's partial scores through its join index. {@code outputs}:
     * scores per row (the class count of a multinomial model, otherwise 1).
     */
    public static Result score(Map<String, NodeChannel> byDomain, String jobId, String modelId, String modelType, int outputs, String label,
                               List<Part> parts, String requester, Duration timeout, Consumer<String> log, List<VerticalRunner.Link> links) {
        return score(byDomain, jobId, modelId, modelType, outputs, label, parts, requester, timeout, log, links, ScoringRequest.SHARED);
    }

    /**
     * As above, as {@code request} asks: with {@code everyRow}, every row of the requester's product
     * is scored (one alignment per other party with a model part; parties without a part take no
     * part), with the coverage of each row and the missing parts treated as it says.
     */
    public static Result score(Map<String, NodeChannel> byDomain, String jobId, String modelId, String modelType, int outputs, String label,
                               List<Part> parts, String requester, Duration timeout, Consumer<String> log, List<VerticalRunner.Link> links,
                               ScoringRequest request) {
        if (parts.stream().noneMatch(p -> p.domain().equals(requester))) {
            throw new MeshflException(ErrorCode.PLAN_REFUSED, "requester '" + requester + "' has no product among the scoring products");
        }
        PsiRunner psi = new PsiRunner(byDomain, timeout, log, 1 << 16);
        Part base = parts.stream().filter(p -> p.domain().equals(requester)).findFirst().orElseThrow();
        Map<String, List<String>> groups = new LinkedHashMap<>();
        for (Part p : parts) if (p.group() != null) groups.computeIfAbsent(p.group(), g -> new java.util.ArrayList<>()).add(p.domain());
        if (base.group() != null) {
            throw new MeshflException(ErrorCode.PLAN_REFUSED, "requester '" + requester + "' is one member of party " + base.group()
                    + " and holds only its own entities; the predictions go to a party of its own, such as the label holder");
        }
        if (!groups.isEmpty() && !links.isEmpty()) throw new MeshflException(ErrorCode.PLAN_REFUSED, "a party group does not score over a join");
        if (request.everyRow()) {
            if (!groups.isEmpty() || !links.isEmpty()) {
                throw new MeshflException(ErrorCode.PLAN_REFUSED, "scoring every row of the requester's product is for models whose parties are "
                        + "single products aligned by entity key; this model " + (links.isEmpty() ? "has a party made of several products" : "was trained over a join"));
            }
            parts = parts.stream().filter(p -> p == base || p.hasPart()).toList();
            Map<String, String> hosts = new LinkedHashMap<>();
            for (Part p : parts) if (p != base) hosts.put(p.domain(), p.productId());
            OuterAlignment.run(psi, jobId, base.domain(), base.productId(), hosts);
        } else if (links.isEmpty()) {
            psi.run(jobId, jobId, parts.stream().map(p -> new PsiRunner.Party(p.domain(), p.productId()).inGroup(p.group())).toList(), false);
        } else {
            for (VerticalRunner.Link l : links) {
                Part host = parts.stream().filter(p -> p.domain().equals(l.host())).findFirst().orElseThrow(() -> new MeshflException(
                        ErrorCode.PLAN_REFUSED, "the model joins a product of domain '" + l.host() + "'; no scoring product of that domain was given"));
                psi.run(jobId, jobId, List.of(new PsiRunner.Party(base.domain(), base.productId(), l.foreignKey(), true),
                        new PsiRunner.Party(host.domain(), host.productId(), l.key(), false)), false, l.host());
            }
        }
        Map<String, byte[]> keys = new LinkedHashMap<>();
        Map<String, Double> drift = new LinkedHashMap<>();
        int rows = 0;
        for (Part p : parts) {
            Map<String, String> cfg = new LinkedHashMap<>(Map.of("product", p.productId(), "model_id", modelId,
                    "has_part", Boolean.toString(p.hasPart()), "outputs", Integer.toString(outputs)));
            cfg.putAll(request.config());
            if (request.everyRow()) {
                if (p == base) cfg.put(OuterAlignment.HOSTS, String.join(",", parts.stream().filter(q -> q != base).map(Part::domain).toList()));
                else cfg.put(OuterAlignment.SLOT, p.domain());
            } else if (!links.isEmpty()) {
                if (p == base) cfg.put("joins", String.join(",", links.stream().map(l -> l.host() + "=" + l.host()).toList()));
                else cfg.put("slot", p.domain());
            }
            if (p.group() != null) {
                cfg.put("group", p.group());
                cfg.put("group_members", String.join(",", groups.get(p.group())));
            }
            Message r = call(byDomain, p.domain(), timeout, request(jobId, InferNode.PREPARE, p.domain(), cfg));
            keys.put("peer:" + p.domain(), r.blob("seal_pk"));
            drift.putAll(DriftRecords.of(r.metrics()));
            if ((links.isEmpty() && !request.everyRow()) || p == base) rows = r.metrics().get("rows").intValue();
        }
        // the members of each group agree on a fresh seed for their masks, sealed member to member
        io.meshfl.core.protocol.group.GroupRelay.seeds(groups, keys, InferNode.GROUP_SEED, InferNode.GROUP_JOIN,
                (step, domain) -> request(jobId, step, domain, Map.of()), r -> call(byDomain, r.receiver(), timeout, r));
        Map<String, byte[]> blobs = new LinkedHashMap<>(keys);
        for (Part p : parts) {
            if (p.domain().equals(requester)) continue;
            Message r = call(byDomain, p.domain(), timeout, request(jobId, InferNode.SEND, p.domain(), Map.of("requester", requester))
                    .withBlobs(Map.of("peer:" + requester, keys.get("peer:" + requester))));
            blobs.put("from:" + p.domain(), r.blob("to:" + requester));
        }
        Map<String, String> collect = new LinkedHashMap<>(Map.of("model_type", modelType,
                "label", label == null ? "" : label, "parties", String.join(",", parts.stream().map(Part::domain).toList()),
                "groups", new io.meshfl.core.protocol.group.GroupRoster(groups).config()));
        collect.putAll(request.config());
        Message done = call(byDomain, requester, timeout, request(jobId, InferNode.COLLECT, requester, collect).withBlobs(blobs));
        log.accept("scored " + rows + (request.everyRow() ? " rows of " + base.productId() + " (" + request.missing().label() + " where a part is missing)"
                : " aligned rows") + "; predictions kept by " + requester);
        return new Result(rows, DriftRecords.merge(done.metrics(), drift, log), done.config().getOrDefault("predictions", ""), requester, done.config());
    }

    private static Message request(String jobId, String step, String domain, Map<String, String> cfg) {
        return Message.request(jobId, jobId, InferNode.PROTOCOL, step, 0, domain).withConfig(cfg);
    }

    private static Message call(Map<String, NodeChannel> byDomain, String domain, Duration timeout, Message req) {
        NodeChannel ch = byDomain.get(domain);
        if (ch == null) throw new MeshflException(ErrorCode.TOO_FEW_NODES, "no node of domain '" + domain + "' is connected");
        return ch.call(req, timeout).orThrow();
    }
}

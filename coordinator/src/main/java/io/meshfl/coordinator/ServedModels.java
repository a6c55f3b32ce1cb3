package io.meshfl.coordinator;

import com.fasterxml.jackson.databind.JsonNode;
import io.meshfl.core.ErrorCode;
import io.meshfl.core.MeshflException;
import io.meshfl.core.model.nn.Head;
import io.meshfl.core.model.nn.Network;
import io.meshfl.core.protocol.split.SplitServing;
import io.meshfl.core.serving.ServeSteps;
import io.meshfl.core.serving.ServingRequester;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * What a serving session of a stored model runs, read from its provenance: the serving protocol of
 * its strategy, the parties whose nodes prepare a block per row, those asked at each call, the party
 * that finishes a score (a boosted model's guest, a horizontal model's own domain), and, for a split
 * network, the top network the coordinator runs. Models it cannot serve are refused by name.
 */
record ServedModels(String protocol, ServingRequester.Kind kind, List<String> parties, List<String> lookups, String finisher,
                    Map<String, Map<String, String>> prepare, Map<String, double[]> tensors, Top top) {

    /**
     * A split network's top over the parties' cut layers in training order: run by the coordinator
     * ({@code net}), or, for a network external trainers trained, by the trainer of {@code holder}
     * (the training label holder), which keeps it.
     */
    record Top(Network net, double[] params, Head head, int cut, String holder) {
    }

    /**
     * The session of {@code modelId} over the scoring products {@code productOf} (by domain);
     * {@code params} are the stored model's coordinator-side parameters.
     */
    static ServedModels of(String modelId, JsonNode prov, Map<String, String> productOf, double[] params) {
        String strategy = prov.path("strategy").asText();
        if (!prov.path("links").isEmpty()) {
            throw new MeshflException(ErrorCode.PLAN_REFUSED, "model " + modelId + " is a " + strategy + " join model; online serving is for "
                    + "models whose parties are single products aligned by entity key (meshfl predict scores it)");
        }
        String partsKey = prov.path("parts_key").asText();
        return switch (strategy) {
            case "vertical" -> {
                List<String> parties = parties(modelId, prov, productOf);
                yield new ServedModels(ServeSteps.PROTOCOL, ServingRequester.Kind.SUM, parties, parties, null,
                        prepare(parties, productOf, Map.of("model_id", partsKey)), Map.of(), null);
            }
            case "secureboost" -> {
                List<String> parties = parties(modelId, prov, productOf);
                String guest = null;
                for (JsonNode part : prov.path("parts")) if ("guest".equals(part.path("role").asText())) guest = part.path("domain").asText();
                if (guest == null) throw new MeshflException(ErrorCode.CATALOG_FAILURE, "model " + modelId + " names no guest among its parts");
                String g = guest;
                yield new ServedModels(ServeSteps.BOOST, ServingRequester.Kind.FINAL, parties, parties.stream().filter(d -> !d.equals(g)).toList(), guest,
                        prepare(parties, productOf, Map.of("model_id", partsKey)), Map.of(), null);
            }
            case "split" -> {
                List<String> parties = parties(modelId, prov, productOf);
                var settings = Predictions.splitSettings(prov, modelId);
                Head head = Predictions.head(prov);
                Top top;
                if ("EXTERNAL".equals(prov.path("model").path("type").asText())) {
                    // the top runs in the training label holder's trainer, from the part its node kept
                    String holder = null;
                    for (JsonNode part : prov.path("parts")) if ("guest".equals(part.path("role").asText())) holder = part.path("domain").asText();
                    if (holder == null) throw new MeshflException(ErrorCode.CATALOG_FAILURE, "split model " + modelId + " names no label holder");
                    top = new Top(null, new double[0], head, settings.cutWidth(), holder);
                } else {
                    top = new Top(SplitServing.top(parties.size(), settings, head, params, modelId), params, head, settings.cutWidth(), null);
                }
                yield new ServedModels(ServeSteps.SPLIT, ServingRequester.Kind.TOP, parties, parties, null,
                        prepare(parties, productOf, Map.of("model_id", partsKey)), Map.of(), top);
            }
            case "horizontal" -> horizontal(modelId, prov, productOf, params);
            default -> throw new MeshflException(ErrorCode.PLAN_REFUSED, "model " + modelId + " was trained " + strategy + "; online serving is for "
                    + "vertical, secureboost, split and horizontal models");
        };
    }

    /**
     * A horizontal model is served where it was trained: on the node of the one scoring product's
     * domain, which took part in the run and so has held the global model since.
     */
    private static ServedModels horizontal(String modelId, JsonNode prov, Map<String, String> productOf, double[] params) {
        JsonNode model = prov.path("model");
        if (productOf.size() != 1) {
            throw new MeshflException(ErrorCode.PLAN_REFUSED, "a horizontal model scores the rows of one domain's own product; " + productOf.size()
                    + " products were given");
        }
        String requester = productOf.keySet().iterator().next();
        if ("EXTERNAL".equals(model.path("type").asText())) {
            throw new MeshflException(ErrorCode.PLAN_REFUSED, "horizontal model " + modelId + " was trained by external trainers; it is served "
                    + "by its trainer, not by MeshFL");
        }
        boolean trained = false;
        for (JsonNode p : prov.path("products")) trained |= "train".equals(p.path("role").asText()) && requester.equals(p.path("domain").asText());
        if (!trained) {
            throw new MeshflException(ErrorCode.PLAN_REFUSED, "horizontal model " + modelId + " is served by the domains that trained it; '"
                    + requester + "' did not");
        }
        String product = productOf.get(requester);
        if (!prov.has("scaling")) {
            throw new MeshflException(ErrorCode.PLAN_REFUSED, "model " + modelId + " was stored without its feature scaling; train it again to serve it");
        }
        List<String> features = new ArrayList<>();
        prov.path("features").forEach(f -> features.add(f.asText()));
        List<String> hidden = new ArrayList<>();
        model.path("hidden").forEach(h -> hidden.add(h.asText()));
        Map<String, String> cfg = new LinkedHashMap<>(Map.of("product", product, "features", String.join(",", features),
                "model_type", model.path("type").asText(), "hidden", String.join(",", hidden),
                "classes", Integer.toString(model.path("classes").asInt(2)), "model_l2", Double.toString(model.path("l2").asDouble(0))));
        Map<String, double[]> tensors = new LinkedHashMap<>(Map.of("params", params));
        JsonNode scaling = prov.path("scaling");
        if (!scaling.isNull()) {
            tensors.put("mean", doubles(scaling.path("mean")));
            tensors.put("std", doubles(scaling.path("std")));
        }
        return new ServedModels(ServeSteps.HORIZONTAL, ServingRequester.Kind.FINAL, List.of(requester), List.of(requester), requester,
                Map.of(requester, cfg), tensors, null);
    }

    /** The model's part-holding domains in training order, each with a scoring product; a party of several products is refused. */
    private static List<String> parties(String modelId, JsonNode prov, Map<String, String> productOf) {
        List<String> parties = new ArrayList<>();
        for (JsonNode part : prov.path("parts")) {
            if (part.hasNonNull("group")) throw new MeshflException(ErrorCode.PLAN_REFUSED, "model " + modelId + " has a party made of several products");
            String d = part.path("domain").asText();
            if (!productOf.containsKey(d)) {
                throw new MeshflException(ErrorCode.PLAN_REFUSED, "model " + modelId + " has a part in domain '" + d + "' but no product of it was given");
            }
            if (!parties.contains(d)) parties.add(d);
        }
        return parties;
    }

    private static Map<String, Map<String, String>> prepare(List<String> parties, Map<String, String> productOf, Map<String, String> common) {
        Map<String, Map<String, String>> out = new LinkedHashMap<>();
        for (String d : parties) {
            Map<String, String> cfg = new LinkedHashMap<>(common);
            cfg.put("product", productOf.get(d));
            out.put(d, cfg);
        }
        return out;
    }

    private static double[] doubles(JsonNode a) {
        double[] d = new double[a.size()];
        for (int i = 0; i < d.length; i++) d[i] = a.get(i).asDouble();
        return d;
    }
}

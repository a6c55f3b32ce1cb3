package io.meshfl.deploy;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.MappingIterator;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import com.marcnuri.helm.Helm;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicy;

import java.io.IOException;
import java.lang.reflect.Method;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;

/**
 * The chart rendered by Helm's own engine and read back as Kubernetes API objects, with what the
 * model did not recognise kept so that a test can name it.
 */
record RenderedChart(List<HasMetadata> objects) {

    static final Path CHART = Path.of("helm", "meshfl");
    static final Path THREE_DOMAINS = CHART.resolve("examples").resolve("three-domains.yaml");

    private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory())
            .configure(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES, true);
    private static final Map<String, Class<? extends HasMetadata>> KINDS =
            Map.of("Deployment", Deployment.class, "Service", Service.class, "ConfigMap", ConfigMap.class, "NetworkPolicy", NetworkPolicy.class);

    /** Renders the chart as release {@code release} with values files, later ones overriding earlier ones. */
    static RenderedChart render(String release, Path... values) throws IOException {
        var template = new Helm(CHART).template().withName(release);
        for (Path v : values) template.withValuesFile(v);
        return new RenderedChart(parse(template.call()));
    }

    static List<HasMetadata> parse(String manifest) throws IOException {
        List<HasMetadata> out = new ArrayList<>();
        try (MappingIterator<JsonNode> docs = YAML.readerFor(JsonNode.class).readValues(manifest)) {
            while (docs.hasNext()) {
                JsonNode doc = docs.next();
                if (doc == null || doc.isNull() || doc.isEmpty()) continue;
                String kind = doc.path("kind").asText();
                Class<? extends HasMetadata> type = KINDS.get(kind);
                if (type == null) throw new AssertionError("the chart renders a kind the tests do not know: " + kind);
                out.add(YAML.treeToValue(doc, type));
            }
        }
        return out;
    }

    <T extends HasMetadata> List<T> all(Class<T> type) {
        return objects.stream().filter(type::isInstance).map(type::cast).toList();
    }

    <T extends HasMetadata> T named(Class<T> type, String name) {
        return all(type).stream().filter(o -> o.getMetadata().getName().equals(name)).findFirst()
                .orElseThrow(() -> new AssertionError("no " + type.getSimpleName() + " named " + name + " in the rendered chart"));
    }

    /**
     * Every field the Kubernetes model did not recognise, as a path (e.g.
     * {@code Deployment/x.spec.template.spec.containers[0].livenessProbe.httpGett}): fabric8 keeps
     * such fields aside instead of failing, which is exactly how a misspelt field slips past.
     */
    static List<String> unknownFields(HasMetadata o) {
        List<String> found = new ArrayList<>();
        walk(o, o.getKind() + "/" + o.getMetadata().getName(), found);
        return found;
    }

    private static void walk(Object o, String at, List<String> found) {
        if (o == null) return;
        if (o instanceof Collection<?> c) {
            int i = 0;
            for (Object e : c) walk(e, at + "[" + i++ + "]", found);
            return;
        }
        if (o instanceof Map<?, ?> m) {
            for (Map.Entry<?, ?> e : m.entrySet()) walk(e.getValue(), at + "." + e.getKey(), found);
            return;
        }
        if (!o.getClass().getName().startsWith("io.fabric8.")) return;
        for (Method g : o.getClass().getMethods()) {
            if (g.getParameterCount() != 0 || !g.getName().startsWith("get") || g.getDeclaringClass() == Object.class) continue;
            Object v;
            try {
                v = g.invoke(o);
            } catch (ReflectiveOperationException e) {
                throw new AssertionError("cannot read " + at + "." + g.getName(), e);
            }
            if (g.getName().equals("getAdditionalProperties")) {
                if (v instanceof Map<?, ?> extra) extra.keySet().forEach(k -> found.add(at + "." + k));
                continue;
            }
            String field = Character.toLowerCase(g.getName().charAt(3)) + g.getName().substring(4);
            walk(v, at + "." + field, found);
        }
    }
}

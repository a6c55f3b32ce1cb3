package io.meshfl.core.protocol.split;

import io.meshfl.core.model.TensorSpec;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * An external split network's declared tensors by role, as the job names them: {@code PARTY/NAME}
 * for a party's bottom (the party a domain, or a group), {@code top/NAME} for the top network that
 * runs on the label holder. Each role's trainer declares its tensors without the prefix.
 */
public record SplitTensors(Map<String, List<TensorSpec>> bottoms, List<TensorSpec> top) {

    /** The prefix of the top network's tensors. */
    public static final String TOP = "top";

    /** The job's declaration split by role; a tensor without a {@code ROLE/} prefix is an error naming it. */
    public static SplitTensors of(List<TensorSpec> declared) {
        Map<String, List<TensorSpec>> bottoms = new LinkedHashMap<>();
        List<TensorSpec> top = new ArrayList<>();
        for (TensorSpec t : declared) {
            int slash = t.name().indexOf('/');
            if (slash <= 0 || slash == t.name().length() - 1) {
                throw new IllegalArgumentException("model.parameters: '" + t.name() + "' names no role; an external split network "
                        + "declares PARTY/NAME for a party's bottom and top/NAME for the top network");
            }
            String role = t.name().substring(0, slash);
            TensorSpec own = new TensorSpec(t.name().substring(slash + 1), t.shape());
            if (role.equals(TOP)) top.add(own);
            else bottoms.computeIfAbsent(role, k -> new ArrayList<>()).add(own);
        }
        return new SplitTensors(Map.copyOf(bottoms), List.copyOf(top));
    }

    /** The declared tensors of {@code party}'s bottom (empty when the job declares none). */
    public List<TensorSpec> bottom(String party) {
        return bottoms.getOrDefault(party, List.of());
    }
}

package io.meshfl.core.protocol.group;

import io.meshfl.core.plan.Plan;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The parties of a run made of several products, by name, each with its members' domains in the
 * job's order; how the coordinator tells a label holder the groups and a member its group.
 */
public record GroupRoster(Map<String, List<String>> groups) {

    public GroupRoster {
        groups = java.util.Collections.unmodifiableMap(new LinkedHashMap<>(groups));
    }

    public boolean isEmpty() {
        return groups.isEmpty();
    }

    /** The group of {@code domain}, or null for a party of its own. */
    public String groupOf(String domain) {
        for (var e : groups.entrySet()) if (e.getValue().contains(domain)) return e.getKey();
        return null;
    }

    /** The domains that make up party {@code party}: a group's members, or the party itself. */
    public List<String> domains(String party) {
        return groups.getOrDefault(party, List.of(party));
    }

    /** A party's setup: the label holder learns the groups, a member its group and its fellow members. */
    public void configure(Map<String, String> cfg, Plan.Participant p, boolean labelHolder) {
        if (labelHolder && !groups.isEmpty()) cfg.put("groups", config());
        if (p.group() != null) {
            cfg.put("group", p.group());
            cfg.put("group_members", String.join(",", groups.get(p.group())));
        }
    }

    /** The setup config value: {@code name=a|b;name2=c|d}. */
    public String config() {
        List<String> parts = new ArrayList<>();
        groups.forEach((k, v) -> parts.add(k + "=" + String.join("|", v)));
        return String.join(";", parts);
    }

    /** The groups of a setup config value (see {@link #config}). */
    public static GroupRoster parse(String cfg) {
        Map<String, List<String>> out = new LinkedHashMap<>();
        for (String g : cfg == null ? new String[0] : cfg.split(";")) {
            if (g.isBlank()) continue;
            String[] kv = g.split("=", 2);
            out.put(kv[0], List.of(kv[1].split("\\|")));
        }
        return new GroupRoster(out);
    }
}

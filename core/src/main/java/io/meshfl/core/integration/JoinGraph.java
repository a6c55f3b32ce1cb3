package io.meshfl.core.integration;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/** The relationships seen as a graph of products: join order from a base, and paths between products. */
final class JoinGraph {

    private JoinGraph() {
    }

    /**
     * The joins reachable from {@code base}, breadth first, in declaration order within a level.
     * A many-to-one relationship is followed only from its many side: following it the other
     * way would repeat base rows. A one-to-one relationship may be followed either way.
     */
    static List<JoinStep> steps(String base, List<Relationship> relationships) {
        Set<String> joined = new LinkedHashSet<>();
        joined.add(base);
        Deque<String> queue = new ArrayDeque<>();
        queue.add(base);
        List<JoinStep> steps = new ArrayList<>();
        while (!queue.isEmpty()) {
            String p = queue.poll();
            for (Relationship r : relationships) {
                JoinStep step = null;
                if (r.from().product().equals(p) && !joined.contains(r.to().product())) {
                    step = new JoinStep(r, r.from(), r.to());
                } else if (r.cardinality() == Cardinality.ONE_TO_ONE && r.to().product().equals(p)
                        && !joined.contains(r.from().product())) {
                    step = new JoinStep(r, r.to(), r.from());
                }
                if (step != null) {
                    steps.add(step);
                    joined.add(step.product());
                    queue.add(step.product());
                }
            }
        }
        return steps;
    }

    /** The relationships on a path between two products, ignoring direction; empty when none connects them. */
    static List<Relationship> path(String from, String to, List<Relationship> relationships) {
        Map<String, Relationship> via = new HashMap<>();
        Map<String, String> prev = new HashMap<>();
        Deque<String> queue = new ArrayDeque<>();
        queue.add(from);
        prev.put(from, null);
        while (!queue.isEmpty()) {
            String p = queue.poll();
            if (p.equals(to)) break;
            for (Relationship r : relationships) {
                String other = r.from().product().equals(p) ? r.to().product()
                        : r.to().product().equals(p) ? r.from().product() : null;
                if (other == null || prev.containsKey(other)) continue;
                prev.put(other, p);
                via.put(other, r);
                queue.add(other);
            }
        }
        if (!prev.containsKey(to)) return List.of();
        List<Relationship> out = new ArrayList<>();
        for (String p = to; !p.equals(from); p = prev.get(p)) out.add(0, via.get(p));
        return out;
    }
}

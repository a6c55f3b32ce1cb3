package io.meshfl.core.integration;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * How to assemble the training table from a base (fact) product: the joins in order, each
 * onto a product already joined, and per product the columns it feeds. Rows of the table are
 * the rows of the base product; factorized learning keeps each source apart and uses the
 * foreign-key indexes of {@link KeyChecks#index} instead of materialising the join.
 */
public record JoinPlan(String base, List<JoinStep> steps, List<SourceFeed> feeds) {

    public JoinPlan {
        steps = List.copyOf(steps);
        feeds = List.copyOf(feeds);
    }

    /** The base product followed by every joined product, in join order. */
    public List<String> products() {
        List<String> out = new ArrayList<>();
        out.add(base);
        for (JoinStep s : steps) out.add(s.product());
        return out;
    }

    /** The columns {@code product} feeds; empty when it only contributes keys. */
    public Optional<SourceFeed> feed(String product) {
        return feeds.stream().filter(f -> f.product().equals(product)).findFirst();
    }

    /** Every target column in table order (join order, then mapping order within a product). */
    public List<String> targetColumns() {
        List<String> out = new ArrayList<>();
        for (SourceFeed f : feeds) out.addAll(f.targetColumns());
        return out;
    }
}

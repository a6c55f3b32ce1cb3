package io.meshfl.core.model.tree;

import io.meshfl.core.plan.JobSpec;

/** What shapes one boosted tree: depth, shrinkage, the minimum child hessian, L2 on leaf weights, and the minimum gain of a split. */
public record TreeParams(int depth, double lr, double minChildWeight, double l2, double minGain) {

    public static TreeParams of(JobSpec.BoostSettings s) {
        return new TreeParams(s.depth(), s.lr(), s.minChildWeight(), s.l2(), s.minGain());
    }
}

package io.meshfl.web;

/** A request the API answers with a problem detail. */
public final class ApiException extends RuntimeException {

    public final Problem problem;

    public ApiException(Problem problem) {
        super(problem.detail());
        this.problem = problem;
    }
}

package io.meshfl.web;

/** A request the API answers with a problem detail. */
final class ApiException extends RuntimeException {

    final Problem problem;

    ApiException(Problem problem) {
        super(problem.detail());
        this.problem = problem;
    }
}

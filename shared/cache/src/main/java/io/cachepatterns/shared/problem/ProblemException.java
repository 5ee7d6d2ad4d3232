package io.cachepatterns.shared.problem;

import java.util.List;

/** Thrown by services for an expected failure (not found, conflict, …); answered as a {@link Problem}. */
public class ProblemException extends RuntimeException {

    private final transient Problem problem;
    /** Seconds for {@code Retry-After}, or 0 for none. */
    private final long retryAfterSeconds;

    public ProblemException(Problem problem) {
        this(problem, 0);
    }

    private ProblemException(Problem problem, long retryAfterSeconds) {
        super(problem.title() + ": " + problem.detail(), null, false, false);
        this.problem = problem;
        this.retryAfterSeconds = retryAfterSeconds;
    }

    public Problem problem() {
        return problem;
    }

    public long retryAfterSeconds() {
        return retryAfterSeconds;
    }

    /** 429, with the seconds after which a retry may succeed ({@code Retry-After}). */
    public static ProblemException tooManyRequests(String detail, long retryAfterSeconds) {
        return new ProblemException(Problem.of(429, "Too Many Requests", detail), retryAfterSeconds);
    }

    public static ProblemException notFound(String detail) {
        return new ProblemException(Problem.of(404, "Not Found", detail));
    }

    public static ProblemException conflict(String field, String detail) {
        return new ProblemException(Problem.ofFields(409, "Conflict", detail,
                List.of(new Problem.FieldError(field, detail))));
    }

    public static ProblemException badRequest(String field, String detail) {
        return new ProblemException(Problem.ofFields(400, "Bad Request", detail,
                List.of(new Problem.FieldError(field, detail))));
    }

    /** 422: the request is well formed but cannot be applied as it stands (an idempotency key reused). */
    public static ProblemException unprocessable(String field, String detail) {
        return new ProblemException(Problem.ofFields(422, "Unprocessable Content", detail,
                List.of(new Problem.FieldError(field, detail))));
    }

    public static ProblemException unauthorized(String detail) {
        return new ProblemException(Problem.of(401, "Unauthorized", detail));
    }

    public static ProblemException forbidden(String detail) {
        return new ProblemException(Problem.of(403, "Forbidden", detail));
    }

    public static ProblemException preconditionFailed(String detail) {
        return new ProblemException(Problem.of(412, "Precondition Failed", detail));
    }

    public static ProblemException unavailable(String detail) {
        return new ProblemException(Problem.of(503, "Service Unavailable", detail));
    }
}

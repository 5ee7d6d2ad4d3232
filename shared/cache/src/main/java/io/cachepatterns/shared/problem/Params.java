package io.cachepatterns.shared.problem;

/**
 * Path and query parameters read by hand, so that a bad one is a 400 naming the parameter rather than the bare 404
 * that JAX-RS gives a path parameter it cannot convert.
 */
public final class Params {

    private Params() {
    }

    /** A positive 64-bit id. */
    public static long id(String name, String raw) {
        try {
            long id = Long.parseLong(raw);
            if (id > 0) {
                return id;
            }
        } catch (NumberFormatException e) {
            // answered below
        }
        throw ProblemException.badRequest(name, "must be a positive whole number, not '" + raw + "'");
    }
}
